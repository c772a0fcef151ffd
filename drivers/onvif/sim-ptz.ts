/**
 * The simulated camera's mechanics: a position that integrates ContinuousMove velocity over time
 * (clamped to the generic spaces), travels to AbsoluteMove / preset / home targets at a finite speed,
 * and answers "where are you now" lazily from the clock — no timers to leak.
 */

/** A point or a velocity in the generic spaces: pan/tilt −1..1, zoom 0..1 (velocity −1..1). */
export interface Vec {
  pan: number;
  tilt: number;
  zoom: number;
}

type Motion =
  | { kind: 'continuous'; velocity: Vec; since: number; until: number }
  | { kind: 'absolute'; target: Vec; since: number };

const LIMITS = { pan: [-1, 1], tilt: [-1, 1], zoom: [0, 1] } as const;
const AXES = ['pan', 'tilt', 'zoom'] as const;
const clamp = (v: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, v));

/** Speeds of the simulated mechanics, in generic-space units per second. */
export interface PtzRates {
  /** Travel per second at velocity 1 (full pan range −1..1 takes 4 s at 0.5). */
  continuousPerSec: number;
  /** Travel per second for absolute moves, presets and home. */
  absolutePerSec: number;
}

export class SimPtz {
  private base: Vec = { pan: 0, tilt: 0, zoom: 0 };
  private motion: Motion | undefined;
  home: Vec = { pan: 0, tilt: 0, zoom: 0 };

  constructor(
    private readonly now: () => number = () => performance.now(),
    readonly rates: PtzRates = { continuousPerSec: 0.5, absolutePerSec: 4 },
  ) {}

  /** Where the camera is now. */
  position(): Vec {
    const m = this.motion;
    if (!m) return { ...this.base };
    const t = this.now();
    if (m.kind === 'continuous') {
      const dt = (Math.min(t, m.until) - m.since) / 1000;
      const out = { ...this.base };
      for (const a of AXES) out[a] = clamp(this.base[a] + m.velocity[a] * this.rates.continuousPerSec * dt, LIMITS[a]);
      return out;
    }
    const travel = (this.rates.absolutePerSec * (t - m.since)) / 1000;
    const out = { ...this.base };
    for (const a of AXES) {
      const d = m.target[a] - this.base[a];
      out[a] = Math.abs(d) <= travel ? m.target[a] : this.base[a] + Math.sign(d) * travel;
    }
    return out;
  }

  /** Per-axis MOVING/IDLE, as GetStatus reports it. */
  moveStatus(): { panTilt: 'MOVING' | 'IDLE'; zoom: 'MOVING' | 'IDLE' } {
    const m = this.motion;
    const p = this.position();
    const moving = (a: (typeof AXES)[number]): boolean => {
      if (!m) return false;
      if (m.kind === 'absolute') return p[a] !== m.target[a];
      if (this.now() >= m.until || m.velocity[a] === 0) return false;
      // Pushing against the end stop is not moving.
      return m.velocity[a] > 0 ? p[a] < LIMITS[a][1] : p[a] > LIMITS[a][0];
    };
    return { panTilt: moving('pan') || moving('tilt') ? 'MOVING' : 'IDLE', zoom: moving('zoom') ? 'MOVING' : 'IDLE' };
  }

  /** ContinuousMove; `timeoutMs` stops it on its own (ONVIF Timeout). Zero velocity is a stop. */
  continuous(velocity: Vec, timeoutMs = Infinity): void {
    this.settle();
    const t = this.now();
    this.motion = AXES.every((a) => velocity[a] === 0) ? undefined : { kind: 'continuous', velocity: { ...velocity }, since: t, until: t + timeoutMs };
  }

  /** Travel to a target; axes left undefined stay where they are. */
  moveTo(target: Partial<Vec>): void {
    this.settle();
    const full = { ...this.base };
    for (const a of AXES) if (target[a] !== undefined) full[a] = clamp(target[a]!, LIMITS[a]);
    this.motion = { kind: 'absolute', target: full, since: this.now() };
  }

  /** Stop; `panTilt`/`zoom` false leaves that part moving (ONVIF Stop semantics). */
  stop(panTilt = true, zoom = true): void {
    const m = this.motion;
    this.settle();
    if (!m || (panTilt && zoom)) {
      this.motion = undefined;
      return;
    }
    const t = this.now();
    const keep = (a: (typeof AXES)[number]): boolean => (a === 'zoom' ? !zoom : !panTilt);
    if (m.kind === 'continuous') {
      const velocity = { ...m.velocity };
      for (const a of AXES) if (!keep(a)) velocity[a] = 0;
      this.motion = { kind: 'continuous', velocity, since: t, until: m.until };
    } else {
      const target = { ...m.target };
      for (const a of AXES) if (!keep(a)) target[a] = this.base[a];
      this.motion = { kind: 'absolute', target, since: t };
    }
  }

  /** Folds the motion so far into the base position. */
  private settle(): void {
    this.base = this.position();
    this.motion = undefined;
  }
}
