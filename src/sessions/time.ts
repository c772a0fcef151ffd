import { RoomError } from '../core/errors.ts';
import { daysInMonth, wallClock, zonedInstant } from '../core/zoned-time.ts';
import type { Instant } from './types.ts';

/**
 * Calendar helpers for reports. A room's months and days are local ones: a meeting at 00:30 on
 * 1 November in Saint-Pons belongs to November even though it is still 31 October in UTC. So
 * month keys and bare dates in filters are read in the store's time zone (the system's by default).
 */

export { systemTimeZone } from '../core/zoned-time.ts';

/** The instant at which the zone's wall clock shows 00:00 on the given day (month 1-based; overflow allowed). */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  return zonedInstant(year, month, day, 0, 0, timeZone);
}

/** 'YYYY-MM' of an instant in the zone. */
export function monthKey(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.y}-${String(w.m).padStart(2, '0')}`;
}

const BARE_DATE = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/;

/**
 * Epoch ms of an instant. Strings may be ISO 8601 timestamps, or bare dates read in `timeZone`:
 * '2026-11-03' is that day and '2026-11' that month. As a lower bound (`from`) a bare date means its
 * first moment; as an upper bound (`to`, exclusive) it means the moment after it ends, so
 * `from=2026-11&to=2026-11` is all of November and `to=2026-11-30` includes the 30th.
 */
export function toMs(value: Instant, field: string, timeZone: string, bound: 'from' | 'to' | 'at' = 'at'): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isFinite(ms)) return ms;
  } else if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
  } else if (typeof value === 'string') {
    const bare = BARE_DATE.exec(value);
    if (bare) {
      const y = Number(bare[1]);
      const m = Number(bare[2]);
      const d = bare[3] === undefined ? undefined : Number(bare[3]);
      // Impossible dates (2026-02-30) are refused, not rolled over into the next month.
      if (m >= 1 && m <= 12 && (d === undefined || (d >= 1 && d <= daysInMonth(y, m)))) {
        if (d === undefined) return zonedMidnight(y, bound === 'to' ? m + 1 : m, 1, timeZone);
        return zonedMidnight(y, m, bound === 'to' ? d + 1 : d, timeZone);
      }
    } else {
      const day = /^(\d{4})-(\d{2})-(\d{2})T/.exec(value);
      // Date.parse rolls 2026-02-30T10:00Z over to 2 March: check the calendar date first.
      const ms = day && Number(day[3]) >= 1 && Number(day[3]) <= daysInMonth(Number(day[1]), Number(day[2])) ? Date.parse(value) : NaN;
      if (Number.isFinite(ms)) return ms;
    }
  }
  throw new RoomError(
    'BadArgs',
    `invalid ${field} ${JSON.stringify(value)}: use a date (2026-11-03), a month (2026-11) or an ISO 8601 timestamp`,
  );
}

/** ISO string of epoch ms, or null. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
