import dgram from 'node:dgram';
import { createFramer, type SimulatorHandle, type TransportConfig } from '../../src/sdk/index.ts';
import { chance, garbage, type Faults } from '../../src/sim/faults.ts';
import { splitCommands, toHex } from '../visca/protocol.ts';
import { SimCamera, type SimCameraOptions } from '../visca/sim-camera.ts';
import { FrameLog } from '../visca/sim-wire.ts';
import { ViscaSerialSimulator, cameraOptionsFrom } from '../visca/simulator.ts';
import { PayloadType, controlKind, decodeIpMessage, encodeIpMessage, isControl } from './protocol.ts';

/** Options of the VISCA-over-IP simulator (the `options` of a `sim` transport), on top of the camera's. */
export interface ViscaIpSimOptions extends SimCameraOptions {
  /** `sony` (default): 8-byte header on UDP; `raw`: bare VISCA packets. */
  framing?: 'sony' | 'raw';
  /** For `raw` framing: `udp` (default) or `tcp`. Sony framing is always UDP. */
  protocol?: 'udp' | 'tcp';
}

type Peer = { address: string; port: number };

/**
 * A VISCA-over-IP camera on a UDP port of 127.0.0.1: Sony framing (RESET, sequence numbers
 * copied into replies, ERROR 0F01 for a repeated or old sequence number, ERROR 0F02 for a
 * malformed message, the same error replayed for a resent message that failed) or raw VISCA
 * datagrams. Every datagram is logged in `log`, with its sequence number and VISCA payload.
 *
 * ```ts
 * const sim = await ViscaIpSimulator.start({ framing: 'sony' });
 * sim.camera.dropNextReplies(1); // lose the next ACK
 * sim.log.entries.filter((e) => e.dir === 'in').map((e) => e.seq);
 * ```
 */
export class ViscaIpSimulator {
  readonly camera: SimCamera;
  readonly log = new FrameLog();
  /** Sony framing: the last sequence number executed (0 after RESET). */
  lastSeq = 0;
  private lastError: { seq: number; frame: Buffer } | undefined;
  private socket: dgram.Socket | undefined;
  private readonly peers = new Map<string, Peer>();
  private transportConfig: TransportConfig | undefined;

  private constructor(private readonly options: ViscaIpSimOptions) {
    this.camera = new SimCamera({ ...options, ipMode: true });
    // There is no Network Change over IP; if a test asks for one anyway, every peer gets it.
    this.camera.onUnsolicited((frame) => {
      for (const p of this.peers.values()) this.sendVisca(p, this.lastSeq, frame);
    });
  }

