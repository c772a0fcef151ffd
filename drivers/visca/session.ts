import { RoomError, type Logger } from '../../src/sdk/index.ts';
import type { ViscaLink } from './link.ts';
import { decodeReply, errorText, replyHeaderFor, toHex, type ViscaReply } from './protocol.ts';

/**
 * The VISCA conversation with one camera: one packet awaiting its first reply at a time (the Sony
 * rule), ACK/Completion/errors matched to commands BY SOCKET, never by order. Like the Companion
 * PTZOptics module we keep a *list* per socket, because a real PTZOptics Move SE put two commands
 * in one socket under load.
 */

/** A command the camera accepted. */
export interface CommandAck {
  /** The socket it runs in; null when it completed without an ACK, or its ACK was lost (Sony UDP). */
  socket: number | null;
  /** The frame that accepted it (`90 41 FF`, or `90 50 FF` for commands with no ACK). */
  frame: Buffer;
  /** Settles when the command finished: rejects on a cancel or a late error for its socket. */
  completion: Promise<void>;
}

/** An inquiry's answer: the data bytes between `z0 50` and `FF`, and the whole frame. */
export interface InquiryAnswer {
  data: Buffer;
  frame: Buffer;
}

export interface SessionOptions {
  /** Camera address 1–7 (always 1 over IP): gives the expected reply header. */
  address: number;
  replyTimeoutMs: number;
  /** Consecutive timeouts after which `onLost` is called. */
  maxTimeouts: number;
  log: Logger;
  onNetworkChange(): void;
  onLost(error: Error): void;
}

type Kind = 'command' | 'inquiry' | 'broadcast' | 'cancel';
const PRIORITY: Record<Kind, number> = { broadcast: 3, cancel: 2, command: 1, inquiry: 0 };

interface Request {
  kind: Kind;
  packet: Buffer;
  label: string;
  match?: (frame: Buffer) => boolean;
  settle(error: Error | undefined, value?: unknown): void;
  timer?: NodeJS.Timeout;
  retried?: boolean;
}

interface SocketEntry {
  label: string;
  since: number;
  resolve(): void;
  reject(error: Error): void;
}

/** Stale socket entries (a completion that never came) are forgotten after this long. */
const STALE_SOCKET_MS = 60_000;

export class ViscaSession {
  private readonly waiting: Request[] = [];
  private inFlight: Request | undefined;
  private readonly sockets = new Map<number, SocketEntry[]>();
  private timeoutStreak = 0;
  private lostReported = false;
  private closed: Error | undefined;
  private readonly quirkHeaders = new Set<number>();
  private readonly expectedHeader: number;

  constructor(private readonly link: ViscaLink, private readonly options: SessionOptions) {
    this.expectedHeader = replyHeaderFor(options.address);
    link.onFrame((frame) => {
      try {
        this.handleFrame(frame);
      } catch (err) {
        // A strange frame must never take the link down.
        options.log.warn({ err, frame: toHex(frame) }, 'visca: failed to handle frame');
      }
    });
  }

  /** Sends a command; resolves on its ACK (or its completion, for commands that get no ACK). */
  command(packet: Buffer, label: string, signal?: AbortSignal): Promise<CommandAck> {
    return this.request('command', packet, label, signal) as Promise<CommandAck>;
  }

  /** Sends an inquiry; resolves with the answer's data bytes. */
  inquiry(packet: Buffer, label: string, signal?: AbortSignal): Promise<InquiryAnswer> {
    return this.request('inquiry', packet, label, signal) as Promise<InquiryAnswer>;
  }

  /** Sends a Cancel (`8x 2y FF`); resolves with the `z0 6y 04/05 FF` reply. */
  cancel(packet: Buffer, label: string, signal?: AbortSignal): Promise<Buffer> {
    return this.request('cancel', packet, label, signal) as Promise<Buffer>;
  }

  /** Sends a broadcast (serial chains only); resolves with the first `88 …` frame `match` accepts. */
  broadcast(packet: Buffer, label: string, match: (frame: Buffer) => boolean, signal?: AbortSignal): Promise<Buffer> {
    return this.request('broadcast', packet, label, signal, match) as Promise<Buffer>;
  }

  /** Sockets currently holding a command the camera has not completed. */
  busySockets(): number[] {
    return [...this.sockets].filter(([, list]) => list.length > 0).map(([socket]) => socket);
  }

