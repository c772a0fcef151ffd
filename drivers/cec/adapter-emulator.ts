import { createPtyPair, type PtyPair } from '../../src/sim/pty-pair.ts';
import { chance, defaultFaults, garbage, sleep, type Faults } from '../../src/sim/faults.ts';
import { createFramer, openByteTransport, silentLogger, type ByteTransport, type Logger } from '../../src/sdk/index.ts';
import {
  MsgCode,
  TransmitAssembler,
  decodeAdapterMessage,
  encodeAccepted,
  encodeAdapterMessage,
  encodeReceivedFrame,
  msgCodeName,
  splitAdapterMessages,
  type AdapterMessage,
} from './adapter-protocol.ts';
import { BROADCAST, formatFrame, frameFromBytes, frameToBytes, type CecFrame } from './protocol.ts';
import { TvModel, type TvModelOptions } from './tv-model.ts';

/**
 * An emulated Pulse-Eight USB-CEC adapter on the simulator end of a socat pty pair, with a simulated
 * TV on its CEC bus. The REAL `cec-client` opens the other end (`devicePath`) as if it were
 * /dev/ttyACM0, runs its handshake against us, and exchanges CEC frames with the TV.
 * Protocol facts: libCEC's src/libcec/adapter/Pulse-Eight/.
 */

export interface AdapterEmulatorOptions {
  /** Firmware version reported; >= 2 makes libCEC use controlled mode and read the EEPROM. Default 12. */
  firmwareVersion?: number;
  /** Unix time of the firmware build; recent dates make libCEC expect codes in COMMAND_ACCEPTED. */
  buildDate?: number;
  /** 1 = external USB adapter. */
  adapterType?: number;
  tv?: TvModelOptions;
  log?: Logger;
}

/** One CEC frame that crossed the emulated bus, for assertions on the wire. */
export interface BusRecord {
  /** `host` = sent by cec-client through the adapter; `tv` = sent by the simulated TV. */
  from: 'host' | 'tv';
  frame: CecFrame;
  /** The frame as cec-client prints it (`40:04`). */
  text: string;
  /** Whether the destination ACKed it. */
  acked: boolean;
}

/** EEPROM settings the adapter persists (GET_x / SET_x pairs). */
interface Eeprom {
  autoEnabled: number;
  defaultLogicalAddress: number;
  logicalAddressMask: number;
  physicalAddress: number;
  deviceType: number;
  hdmiVersion: number;
  osdName: Buffer;
  autoPowerOn: number;
}

