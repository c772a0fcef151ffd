/** One axis of the simulated camera (sim-camera.ts). */
export type AxisName = 'pan' | 'tilt' | 'zoom';

/** Camera units per millisecond at full speed: pan ~100°/s, tilt ~90°/s, zoom wide→tele in ~2 s. */
export const FULL_RATE: Record<AxisName, number> = { pan: 5.1, tilt: 4.6, zoom: 8.2 };

/** One axis: position as a function of time, driven continuously or towards a target. */
export class Axis {
  private p0 = 0;
  private t0 = 0;
  private rate = 0; // units per ms, signed for drives
  private target: number | undefined;
  /** Bumped by every new motion, so a finished command only settles the motion it started. */
  version = 0;

  constructor(readonly min: number, readonly max: number) {}

  at(now: number): number {
    const dt = now - this.t0;
    if (this.target !== undefined) {
      const dist = this.target - this.p0;
      const moved = Math.min(Math.abs(dist), Math.abs(this.rate) * dt);
      return Math.round(this.p0 + Math.sign(dist) * moved);
    }
    return Math.round(Math.min(this.max, Math.max(this.min, this.p0 + this.rate * dt)));
  }

  drive(now: number, rate: number): void {
    this.version++;
    this.p0 = this.at(now);
    this.t0 = now;
    this.rate = rate;
    this.target = undefined;
  }

  /** Starts a move to `target`; returns how long it takes, in ms. */
  moveTo(now: number, target: number, rate: number): number {
    this.version++;
    this.p0 = this.at(now);
    this.t0 = now;
    this.target = Math.min(this.max, Math.max(this.min, target));
    this.rate = Math.abs(rate);
    return this.rate > 0 ? Math.abs(this.target - this.p0) / this.rate : 0;
  }

  stop(now: number): void {
    this.drive(now, 0);
  }

  /**
   * The move of `version` has completed: stand exactly on its target. (Timers can fire a little
   * before their time by performance.now(), which would otherwise leave the axis a few units short.)
   */
  arrive(version: number, now: number): void {
    if (version !== this.version || this.target === undefined) return;
    this.p0 = this.target;
    this.t0 = now;
    this.rate = 0;
    this.target = undefined;
  }
}