  static async start(options: ViscaIpSimOptions = {}): Promise<ViscaIpSimulator> {
    const sim = new ViscaIpSimulator(options);
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg, rinfo) => sim.onDatagram(msg, { address: rinfo.address, port: rinfo.port }));
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    sim.socket = socket;
    sim.transportConfig = { type: 'udp', host: '127.0.0.1', port: socket.address().port };
    return sim;
  }

  get framing(): 'sony' | 'raw' {
    return this.options.framing ?? 'sony';
  }

  /** `{ type: 'udp', host: '127.0.0.1', port }`. */
  get transport(): TransportConfig {
    if (!this.transportConfig) throw new Error('simulator not started');
    return this.transportConfig;
  }

  get faults(): Faults {
    return this.camera.faults;
  }

  async close(): Promise<void> {
    this.camera.close();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((r) => socket.close(() => r()));
  }

  private write(peer: Peer, datagram: Buffer, entry: { seq?: number; payloadHex?: string; note?: string } = {}): void {
    if (!this.socket) return;
    this.log.add({ dir: 'out', bytes: datagram, ...entry });
    this.socket.send(datagram, peer.port, peer.address);
  }

  private sendVisca(peer: Peer, seq: number, frame: Buffer): void {
    if (chance(this.faults.garbageRate)) this.write(peer, garbage(), { note: 'garbage' });
    if (this.framing === 'raw') return this.write(peer, frame);
    this.write(peer, encodeIpMessage(PayloadType.reply, seq, frame), { seq, payloadHex: toHex(frame) });
  }

  private control(peer: Peer, seq: number, payload: number[]): void {
    this.write(peer, encodeIpMessage(PayloadType.controlReply, seq, payload), { seq });
  }

  private onDatagram(d: Buffer, peer: Peer): void {
    this.peers.set(`${peer.address}:${peer.port}`, peer);
    if (this.framing === 'raw') {
      this.log.add({ dir: 'in', bytes: d });
      const framer = createFramer(splitCommands);
      for (const frame of framer.push(d)) this.camera.handle(frame, (reply) => this.sendVisca(peer, 0, reply));
      return;
    }
    const message = decodeIpMessage(d);
    if ('error' in message) {
      this.log.add({ dir: 'in', bytes: d, note: message.error });
      return this.control(peer, 0, [0x0f, 0x02]);
    }
    const { type, seq, payload } = message;
    const visca = !isControl(type);
    this.log.add({ dir: 'in', bytes: d, seq, ...(visca ? { payloadHex: toHex(payload) } : {}) });
    if (this.faults.stalled) return;
    if (visca && type !== PayloadType.command && type !== PayloadType.inquiry && type !== PayloadType.deviceSetting) {
      return this.control(peer, seq, [0x0f, 0x02]);
    }
    if (!visca) {
      if (controlKind(message) !== 'reset') return this.control(peer, seq, [0x0f, 0x02]);
      this.lastSeq = 0;
      this.lastError = undefined;
      return this.control(peer, seq, [0x01]);
    }
    if (seq <= this.lastSeq) {
      // A resend of what we executed (its reply was lost), or an old number: sequence abnormal.
      // A message that failed with an error gets the same error again (SRG-300H delivery table).
      if (this.lastError?.seq === seq) return this.sendVisca(peer, seq, this.lastError.frame);
      return this.control(peer, seq, [0x0f, 0x01]);
    }
    let answered = false;
    const accepted = this.camera.handle(payload, (reply) => {
      // Remember an error that was this message's first answer, to replay it if the message is resent.
      const kind = reply[1]! & 0xf0;
      if (!answered && kind === 0x60 && this.lastSeq === seq) this.lastError = { seq, frame: reply };
      if (kind !== 0x50 || reply.length > 3) answered = true;
      this.sendVisca(peer, seq, reply);
    });
    if (accepted) {
      this.lastSeq = seq;
      this.lastError = undefined;
    }
  }
}

/** `startSimulator` of `visca-ip`: Sony or raw framing on UDP, or raw VISCA on TCP. */
export async function startViscaIpSimulator(
  simOptions: Record<string, unknown>,
  deviceOptions: object,
): Promise<SimulatorHandle & { simulator: ViscaIpSimulator | ViscaSerialSimulator }> {
  const device = deviceOptions as Record<string, unknown>;
  const camera = cameraOptionsFrom({ ...device, address: undefined });
  const framing = simOptions.framing ?? device.framing ?? 'sony';
  const protocol = simOptions.protocol ?? 'udp';
  if (framing !== 'sony' && framing !== 'raw') throw new Error(`visca-ip simulator: framing must be 'sony' or 'raw', not ${JSON.stringify(framing)}`);
  if (protocol === 'tcp') {
    if (framing !== 'raw') throw new Error("visca-ip simulator: protocol 'tcp' needs framing 'raw' (Sony framing is UDP only)");
    // Raw VISCA over TCP is the same byte stream as RS-232, minus the chain.
    const simulator = await ViscaSerialSimulator.start({ ...camera, ...(simOptions as ViscaIpSimOptions), link: 'tcp', ipMode: true });
    return { transport: simulator.transport, close: () => simulator.close(), simulator };
  }
  if (protocol !== 'udp') throw new Error(`visca-ip simulator: protocol must be 'udp' or 'tcp', not ${JSON.stringify(protocol)}`);
  const simulator = await ViscaIpSimulator.start({ ...camera, ...(simOptions as ViscaIpSimOptions), framing });
  return { transport: simulator.transport, close: () => simulator.close(), simulator };
}
