import { createFramer, type ByteTransport } from '../../src/sdk/index.ts';
import { splitReplies, toHex } from './protocol.ts';

/**
 * How a VISCA packet reaches the camera: the only thing that differs between RS-232, raw VISCA on
 * TCP/UDP, and Sony's VISCA over IP. The camera logic (camera.ts) sees only this interface.
 */
export interface ViscaLink {
  readonly description: string;
  /**
   * Puts one VISCA packet on the wire. Resolves `sent` once written (stream links), `delivered`
   * once the peer confirmed it (Sony: a reply carrying its sequence number), or `unconfirmed` when
   * the camera says it already executed it but its reply was lost (Sony sequence error after a resend).
   */
  send(packet: Buffer, kind: 'command' | 'inquiry'): Promise<'sent' | 'delivered' | 'unconfirmed'>;
  /** Every VISCA frame the camera sends, in order. */
  onFrame(listener: (frame: Buffer) => void): void;
  /** The link ended; `error` is set unless we closed it. */
  onClose(listener: (error?: Error) => void): void;
  /** Anything odd on the wire (discarded bytes, unknown datagrams): for the driver's log. */
  onNotice(listener: (message: string) => void): void;
  /** A first-reply timeout suited to this link (Sony UDP allows for its own resends). */
  readonly replyTimeoutMs?: number;
  readonly isOpen: boolean;
  close(): Promise<void>;
}

/**
 * A byte stream carrying bare VISCA packets: RS-232, VISCA-over-TCP (PTZOptics 5678), or raw VISCA
 * datagrams on UDP (1259). Frames are cut on 0xFF with resync (see `splitReplies`).
 */
export class StreamLink implements ViscaLink {
  private readonly framer = createFramer(splitReplies);
  private readonly frameListeners: Array<(frame: Buffer) => void> = [];
  private readonly noticeListeners: Array<(message: string) => void> = [];
  private readonly closeListeners: Array<(error?: Error) => void> = [];
  private ended = false;

  /** (A vanished serial device is detected by SerialTransport itself, which watches its path.) */
  constructor(private readonly transport: ByteTransport) {
    transport.onData((chunk) => {
      const before = this.framer.discarded;
      const frames = this.framer.push(chunk);
      const dropped = this.framer.discarded - before;
      if (dropped > 0) this.notice(`discarded ${dropped} byte(s) to resync (chunk ${toHex(chunk)})`);
      for (const f of frames) for (const l of this.frameListeners) l(f);
    });
    transport.onClose((error) => this.end(error));
  }

  get description(): string {
    return this.transport.description;
  }

  get isOpen(): boolean {
    return this.transport.isOpen;
  }

  async send(packet: Buffer): Promise<'sent'> {
    await this.transport.write(packet);
    return 'sent';
  }

  onFrame(listener: (frame: Buffer) => void): void {
    this.frameListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  onNotice(listener: (message: string) => void): void {
    this.noticeListeners.push(listener);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /** The link ended, once. */
  private end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    for (const l of this.closeListeners) l(error);
  }

  private notice(message: string): void {
    for (const l of this.noticeListeners) l(message);
  }
}
