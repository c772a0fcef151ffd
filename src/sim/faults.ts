/**
 * Fault injection shared by every simulator. Tests and the soak run set these at any time; each
 * simulator consults them on every frame it receives or sends.
 */
export interface Faults {
  /** Extra delay before every reply, in ms. */
  delayMs: number;
  /** Probability (0..1) that an incoming frame is ignored, as if lost on the wire. */
  dropRate: number;
  /** Probability (0..1) that random garbage bytes are sent before a reply. */
  garbageRate: number;
  /** When true, the simulator reads but never answers (a hung device). */
  stalled: boolean;
}

export function defaultFaults(): Faults {
  return { delayMs: 0, dropRate: 0, garbageRate: 0, stalled: false };
}

/** Random bytes for garbage injection; never empty. */
export function garbage(random: () => number = Math.random): Buffer {
  const length = 1 + Math.floor(random() * 8);
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

export function chance(rate: number, random: () => number = Math.random): boolean {
  return rate > 0 && random() < rate;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