export class AdapterEmulator {
  readonly faults: Faults = defaultFaults();
  readonly tv: TvModel;
  /** Frames seen on the bus, oldest first. */
  readonly bus: BusRecord[] = [];
  /** Adapter messages received from the host, by code name, for assertions on the handshake. */
  readonly hostMessages: string[] = [];
  /** Logical addresses the host asked the adapter to ACK (SET_ACK_MASK). */
  ackMask = 0;
  controlled = false;
  private readonly framer = createFramer(splitAdapterMessages());
  private readonly assembler = new TransmitAssembler();
  private readonly eeprom: Eeprom = {
    autoEnabled: 0,
    defaultLogicalAddress: 0x0f,
    logicalAddressMask: 0,
    physicalAddress: 0xffff,
    deviceType: 0,
    hdmiVersion: 0x05,
    osdName: Buffer.alloc(0),
    autoPowerOn: 0,
  };
  private readonly opts: Required<Omit<AdapterEmulatorOptions, 'tv' | 'log'>>;
  private readonly log: Logger;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly link: ByteTransport,
    options: AdapterEmulatorOptions = {},
  ) {
    this.opts = {
      firmwareVersion: options.firmwareVersion ?? 12,
      buildDate: options.buildDate ?? 0x5c8e2f0a,
      adapterType: options.adapterType ?? 1,
    };
    this.log = options.log ?? silentLogger;
    this.tv = new TvModel((f) => this.fromTv(f), options.tv);
    link.onData((chunk) => this.onData(chunk));
  }

  /** Writes raw bytes on the serial line (garbage injection by tests). */
  injectRaw(bytes: Uint8Array): void {
    this.write(Buffer.from(bytes));
  }

  /** Frames the host sent, as text (`['40:04', '4f:86:10:00']`). */
  hostFrames(): string[] {
    return this.bus.filter((r) => r.from === 'host').map((r) => r.text);
  }

  close(): void {
    this.tv.close();
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      this.log.warn({ err }, 'adapter emulator: framing error');
      return;
    }
    for (const f of frames) {
      const msg = decodeAdapterMessage(f);
      this.hostMessages.push(msgCodeName(msg.code));
      if (this.faults.stalled || chance(this.faults.dropRate)) continue;
      this.handle(msg);
    }
  }

  private handle(msg: AdapterMessage): void {
    const p = msg.payload;
    switch (msg.code) {
      case MsgCode.PING:
      case MsgCode.TRANSMIT_IDLETIME:
      case MsgCode.TRANSMIT_LINE_TIMEOUT:
      case MsgCode.WRITE_EEPROM:
      case MsgCode.SET_ACTIVE_SOURCE:
      case MsgCode.START_BOOTLOADER:
        return this.reply(encodeAccepted(msg.code));
      case MsgCode.SET_CONTROLLED:
        this.controlled = p[0] === 1;
        return this.reply(encodeAccepted(msg.code));
      case MsgCode.SET_ACK_MASK:
        this.ackMask = ((p[0] ?? 0) << 8) | (p[1] ?? 0);
        return this.reply(encodeAccepted(msg.code));
      case MsgCode.FIRMWARE_VERSION:
        return this.reply(encodeAdapterMessage(msg.code, u16(this.opts.firmwareVersion)));
      case MsgCode.GET_BUILDDATE: {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(this.opts.buildDate >>> 0);
        return this.reply(encodeAdapterMessage(msg.code, b));
      }
      case MsgCode.GET_ADAPTER_TYPE:
        return this.reply(encodeAdapterMessage(msg.code, Buffer.from([this.opts.adapterType])));
      case MsgCode.TRANSMIT_ACK_POLARITY:
      case MsgCode.TRANSMIT:
      case MsgCode.TRANSMIT_EOM: {
        const bytes = this.assembler.push(msg);
        this.reply(encodeAccepted(msg.code));
        if (bytes) this.transmit(bytes);
        return;
      }
      default:
        if (this.eepromAccess(msg)) return;
        this.log.warn({ code: msgCodeName(msg.code) }, 'adapter emulator: unsupported message, rejected');
        return this.reply(encodeAdapterMessage(MsgCode.COMMAND_REJECTED, Buffer.from([msg.code])));
    }
  }

  /** GET_x answers with the same code and the value; SET_x stores and accepts. */
  private eepromAccess(msg: AdapterMessage): boolean {
    const e = this.eeprom;
    const p = msg.payload;
    const get = (data: Buffer) => this.reply(encodeAdapterMessage(msg.code, data));
    const set = (apply: () => void) => {
      apply();
      this.reply(encodeAccepted(msg.code));
    };
    switch (msg.code) {
      case MsgCode.GET_AUTO_ENABLED: get(Buffer.from([e.autoEnabled])); return true;
      case MsgCode.SET_AUTO_ENABLED: set(() => (e.autoEnabled = p[0] ?? 0)); return true;
      case MsgCode.GET_DEFAULT_LOGICAL_ADDRESS: get(Buffer.from([e.defaultLogicalAddress])); return true;
      case MsgCode.SET_DEFAULT_LOGICAL_ADDRESS: set(() => (e.defaultLogicalAddress = p[0] ?? 0x0f)); return true;
      case MsgCode.GET_LOGICAL_ADDRESS_MASK: get(u16(e.logicalAddressMask)); return true;
      case MsgCode.SET_LOGICAL_ADDRESS_MASK: set(() => (e.logicalAddressMask = readU16(p))); return true;
      case MsgCode.GET_PHYSICAL_ADDRESS: get(u16(e.physicalAddress)); return true;
      case MsgCode.SET_PHYSICAL_ADDRESS: set(() => (e.physicalAddress = readU16(p))); return true;
      case MsgCode.GET_DEVICE_TYPE: get(Buffer.from([e.deviceType])); return true;
      case MsgCode.SET_DEVICE_TYPE: set(() => (e.deviceType = p[0] ?? 0)); return true;
      case MsgCode.GET_HDMI_VERSION: get(Buffer.from([e.hdmiVersion])); return true;
      case MsgCode.SET_HDMI_VERSION: set(() => (e.hdmiVersion = p[0] ?? 0)); return true;
      case MsgCode.GET_OSD_NAME: get(e.osdName); return true;
      case MsgCode.SET_OSD_NAME: set(() => (e.osdName = Buffer.from(p))); return true;
      case MsgCode.GET_AUTO_POWER_ON: get(Buffer.from([e.autoPowerOn])); return true;
      case MsgCode.SET_AUTO_POWER_ON: set(() => (e.autoPowerOn = p[0] ?? 0)); return true;
      default: return false;
    }
  }

  /** A frame from the host goes on the bus: the TV (or nobody) ACKs it, then the result goes back. */
  private transmit(bytes: Buffer): void {
    const f = frameFromBytes(bytes);
    if (!f) return;
    // Broadcasts always "succeed"; a directed frame succeeds only if its destination is present.
    const tvAcked = this.tv.receive(f);
    const acked = f.destination === BROADCAST || tvAcked;
    this.bus.push({ from: 'host', frame: f, text: formatFrame(f), acked });
    this.log.debug({ frame: formatFrame(f), acked }, 'adapter emulator: host transmit');
    this.reply(encodeAdapterMessage(acked ? MsgCode.TRANSMIT_SUCCEEDED : MsgCode.TRANSMIT_FAILED_ACK));
  }

  /** A frame the TV put on the bus; the adapter passes up what the host asked it to receive. */
  private fromTv(f: CecFrame): void {
    const forHost = f.destination === BROADCAST || (this.ackMask & (1 << f.destination)) !== 0;
    this.bus.push({ from: 'tv', frame: f, text: formatFrame(f), acked: forHost });
    if (forHost && !this.faults.stalled) this.reply(encodeReceivedFrame(Buffer.from(frameToBytes(f))));
  }

  private reply(bytes: Buffer): void {
    const faults = this.faults;
    const delay = faults.delayMs;
    const noise = chance(faults.garbageRate) ? garbage() : undefined;
    this.writes = this.writes.then(async () => {
      if (delay > 0) await sleep(delay);
      if (noise) await this.link.write(noise).catch(() => {});
      await this.link.write(bytes).catch(() => {});
    });
  }

  private write(bytes: Buffer): void {
    this.writes = this.writes.then(() => this.link.write(bytes).catch(() => {}));
  }
}

function u16(v: number): Buffer {
  return Buffer.from([(v >> 8) & 0xff, v & 0xff]);
}

function readU16(p: Buffer): number {
  return ((p[0] ?? 0) << 8) | (p[1] ?? 0);
}

/** A running emulator on a fresh pty pair: give `devicePath` to cec-client. */
export interface RunningAdapterEmulator {
  emulator: AdapterEmulator;
  devicePath: string;
  close(): Promise<void>;
}

/** Creates a socat pty pair, opens its simulator end as a serial port, and starts the emulator on it. */
export async function startAdapterEmulator(options: AdapterEmulatorOptions = {}): Promise<RunningAdapterEmulator> {
  const pty: PtyPair = await createPtyPair();
  let link: ByteTransport;
  try {
    link = await openByteTransport({ type: 'serial', path: pty.simPath, baudRate: 38400 });
  } catch (err) {
    await pty.close();
    throw err;
  }
  const emulator = new AdapterEmulator(link, options);
  return {
    emulator,
    devicePath: pty.devicePath,
    async close() {
      emulator.close();
      await link.close().catch(() => {});
      await pty.close();
    },
  };
}
