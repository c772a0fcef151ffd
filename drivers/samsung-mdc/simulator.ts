import net from 'node:net';
import { SerialTransport, type SimulatorHandle, type TransportConfig } from '../../src/sdk/index.ts';
import { chance, defaultFaults, garbage, sleep, type Faults } from '../../src/sim/faults.ts';
import {
  BROADCAST_ID,
  Cmd,
  KNOWN_INPUTS,
  TLS_GREETING,
  decodeRequest,
  encodeAck,
  encodeNak,
  scanFrames,
  toHex,
  type MdcRequest,
} from './protocol.ts';

/** NAK error codes this simulator uses (real displays' codes are not documented in our sources). */
export const SimNak = { badValue: 0x01, unknownCommand: 0x02, busy: 0x03 } as const;

/** Simulator settings (the `options` of a `sim` transport). */
export interface MdcSimOptions {
  /** The display's own id (default 0). */
  displayId?: number;
  /** Which on-wire byte means ID 0: '00', 'FF', or 'both' (default). */
  idZeroOnWire?: '00' | 'FF' | 'both';
  /** After power-on, the display is "warming" this long: power reads on, other commands NAK busy. */
  warmUpMs?: number;
  /** Greets every connection with `MDCSTART<<TLS>>` and answers nothing else (Secured Protocol on). */
  tlsRequired?: boolean;
  power?: boolean;
  volume?: number;
  muted?: boolean;
  input?: number;
  /** NAKs the status command (0x00), as some newer models do: the driver must read field by field. */
  noStatusCommand?: boolean;
  /** Input codes the display accepts (default: every known input). */
  inputs?: number[];
  port?: number;
}

/** One frame in the simulator's log. */
export interface MdcLogEntry {
  dir: 'rx' | 'tx';
  hex: string;
}

interface Link {
  kind: 'tcp' | 'serial';
  write(data: Buffer): void;
  close(): void;
}

/**
 * A Samsung display speaking MDC over TCP (one listener, any number of connections) and/or a pty
 * path (the `simPath` end of a socat pair). Keeps power, volume, mute and input; NAKs bad values.
 */
export class MdcSimulator {
  readonly faults: Faults = defaultFaults();
  readonly log: MdcLogEntry[] = [];
  readonly state: { power: boolean; volume: number; muted: boolean; input: number };
  /** Set to make the next reply carry a wrong checksum (then cleared). */
  corruptNextChecksum = false;
  private warmUntil = 0;
  private readonly links = new Set<Link>();
  private server: net.Server | undefined;
  private serial: SerialTransport | undefined;
  private readonly options: MdcSimOptions;

  constructor(options: MdcSimOptions = {}) {
    this.options = options;
    this.state = {
      power: options.power ?? false,
      volume: options.volume ?? 20,
      muted: options.muted ?? false,
      input: options.input ?? KNOWN_INPUTS.hdmi1!,
    };
  }

  /** Hex of every request frame received, oldest first. */
  get received(): string[] {
    return this.log.filter((e) => e.dir === 'rx').map((e) => e.hex);
  }

  /** Connections open now. */
  get connections(): number {
    return this.links.size;
  }

  /** TCP connections accepted since the simulator started; only ever grows, so a reconnect shows. */
  accepted = 0;

