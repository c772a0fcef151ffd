import { wallClock, zonedInstant } from '../core/zoned-time.ts';

export { isKnownTimeZone } from '../core/zoned-time.ts';

/**
 * Wall-clock time in a named zone → UTC instant, for calendar times that name an IANA zone without
 * a VTIMEZONE, floating times and all-day events (which belong to the room's own days). The zone
 * arithmetic is the room's own (src/core/zoned-time.ts); this is its calendar-shaped face. Pure.
 */

/** Wall-clock fields; month is 1-based. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The instant at which the zone's clock shows `wall`. A time skipped by a DST change (02:30 on the
 * last Sunday of March in Paris) maps to the instant one offset later, as calendar clients do.
 * (Zones change their offset on whole minutes, so the seconds are simply added.)
 */
export function wallTimeToUtc(wall: WallTime, timeZone: string): number {
  return zonedInstant(wall.year, wall.month, wall.day, wall.hour, wall.minute, timeZone) + wall.second * 1000;
}

/** The room's day containing `ms`: [its midnight, the next midnight), as epoch ms. */
export function zonedDay(ms: number, timeZone: string): { start: number; end: number } {
  const { y, m, d } = wallClock(ms, timeZone);
  return { start: zonedInstant(y, m, d, 0, 0, timeZone), end: zonedInstant(y, m, d + 1, 0, 0, timeZone) };
}
