import type { SimRoom, DeviceId } from '../helpers/sim-room.ts';

/** A small seeded PRNG (mulberry32): the same seed replays the same schedule of faults and traffic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers over a seeded generator. */
export class Dice {
  constructor(readonly random: () => number) {}

  /** A float in [min, max). */
  between(min: number, max: number): number {
    return min + this.random() * (max - min);
  }

  int(min: number, max: number): number {
    return Math.floor(this.between(min, max + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }
}

export type FaultKind = 'delay' | 'drop' | 'garbage' | 'stall' | 'disconnect';
const DEVICES: DeviceId[] = ['display', 'codec', 'camera', 'mics'];
const KINDS: FaultKind[] = ['delay', 'drop', 'garbage', 'stall', 'disconnect'];

/**
 * Injects random faults into the simulators on a seeded schedule: slow replies, lost frames,
 * garbage, hung devices and dropped connections, each lasting a few seconds. `stop()` lifts every
 * fault at once (so state can be checked against the simulators' truth).
 */
export class Chaos {
  readonly counts: Record<FaultKind, number> = { delay: 0, drop: 0, garbage: 0, stall: 0, disconnect: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly sims: SimRoom, private readonly dice: Dice) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        this.inject(this.dice.pick(DEVICES), this.dice.pick(KINDS));
        await this.sleep(this.dice.between(300, 1500));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const f of Object.values(this.sims.faults)) Object.assign(f, { delayMs: 0, dropRate: 0, garbageRate: 0, stalled: false });
  }

  private inject(device: DeviceId, kind: FaultKind): void {
    this.counts[kind]++;
    const f = this.sims.faults[device];
    const lasting = this.dice.between(500, 3000);
    switch (kind) {
      case 'delay':
        f.delayMs = this.dice.int(20, 600);
        return this.later(lasting, () => (f.delayMs = 0));
      case 'drop':
        f.dropRate = this.dice.between(0.1, 0.6);
        return this.later(lasting, () => (f.dropRate = 0));
      case 'garbage':
        f.garbageRate = this.dice.between(0.2, 0.9);
        return this.later(lasting, () => (f.garbageRate = 0));
      case 'stall':
        f.stalled = true;
        return this.later(lasting, () => (f.stalled = false));
      case 'disconnect':
        if (device === 'display') this.sims.display.dropConnections();
        else if (device === 'codec') this.sims.codec.dropConnections();
        else if (device === 'mics') this.sims.mics.dropConnections();
        else void this.sims.camera.disconnect();
        return;
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** Active handles and requests by type (`process.getActiveResourcesInfo()`), for the leak check. */
export function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
