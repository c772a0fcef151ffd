/**
 * A small typed event bus. Listeners are registered under an owner so that one surface's listeners
 * come off together, and a throwing listener is reported but cannot stop the others.
 */
export type Listener<T> = (payload: T) => void;

export class EventBus<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<{ owner: unknown; fn: Listener<never> }>>();

  constructor(private readonly onListenerError: (err: unknown, event: string) => void = () => {}) {}

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>, owner: unknown = undefined): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const entry = { owner, fn: fn as Listener<never> };
    set.add(entry);
    return () => set!.delete(entry);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const { fn } of [...set]) {
      try {
        (fn as Listener<Events[K]>)(payload);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
  }

  /** Removes every listener registered by `owner`. */
  removeOwner(owner: unknown): void {
    for (const set of this.listeners.values()) {
      for (const entry of [...set]) if (entry.owner === owner) set.delete(entry);
    }
  }

  listenerCount(event?: keyof Events): number {
    if (event !== undefined) return this.listeners.get(event)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
