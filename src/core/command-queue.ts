import { RoomError, toRoomError } from './errors.ts';

/** How one task is queued: the driver chooses these per command (see `DeviceDriver.policy`). */
export interface QueuePolicy {
  /**
   * Latest-wins key. A new task whose key matches a task still waiting replaces it; the replaced
   * task's caller gets the newer task's result. Used for `move` (joystick) and `setVolume` (slider).
   */
  key?: string;
  /** Higher runs first among waiting tasks (a `stop` outranks everything). Default 0. */
  priority?: number;
  /** Time allowed for the task, from when it starts, before it fails with DeviceTimeout. */
  timeoutMs?: number;
  /** Extra attempts after a DeviceTimeout. Only for commands that are safe to repeat. */
  retries?: number;
}

export interface QueueTask<T> extends QueuePolicy {
  label: string;
  run: (signal: AbortSignal) => Promise<T>;
}

interface Waiting<T> {
  task: QueueTask<T>;
  settle: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }>;
  seq: number;
}

export interface QueueOptions {
  /** Minimum time between the starts of two tasks (vendor pacing, e.g. Polycom 200 ms). */
  pacingMs?: number;
  /** Default timeout when a task gives none. */
  timeoutMs?: number;
}

/**
 * A per-device command queue: one task on the wire at a time, paced, timed out, retried, with
 * priorities and latest-wins coalescing. When idle and paced out, a task starts synchronously
 * inside `push`, so a command reaches the wire without waiting for a timer tick.
 */
export class CommandQueue {
  private readonly waiting: Waiting<unknown>[] = [];
  private running = false;
  private lastStart = -Infinity;
  private pacingTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private closed: RoomError | undefined;

  constructor(private readonly options: QueueOptions = {}) {}

  /** Tasks waiting, not counting the one running. */
  get depth(): number {
    return this.waiting.length;
  }

  get busy(): boolean {
    return this.running;
  }

  push<T>(task: QueueTask<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<T>((resolve, reject) => {
      const settle = { resolve: resolve as (v: unknown) => void, reject };
      if (task.key !== undefined) {
        const index = this.waiting.findIndex((w) => w.task.key === task.key);
        if (index >= 0) {
          // Latest wins: the waiting task is replaced, and its callers follow the new one.
          const replaced = this.waiting[index]!;
          this.waiting.splice(index, 1);
          this.insert({ task: task as QueueTask<unknown>, settle: [...replaced.settle, settle], seq: this.seq++ });
          this.pump();
          return;
        }
      }
      this.insert({ task: task as QueueTask<unknown>, settle: [settle], seq: this.seq++ });
      this.pump();
    });
  }

  /** Fails every waiting task (the device went offline, or is being removed). */
  clear(error: RoomError): void {
    const dropped = this.waiting.splice(0);
    for (const w of dropped) for (const s of w.settle) s.reject(error);
  }

  /** Refuses new tasks and fails waiting ones; the running task is left to finish. */
  close(error: RoomError = new RoomError('DeviceOffline', 'device removed')): void {
    this.closed = error;
    clearTimeout(this.pacingTimer);
    this.clear(error);
  }

  /** Resolves once nothing is running or waiting (used on shutdown to drain). */
  async drain(timeoutMs = 2000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((this.running || this.waiting.length) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private insert(entry: Waiting<unknown>): void {
    const priority = entry.task.priority ?? 0;
    let i = this.waiting.length;
    while (i > 0 && (this.waiting[i - 1]!.task.priority ?? 0) < priority) i--;
    this.waiting.splice(i, 0, entry);
  }

  private pump(): void {
    if (this.running || this.pacingTimer || this.waiting.length === 0) return;
    const wait = this.lastStart + (this.options.pacingMs ?? 0) - performance.now();
    if (wait > 0) {
      this.pacingTimer = setTimeout(() => {
        this.pacingTimer = undefined;
        this.pump();
      }, Math.ceil(wait));
      return;
    }
    const entry = this.waiting.shift()!;
    this.running = true;
    this.lastStart = performance.now();
    void this.runWithRetries(entry).finally(() => {
      this.running = false;
      this.pump();
    });
  }

  private async runWithRetries(entry: Waiting<unknown>): Promise<void> {
    const { task } = entry;
    const attempts = 1 + (task.retries ?? 0);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const value = await this.runOnce(task);
        for (const s of entry.settle) s.resolve(value);
        return;
      } catch (err) {
        lastError = err;
        const retryable = err instanceof RoomError && err.code === 'DeviceTimeout';
        if (!retryable || this.closed) break;
      }
    }
    for (const s of entry.settle) s.reject(toRoomError(lastError, 'DeviceError'));
  }

  private runOnce<T>(task: QueueTask<T>): Promise<T> {
    const timeoutMs = task.timeoutMs ?? this.options.timeoutMs ?? 5000;
    const controller = new AbortController();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new RoomError('DeviceTimeout', `${task.label}: no answer within ${timeoutMs} ms`);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
      task.run(controller.signal).then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}
