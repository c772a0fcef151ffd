import { RoomError, UdpTransport, createFramer, type UdpTransportConfig } from '../../src/sdk/index.ts';
import type { ViscaLink } from '../visca/link.ts';
import { decodeReply, splitReplies, toHex } from '../visca/protocol.ts';
import { PayloadType, controlKind, decodeIpMessage, encodeIpMessage, encodeReset, isControl, nextSeq, MAX_SEQ } from './protocol.ts';

/** Resend timing for Sony VISCA over IP. */
export interface SonyLinkOptions {
  /** Resend the same message (same sequence number) when no reply came within this long. */
  retransmitMs: number;
  /** Resends before giving up with DeviceTimeout. */
  maxResends: number;
}

type Outcome = 'delivered' | 'unconfirmed' | 'refused';

interface InFlight {
  kind: 'reset' | 'message';
  seq: number;
  datagram: Buffer;
  resends: number;
  timer?: NodeJS.Timeout;
  settle(error: Error | undefined, outcome?: Outcome): void;
}

/**
 * Sony VISCA over IP (UDP 52381): 8-byte header, RESET at open, one message in flight, resent
 * with the SAME sequence number on timeout, per the SRG-300H delivery table: a sequence error in
 * answer to a resend means the camera executed the message and only its reply was lost.
 */
export class SonyViscaLink implements ViscaLink {
  private seq = 0;
  private inFlight: InFlight | undefined;
  /** Messages go one at a time, even if the session moves on before a reply with our number came. */
  private lock: Promise<unknown> = Promise.resolve();
  private readonly frameListeners: Array<(frame: Buffer) => void> = [];
  private readonly noticeListeners: Array<(message: string) => void> = [];
  private readonly framer = createFramer(splitReplies);

  private constructor(private readonly transport: UdpTransport, private readonly options: SonyLinkOptions) {
    transport.onData((d) => this.onDatagram(d));
    transport.onClose((error) => this.finish(error ?? new RoomError('DeviceOffline', `${this.description}: closed`)));
  }

  /** Opens the UDP socket and RESETs the camera's sequence counter; rejects when the camera does not answer. */
  static async open(config: UdpTransportConfig, options: SonyLinkOptions): Promise<SonyViscaLink> {
    const transport = await new UdpTransport(config).open();
    const link = new SonyViscaLink(transport, options);
    try {
      await link.reset();
    } catch (err) {
      await transport.close();
      throw err;
    }
    return link;
  }

  get description(): string {
    return `${this.transport.description} (Sony VISCA over IP)`;
  }

  get isOpen(): boolean {
    return this.transport.isOpen;
  }

  /** Long enough for every resend of one message. */
  get replyTimeoutMs(): number {
    return this.options.retransmitMs * (this.options.maxResends + 1) + 250;
  }

  /** Sends RESET (resent like any message) and waits for its acknowledgement; the next message is seq 1. */
  reset(): Promise<void> {
    return this.exclusive(() => this.resetNow());
  }

