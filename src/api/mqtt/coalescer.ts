/**
 * Latest-wins, rate-limited flushing per key: a device whose state changes 200 times a second (a
 * level meter, a moving camera) is published at most once per `intervalMs`, always with its latest
 * state, because `flush` reads the state when it runs rather than when the change happened.
 * Changes made in the same tick are merged (the first flush is deferred to a zero-delay timer).
 */
export class Coalescer<K> {
  private readonly timers = new Map<K, NodeJS.Timeout>();
  private readonly last = new Map<K, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly flush: (key: K) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Marks `key` dirty: it will be flushed once, at most `intervalMs` after its previous flush. */
  touch(key: K): void {
    if (this.timers.has(key)) return;
    const since = this.now() - (this.last.get(key) ?? -Infinity);
    const delay = Math.max(0, this.intervalMs - since);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.last.set(key, this.now());
      this.flush(key);
    }, delay);
    timer.unref?.();
    this.timers.set(key, timer);
  }

  /** Forgets a key (its pending flush does not happen). */
  cancel(key: K): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.last.delete(key);
  }

  get pending(): number {
    return this.timers.size;
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.last.clear();
  }
}
