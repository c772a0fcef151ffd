import { RoomError } from '../core/errors.ts';
import type { Instant } from './types.ts';

/**
 * Calendar helpers for reports. A room's months and days are local ones: a meeting at 00:30 on
 * 1 November in Saint-Pons belongs to November even though it is still 31 October in UTC. So
 * month keys and bare dates in filters are read in the store's time zone (the system's by default).
 */

/** The process's time zone (from TZ or the system), e.g. 'Europe/Paris'. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a time zone. */
function wallClock(ms: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { y: out.year, m: out.month, d: out.day, h: out.hour, min: out.minute, s: out.second };
}

/** Offset of the zone from UTC at an instant, in ms (Paris in winter: +3 600 000). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s);
  return asUtc - (ms - (ms % 1000));
}

/** The instant at which the zone's wall clock shows 00:00 on the given day (month 1-based; overflow allowed). */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  // Two passes settle the offset across a DST change; midnight itself never falls in a gap in
  // Europe (changes happen at 02:00/03:00), and elsewhere being an hour off is harmless here.
  let ms = guess - offsetAt(guess, timeZone);
  ms = guess - offsetAt(ms, timeZone);
  return ms;
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
      if (m >= 1 && m <= 12 && (d === undefined || (d >= 1 && d <= 31))) {
        if (d === undefined) return zonedMidnight(y, bound === 'to' ? m + 1 : m, 1, timeZone);
        return zonedMidnight(y, m, bound === 'to' ? d + 1 : d, timeZone);
      }
    } else if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
      const ms = Date.parse(value);
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