  send(packet: Buffer, kind: 'command' | 'inquiry'): Promise<'delivered' | 'unconfirmed'> {
    return this.exclusive(() => this.sendNow(packet, kind));
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task, task);
    this.lock = run.catch(() => {});
    return run;
  }

  private async resetNow(): Promise<void> {
    await this.exchange('reset', 0, encodeReset());
    this.seq = 0;
  }

  private async sendNow(packet: Buffer, kind: 'command' | 'inquiry'): Promise<'delivered' | 'unconfirmed'> {
    const type = kind === 'inquiry' ? PayloadType.inquiry : PayloadType.command;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 || this.seq >= MAX_SEQ) await this.resetNow(); // the camera's counter must not see us wrap
      this.seq = nextSeq(this.seq);
      const outcome = await this.exchange('message', this.seq, encodeIpMessage(type, this.seq, packet));
      if (outcome !== 'refused') return outcome;
      // Our first send was refused: the camera's counter is elsewhere (it restarted?). RESET, send again.
      if (attempt > 0) throw new RoomError('DeviceError', `camera refused seq ${this.seq} as abnormal (ERROR 0F 01), even after RESET`);
      this.notice(`camera refused seq ${this.seq} as abnormal; resetting the sequence counter`);
    }
  }

  onFrame(listener: (frame: Buffer) => void): void {
    this.frameListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.transport.onClose(listener);
  }

  onNotice(listener: (message: string) => void): void {
    this.noticeListeners.push(listener);
  }

  async close(): Promise<void> {
    this.finish(new RoomError('DeviceOffline', `${this.description}: closed`));
    await this.transport.close();
  }

  private exchange(kind: InFlight['kind'], seq: number, datagram: Buffer): Promise<Outcome> {
    if (this.inFlight) return Promise.reject(new RoomError('Internal', 'Sony VISCA link: one message at a time'));
    return new Promise((resolve, reject) => {
      this.inFlight = { kind, seq, datagram, resends: 0, settle: (error, outcome) => (error ? reject(error) : resolve(outcome!)) };
      this.transmit();
    });
  }

  private transmit(): void {
    const f = this.inFlight;
    if (!f) return;
    clearTimeout(f.timer);
    f.timer = setTimeout(() => {
      if (this.inFlight !== f) return;
      const what = f.kind === 'reset' ? `RESET (${toHex(f.datagram)})` : `seq ${f.seq}`;
      if (f.resends >= this.options.maxResends) {
        const total = (f.resends + 1) * this.options.retransmitMs;
        return this.finish(new RoomError('DeviceTimeout', `${this.description}: no answer to ${what} within ${total} ms (${f.resends} resend(s))`));
      }
      f.resends++;
      this.notice(`no answer to ${what} within ${this.options.retransmitMs} ms; resending with the same sequence number`);
      this.transmit();
    }, this.options.retransmitMs);
    this.transport.write(f.datagram).catch((err: Error) => this.finish(new RoomError('DeviceOffline', `${this.description}: ${err.message}`)));
  }

  private finish(error: Error | undefined, outcome?: Outcome): void {
    const f = this.inFlight;
    if (!f) return;
    clearTimeout(f.timer);
    this.inFlight = undefined;
    f.settle(error, outcome);
  }

  private onDatagram(d: Buffer): void {
    const message = decodeIpMessage(d);
    if ('error' in message) return this.notice(`ignored datagram: ${message.error}`);
    if (isControl(message.type)) return this.onControl(message.seq, controlKind(message), d);
    if (message.type !== PayloadType.reply) return this.notice(`ignored datagram of payload type ${message.type.toString(16).padStart(4, '0')} (${toHex(d)})`);
    // The camera copies our sequence number into every reply to that message (ACK, completion, answer).
    const f = this.inFlight;
    const current = f?.kind === 'message' && f.seq === message.seq;
    if (current) this.finish(undefined, 'delivered');
    this.framer.reset(); // one datagram, one packet: never join across datagrams
    const frames = this.framer.push(message.payload);
    if (!frames.length) this.notice(`reply with no VISCA frame (${toHex(d)})`);
    for (const frame of frames) {
      // A first reply (ACK, answer, socket-0 error) to a message already settled — answered after
      // its resend, or given up on — must not be taken for the answer to the message now in flight.
      if (!current && isFirstReply(frame)) {
        this.notice(`late reply ${toHex(frame)} to seq ${message.seq} ignored (that message is settled)`);
        continue;
      }
      for (const l of this.frameListeners) l(frame);
    }
  }

  private onControl(seq: number, kind: ReturnType<typeof controlKind>, d: Buffer): void {
    const f = this.inFlight;
    switch (kind) {
      case 'resetAck':
        if (f?.kind === 'reset') this.finish(undefined, 'delivered');
        return;
      case 'sequenceError':
        // A late answer to an earlier resend (its first copy was answered already) is not about this message.
        if (f?.kind !== 'message' || f.seq !== seq) return this.notice(`sequence error for seq ${seq}, not the message in flight; ignored`);
        // After a resend: executed, only its reply was lost. On a first send: refused.
        return this.finish(undefined, f.resends > 0 ? 'unconfirmed' : 'refused');
      case 'messageError':
        if (f) return this.finish(new RoomError('DeviceError', `camera replied ERROR 0F 02 (abnormal message) to ${toHex(f.datagram)}`));
        return this.notice(`camera reported an abnormal message (${toHex(d)}), seq ${seq}`);
      default:
        return this.notice(`ignored control message (${toHex(d)})`);
    }
  }

  private notice(message: string): void {
    for (const l of this.noticeListeners) l(message);
  }
}

function isFirstReply(frame: Buffer): boolean {
  const reply = decodeReply(frame);
  return reply.type === 'ack' || reply.type === 'answer' || ((reply.type === 'error' || reply.type === 'completion') && reply.socket === 0);
}
