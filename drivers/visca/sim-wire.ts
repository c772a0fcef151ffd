/**
 * Small pieces the VISCA simulators share: a log of every frame on the wire (for tests that assert
 * bytes) and a pacer that delivers bytes at a serial baud rate (for the joystick benchmark).
 */
import { toHex } from './protocol.ts';

/** One frame seen by a simulator. `t` is `performance.now()` in this process, in ms. */
export interface FrameLogEntry {
  t: number;
  dir: 'in' | 'out';
  /** Upper-case spaced hex of the frame as it was on the wire (for Sony UDP: header included). */
  hex: string;
  /** For Sony VISCA over IP: the VISCA payload alone, and the sequence number. */
  payloadHex?: string;
  seq?: number;
  /** Set on injected faults, e.g. `garbage`. */
  note?: string;
}

/** Every frame a simulator received or sent, in order, with timestamps. */
export class FrameLog {
  readonly entries: FrameLogEntry[] = [];
  private readonly waiters = new Set<() => void>();

  add(entry: Omit<FrameLogEntry, 't' | 'hex'> & { bytes: Uint8Array }): void {
    const { bytes, ...rest } = entry;
    this.entries.push({ t: performance.now(), hex: toHex(bytes), ...rest });
    for (const w of [...this.waiters]) w();
  }

  /** Hex of frames received (VISCA payloads for Sony UDP), oldest first. */
  received(): string[] {
    return this.entries.filter((e) => e.dir === 'in').map((e) => e.payloadHex ?? e.hex);
  }

  /** Hex of frames sent (VISCA payloads for Sony UDP), oldest first. */
  sent(): string[] {
    return this.entries.filter((e) => e.dir === 'out').map((e) => e.payloadHex ?? e.hex);
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Resolves with the first entry (from index `from`) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (e: FrameLogEntry) => boolean, timeoutMs = 2000, from = 0): Promise<FrameLogEntry> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.entries.slice(from).find(predicate);
        if (!found) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching frame within ${timeoutMs} ms; log: ${this.entries.map((e) => `${e.dir} ${e.hex}`).join(' | ')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/**
 * Delivers chunks in order, each only after its bytes would have taken to cross a serial line
 * (10 bits per byte: 9600 baud ≈ 1.04 ms/byte). Without a baud rate it delivers at once.
 */
export class BaudPacer {
  private freeAt = 0;
  private readonly queue: Array<{ at: number; chunk: Buffer; deliver: (chunk: Buffer) => void }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly baudRate: number | undefined) {}

  push(chunk: Buffer, deliver: (chunk: Buffer) => void): void {
    if (!this.baudRate) return deliver(chunk);
    const now = performance.now();
    this.freeAt = Math.max(now, this.freeAt) + (chunk.length * 10_000) / this.baudRate;
    this.queue.push({ at: this.freeAt, chunk, deliver });
    this.arm();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  // One timer for the head of the queue keeps delivery strictly in order.
  private arm(): void {
    if (this.timer || !this.queue.length) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      while (this.queue.length && this.queue[0]!.at <= now + 0.5) {
        const item = this.queue.shift()!;
        item.deliver(item.chunk);
      }
      this.arm();
    }, Math.max(0, this.queue[0]!.at - performance.now()));
  }
}
