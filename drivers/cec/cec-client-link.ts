import {
  RoomError,
  createFramer,
  openByteTransport,
  splitLines,
  type ByteTransport,
  type Logger,
  type ProcessTransportConfig,
} from '../../src/sdk/index.ts';
import { parseCecClientLine, type CecLine } from './protocol.ts';

/**
 * A small typed wrapper around a long-lived `cec-client` child process (instead of node-cec, see
 * README): writes one command per line — WITH the newline node-cec 0.1.2 forgets — and hands every
 * stdout line, parsed, to listeners and to one-shot waiters. It knows cec-client's text, not CEC.
 */
export class CecClientLink {
  private transport: ByteTransport | undefined;
  private readonly framer = createFramer(splitLines(4096));
  private readonly listeners: Array<(line: CecLine) => void> = [];
  private readonly waiters = new Set<Waiter>();
  private closeListener: ((err: Error) => void) | undefined;
  private closing = false;

  constructor(
    private readonly config: ProcessTransportConfig,
    private readonly log: Logger,
  ) {}

  /** Process id of the running cec-client (tests use it to kill or freeze it). */
  get pid(): number | undefined {
    return (this.transport as { pid?: number } | undefined)?.pid;
  }

  get isOpen(): boolean {
    return this.transport?.isOpen ?? false;
  }

  /** Every parsed line, in order. */
  onLine(listener: (line: CecLine) => void): void {
    this.listeners.push(listener);
  }

  /** The process ended without us closing it. */
  onExit(listener: (err: Error) => void): void {
    this.closeListener = listener;
  }

  /**
   * Spawns cec-client and resolves at its first `waiting for input` (handshake done). Rejects with
   * DeviceOffline if it cannot open the adapter, exits, or stays silent for `timeoutMs`.
   */
  async start(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const transport = await openByteTransport(this.config).catch((err: Error) => {
      throw new RoomError('DeviceOffline', `cannot start ${this.config.command}: ${err.message}`);
    });
    this.transport = transport;
    let exited: ((err: Error) => void) | undefined;
    transport.onData((chunk) => this.onData(chunk));
    transport.onClose((err) => {
      this.rejectAll(new RoomError('DeviceOffline', err?.message ?? 'cec-client closed'));
      if (err) {
        exited?.(err);
        if (!this.closing) this.closeListener?.(err);
      }
    });
    const ready = this.waitFor(
      (l) => l.kind === 'ready' || l.kind === 'openFailed',
      timeoutMs,
      `cec-client did not finish opening the adapter within ${timeoutMs} ms`,
      signal,
    );
    const died = new Promise<never>((_, reject) => {
      exited = (err) => reject(new RoomError('DeviceOffline', `cec-client exited during start-up: ${err.message}`));
    });
    try {
      const line = await Promise.race([ready, died]);
      if (line.kind === 'openFailed') throw new RoomError('DeviceOffline', `cec-client: unable to open the CEC adapter on port ${line.port}`);
    } catch (err) {
      await this.close();
      throw err;
    } finally {
      exited = undefined;
    }
  }

  /** Writes one command line. */
  async send(command: string): Promise<void> {
    const t = this.transport;
    if (!t || !t.isOpen) throw new RoomError('DeviceOffline', 'cec-client is not running');
    this.log.debug({ command }, 'cec-client <-');
    await t.write(`${command}\n`);
  }

  /**
   * Resolves with the first line (after this call) that `match` accepts; rejects with DeviceTimeout
   * carrying `timeoutMessage` after `timeoutMs`, or when the signal aborts or the process ends.
   */
  waitFor(match: (line: CecLine) => boolean, timeoutMs: number, timeoutMessage: string, signal?: AbortSignal): Promise<CecLine> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (line) => {
          done();
          resolve(line);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      const onAbort = () => waiter.reject(new RoomError('DeviceTimeout', `${timeoutMessage} (aborted)`));
      const timer = setTimeout(() => waiter.reject(new RoomError('DeviceTimeout', timeoutMessage)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /**
   * Stops cec-client. SIGINT first: libCEC then closes the adapter cleanly (ack mask cleared,
   * controlled mode off) without switching any device off — unlike `q`, which puts them in standby.
   * The transport's SIGTERM/SIGKILL follow if it lingers.
   */
  async close(): Promise<void> {
    const t = this.transport;
    this.transport = undefined;
    this.closing = true;
    this.rejectAll(new RoomError('DeviceOffline', 'cec-client stopped'));
    if (!t) return;
    const pid = (t as { pid?: number }).pid;
    if (t.isOpen && pid !== undefined) {
      const exited = new Promise<void>((resolve) => t.onClose(() => resolve()));
      try {
        process.kill(pid, 'SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 1500).unref())]);
      } catch {
        // already gone
      }
    }
    await t.close().catch(() => {});
  }

  private onData(chunk: Buffer): void {
    for (const raw of this.framer.push(chunk)) {
      const line = parseCecClientLine(raw.toString('utf8'));
      if (line.kind === 'malformed') this.log.warn({ line: line.text, reason: line.reason }, 'cec-client: malformed line ignored');
      for (const l of this.listeners) {
        try {
          l(line);
        } catch (err) {
          this.log.error({ err }, 'cec-client line listener failed');
        }
      }
      // Each line settles at most one waiter, oldest first: two identical requests need two answers.
      for (const w of this.waiters) {
        if (w.match(line)) {
          w.resolve(line);
          break;
        }
      }
    }
  }

  private rejectAll(err: Error): void {
    for (const w of [...this.waiters]) w.reject(err);
  }
}

interface Waiter {
  match(line: CecLine): boolean;
  resolve(line: CecLine): void;
  reject(err: Error): void;
}