  /** Fails everything waiting or running; later calls fail at once. */
  close(error: Error): void {
    this.closed = error;
    const all = [...(this.inFlight ? [this.inFlight] : []), ...this.waiting.splice(0)];
    this.inFlight = undefined;
    for (const r of all) {
      clearTimeout(r.timer);
      r.settle(error);
    }
    for (const list of this.sockets.values()) for (const e of list.splice(0)) e.reject(error);
  }

  private request(kind: Kind, packet: Buffer, label: string, signal?: AbortSignal, match?: (f: Buffer) => boolean): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closed);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let done = false;
      const onAbort = () => {
        // Queued: withdraw it. On the wire: the reply still has to be matched, so it stays in flight.
        const index = this.waiting.indexOf(req);
        if (index >= 0) this.waiting.splice(index, 1);
        req.settle(signal!.reason instanceof Error ? signal!.reason : new RoomError('DeviceTimeout', `${label}: aborted`));
      };
      const req: Request = {
        kind,
        packet,
        label,
        match,
        settle(error, value) {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve(value);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let i = this.waiting.length;
      while (i > 0 && PRIORITY[this.waiting[i - 1]!.kind] < PRIORITY[kind]) i--;
      this.waiting.splice(i, 0, req);
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight || this.closed) return;
    const req = this.waiting.shift();
    if (!req) return;
    this.inFlight = req;
    this.transmit(req);
  }

  private transmit(req: Request): void {
    const timeoutMs = this.link.replyTimeoutMs ?? this.options.replyTimeoutMs;
    clearTimeout(req.timer);
    req.timer = setTimeout(() => this.onTimeout(req, timeoutMs), timeoutMs);
    this.link.send(req.packet, req.kind === 'inquiry' ? 'inquiry' : 'command').then(
      (outcome) => {
        if (outcome !== 'unconfirmed' || this.inFlight !== req) return;
        // Sony UDP: the camera executed it but its reply was lost. A command is accepted; an
        // inquiry is asked once more with a new sequence number (SRG-300H delivery table).
        if (req.kind === 'inquiry' && !req.retried) {
          req.retried = true;
          this.transmit(req);
          return;
        }
        if (req.kind === 'inquiry') return this.finish(req, new RoomError('DeviceTimeout', `${req.label}: the camera's answer was lost twice`));
        this.timeoutStreak = 0;
        const accepted: CommandAck = { socket: null, frame: Buffer.alloc(0), completion: Promise.resolve() };
        this.finish(req, undefined, req.kind === 'command' ? accepted : Buffer.alloc(0));
      },
      (err: unknown) => {
        if (this.inFlight !== req) return;
        const error = err instanceof RoomError ? err : new RoomError('DeviceOffline', `${req.label}: ${(err as Error).message}`);
        if (error.code === 'DeviceTimeout') this.countTimeout(error);
        this.finish(req, error);
      },
    );
  }

  private onTimeout(req: Request, timeoutMs: number): void {
    if (this.inFlight !== req) return;
    const error = new RoomError('DeviceTimeout', `no reply from camera to ${req.label} (${toHex(req.packet)}) within ${timeoutMs} ms`);
    this.countTimeout(error);
    this.finish(req, error);
  }

  private countTimeout(error: Error): void {
    this.timeoutStreak++;
    if (this.timeoutStreak >= this.options.maxTimeouts && !this.lostReported) {
      this.lostReported = true;
      this.options.onLost(new Error(`${this.timeoutStreak} consecutive timeouts (last: ${error.message})`));
    }
  }

  /** Ends the in-flight request and lets the next one go. */
  private finish(req: Request, error: Error | undefined, value?: unknown): void {
    clearTimeout(req.timer);
    if (this.inFlight === req) this.inFlight = undefined;
    req.settle(error, value);
    this.pump();
  }

  private inFlightOf(...kinds: Kind[]): Request | undefined {
    return this.inFlight && kinds.includes(this.inFlight.kind) ? this.inFlight : undefined;
  }

  private handleFrame(frame: Buffer): void {
    const reply = decodeReply(frame);
    const log = this.options.log;
    if (reply.type === 'unknown' || reply.type === 'addressSet' || reply.type === 'ifClearBroadcast') {
      const req = this.inFlightOf('broadcast');
      if (req && req.match?.(frame)) return this.finish(req, undefined, frame);
      if (reply.type === 'unknown') log.warn({ frame: toHex(frame) }, `visca: ignored frame: ${reply.reason}`);
      else log.debug({ frame: toHex(frame) }, 'visca: unsolicited broadcast reply');
      return;
    }
    this.timeoutStreak = 0;
    this.lostReported = false;
    this.checkHeader(reply.header, frame);
    switch (reply.type) {
      case 'networkChange':
        log.info({ frame: toHex(frame) }, 'visca: network change reported by the camera');
        this.options.onNetworkChange();
        return;
      case 'ack':
        return this.onAck(reply.socket, frame);
      case 'completion':
        return this.onCompletion(reply.socket, frame);
      case 'answer': {
        const req = this.inFlightOf('inquiry');
        if (req) return this.finish(req, undefined, { data: reply.data, frame } satisfies InquiryAnswer);
        log.warn({ frame: toHex(frame) }, 'visca: inquiry answer with no inquiry waiting; ignored');
        return;
      }
      case 'error':
        return this.onError(reply, frame);
    }
  }

  private checkHeader(header: number, frame: Buffer): void {
    if (header === this.expectedHeader) return;
    const hex = toHex([header]);
    const message = `visca: reply header ${hex} where ${toHex([this.expectedHeader])} was expected; accepted (vendor quirk)`;
    if (this.quirkHeaders.has(header)) this.options.log.debug({ frame: toHex(frame) }, message);
    else {
      this.quirkHeaders.add(header);
      this.options.log.warn({ frame: toHex(frame) }, message);
    }
  }

  private onAck(socket: number, frame: Buffer): void {
    const req = this.inFlightOf('command');
    if (!req) {
      this.options.log.warn({ frame: toHex(frame) }, `visca: ACK for socket ${socket} with no command waiting; ignored`);
      return;
    }
    const list = this.sockets.get(socket) ?? [];
    this.sockets.set(socket, list);
    const now = Date.now();
    while (list.length && now - list[0]!.since > STALE_SOCKET_MS) list.shift();
    if (list.length) this.options.log.debug({ socket }, `visca: socket ${socket} reused before its completion (kept as a list)`);
    let entry!: SocketEntry;
    const completion = new Promise<void>((resolve, reject) => {
      entry = { label: req.label, since: now, resolve, reject };
    });
    completion.catch(() => {}); // callers may ignore the completion; a cancel must not be an unhandled rejection
    list.push(entry);
    this.finish(req, undefined, { socket, frame, completion } satisfies CommandAck);
  }

  private onCompletion(socket: number, frame: Buffer): void {
    const entry = socket === 0 ? undefined : this.sockets.get(socket)?.shift();
    if (entry) return entry.resolve();
    // No command known in that socket: a command that completes without ACK (`z0 50 FF`, IF_Clear),
    // or one whose ACK we lost. Either way it answers the command in flight.
    const req = this.inFlightOf('command');
    if (req) return this.finish(req, undefined, { socket: null, frame, completion: Promise.resolve() } satisfies CommandAck);
    this.options.log.debug({ frame: toHex(frame) }, `visca: completion for idle socket ${socket}; ignored`);
  }

  private onError(reply: Extract<ViscaReply, { type: 'error' }>, frame: Buffer): void {
    const { socket, code } = reply;
    const error = new RoomError('DeviceError', `camera replied ${errorText(code)} (${toHex(frame)})`, { code, socket });
    const cancel = this.inFlightOf('cancel');
    if (code === 0x04 || code === 0x05) {
      // The normal answer to a Cancel; 04 also ends the command that was in that socket.
      if (code === 0x04) this.sockets.get(socket)?.shift()?.reject(new RoomError('DeviceError', `cancelled (${toHex(frame)})`));
      if (cancel) this.finish(cancel, undefined, frame);
      return;
    }
    const req = this.inFlight;
    if (req) {
      const withLabel = new RoomError('DeviceError', `${error.message} to ${req.label}`, error.details);
      return this.finish(req, withLabel);
    }
    // Nothing awaiting a first reply: the error ends a command already running in that socket.
    const entry = socket ? this.sockets.get(socket)?.shift() : undefined;
    if (entry) entry.reject(new RoomError('DeviceError', `${error.message} while running ${entry.label}`, error.details));
    else this.options.log.warn({ frame: toHex(frame) }, `visca: unsolicited ${errorText(code)}; ignored`);
  }
}
