import { crossedLocalTime, systemTimeZone } from './zoned-time.ts';

/** A wall-clock step larger than this between two checks (beyond the monotonic time) is a jump. */
export const CLOCK_JUMP_MS = 60_000;

/** One reading of both clocks, in ms: the wall clock (can jump) and a monotonic one (cannot). */
export interface ClockReading {
  wall: number;
  mono: number;
}

/** When a meeting ends by itself: the `meeting` config's idle minutes and nightly hour. */
export interface AutoEndRules {
  /** 0: never for idleness. */
  idleMinutes: number;
  /** `HH:MM`, read in `timeZone`. */
  nightlyEndAt?: string;
  /** `room.timezone`: the zone `nightlyEndAt` is read in (default the process's). */
  timeZone?: string;
}

/**
 * Whether a meeting with no call up should end now, between two checks `last` and `now`: `idle`
 * once nobody acted for `idleMinutes` (monotonic time, so a clock step never ends a meeting), or
 * `night` when the nightly hour was crossed. That hour is a wall-clock time, in the room's zone;
 * but a wall clock that moved much more (or less) than the monotonic one since the last check
 * jumped: the nightly end is not evaluated across it, and `jumpMs` says by how much. Pure.
 */
export function autoEndReason(rules: AutoEndRules, last: ClockReading, now: ClockReading, lastActivityMono: number): { reason?: 'idle' | 'night'; jumpMs?: number } {
  const idleMs = rules.idleMinutes * 60_000;
  const idle = idleMs > 0 && now.mono - lastActivityMono >= idleMs;
  const jump = now.wall - last.wall - (now.mono - last.mono);
  if (Math.abs(jump) > CLOCK_JUMP_MS) return { ...(idle ? { reason: 'idle' as const } : {}), jumpMs: Math.round(jump) };
  if (rules.nightlyEndAt && crossedLocalTime(last.wall, now.wall, rules.nightlyEndAt, rules.timeZone ?? systemTimeZone())) return { reason: 'night' };
  return idle ? { reason: 'idle' } : {};
}