  /** Listens on 127.0.0.1; resolves with the port (0 = ephemeral). */
  listen(port = 0): Promise<number> {
    const server = net.createServer((socket) => {
      this.accepted++;
      socket.setNoDelay(true);
      const link: Link = { kind: 'tcp', write: (d) => void socket.write(d), close: () => socket.destroy() };
      this.attach(link, (onChunk) => socket.on('data', onChunk));
      socket.on('error', () => {});
      socket.on('close', () => this.links.delete(link));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  }

  /** Serves the display on a serial path, e.g. the `simPath` of `createPtyPair()`. */
  async attachSerial(path: string, baudRate = 9600): Promise<void> {
    const serial = await new SerialTransport({ type: 'serial', path, baudRate }).open();
    this.serial = serial;
    const link: Link = { kind: 'serial', write: (d) => void serial.write(d).catch(() => {}), close: () => void serial.close() };
    this.attach(link, (onChunk) => serial.onData(onChunk));
    serial.onClose(() => this.links.delete(link));
  }

  /**
   * The "disconnect" fault: drops every TCP connection (the listener stays up, so a reconnect
   * works). A serial link is left alone: a pty cannot be "reconnected"; close the socat pair instead.
   */
  dropConnections(): void {
    for (const link of [...this.links]) if (link.kind === 'tcp') link.close();
  }

  /** Sends bytes unprompted to every connection (garbage, a stray frame). */
  inject(bytes: Buffer): void {
    for (const link of this.links) link.write(bytes);
  }

  async close(): Promise<void> {
    for (const link of [...this.links]) link.close();
    this.links.clear();
    await this.serial?.close();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private attach(link: Link, subscribe: (onChunk: (chunk: Buffer) => void) => void): void {
    this.links.add(link);
    if (this.options.tlsRequired) {
      link.write(Buffer.from(TLS_GREETING, 'latin1'));
      subscribe(() => {}); // a TLS display waits for a ClientHello we never send
      return;
    }
    let buffer: Buffer = Buffer.alloc(0);
    subscribe((chunk) => {
      const scan = scanFrames(buffer.length ? Buffer.concat([buffer, chunk]) : chunk);
      buffer = scan.rest;
      for (const frame of scan.frames) void this.onFrame(link, frame);
    });
  }

  private async onFrame(link: Link, frame: Buffer): Promise<void> {
    this.log.push({ dir: 'rx', hex: toHex(frame) });
    if (this.faults.stalled || chance(this.faults.dropRate)) return;
    const request = decodeRequest(frame);
    if (!request || !this.addressedToMe(request.id)) return;
    const reply = this.handle(request);
    if (request.id === BROADCAST_ID || !reply) return; // broadcasts are obeyed silently
    if (this.faults.delayMs > 0) await sleep(this.faults.delayMs);
    if (!this.links.has(link)) return;
    if (chance(this.faults.garbageRate)) link.write(garbage());
    if (this.corruptNextChecksum) {
      this.corruptNextChecksum = false;
      reply[reply.length - 1] = (reply[reply.length - 1]! + 1) & 0xff;
    }
    this.log.push({ dir: 'tx', hex: toHex(reply) });
    link.write(reply);
  }

  private addressedToMe(id: number): boolean {
    if (id === BROADCAST_ID) return true;
    const own = this.options.displayId ?? 0;
    if (own !== 0) return id === own;
    const mode = this.options.idZeroOnWire ?? 'both';
    return (id === 0x00 && mode !== 'FF') || (id === 0xff && mode !== '00');
  }

  /** Applies one request; returns the reply frame (ACK or NAK). */
  private handle({ cmd, id, data }: MdcRequest): Buffer {
    const s = this.state;
    const isGet = data.length === 0;
    const warming = Date.now() < this.warmUntil;
    const ack = (...values: number[]) => encodeAck(id, cmd, values);
    const nak = (err: number) => encodeNak(id, cmd, err);
    if (warming && cmd !== Cmd.power && cmd !== Cmd.status && !isGet) return nak(SimNak.busy);
    switch (cmd) {
      case Cmd.status:
        if (this.options.noStatusCommand) return nak(SimNak.unknownCommand);
        if (!isGet) return nak(SimNak.badValue);
        return ack(s.power ? 1 : 0, s.volume, s.muted ? 1 : 0, s.input, 0x10, 0, 0);
      case Cmd.power: {
        if (isGet) return ack(s.power ? 1 : 0);
        const v = data[0]!;
        if (v > 2) return nak(SimNak.badValue);
        const turningOn = v !== 0 && !s.power;
        s.power = v !== 0;
        if (turningOn) this.warmUntil = Date.now() + (this.options.warmUpMs ?? 0);
        return ack(s.power ? 1 : 0);
      }
      case Cmd.volume:
        if (isGet) return ack(s.volume);
        if (data[0]! > 100) return nak(SimNak.badValue);
        s.volume = data[0]!;
        return ack(s.volume);
      case Cmd.mute:
        if (isGet) return ack(s.muted ? 1 : 0);
        if (data[0]! > 1) return nak(SimNak.badValue);
        s.muted = data[0] === 1;
        return ack(s.muted ? 1 : 0);
      case Cmd.input: {
        if (isGet) return ack(s.input);
        const accepted = this.options.inputs ?? Object.values(KNOWN_INPUTS);
        if (!accepted.includes(data[0]!)) return nak(SimNak.badValue);
        s.input = data[0]!;
        return ack(s.input);
      }
      default:
        return nak(SimNak.unknownCommand);
    }
  }
}

/** A running simulator plus its handle (tests reach `sim` for faults and the frame log). */
export interface MdcSimulatorHandle extends SimulatorHandle {
  sim: MdcSimulator;
  transport: TransportConfig & { type: 'tcp'; host: string; port: number };
}

/** Starts a simulated display on an ephemeral 127.0.0.1 port, matching the device's id settings. */
export async function startMdcSimulator(
  simOptions: MdcSimOptions = {},
  deviceOptions: { displayId?: number; idZeroOnWire?: '00' | 'FF' } = {},
): Promise<MdcSimulatorHandle> {
  const sim = new MdcSimulator({
    displayId: deviceOptions.displayId === 0xfe ? 0 : deviceOptions.displayId,
    idZeroOnWire: deviceOptions.idZeroOnWire,
    ...simOptions,
  });
  const port = await sim.listen(simOptions.port ?? 0);
  return { sim, transport: { type: 'tcp', host: '127.0.0.1', port }, close: () => sim.close() };
}
