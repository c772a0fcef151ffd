/**
 * Wall-clock arithmetic in a named time zone (the room's `room.timezone`), without a library:
 * Intl gives the zone's fields of an instant; the inverse is found by correcting a UTC guess by the
 * zone's offset twice (enough to settle across a DST change).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
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
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this Node knows ('Europe/Paris' yes, 'Mars/Olympus' no). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The process's time zone (from TZ or the system), e.g. 'Europe/Paris'. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Wall-clock fields of an instant in a time zone (month 1-based). */
export function wallClock(ms: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { y: out.year!, m: out.month!, d: out.day!, h: out.hour!, min: out.minute!, s: out.second! };
}

/** Offset of the zone from UTC at an instant, in ms (Paris in winter: +3 600 000). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s);
  return asUtc - (ms - (ms % 1000));
}

/** The instant at which the zone's wall clock shows y-m-d h:min (month 1-based; overflow allowed). */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let ms = guess - offsetAt(guess, timeZone);
  ms = guess - offsetAt(ms, timeZone);
  return ms;
}

/** True when the zone's wall clock shows "HH:MM" at some instant in (fromMs, toMs]. */
export function crossedLocalTime(fromMs: number, toMs: number, hhmm: string, timeZone: string): boolean {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const today = wallClock(toMs, timeZone);
  let mark = zonedInstant(today.y, today.m, today.d, h, m, timeZone);
  if (mark > toMs) mark = zonedInstant(today.y, today.m, today.d - 1, h, m, timeZone);
  return mark > fromMs && mark <= toMs;
}

/** Days in a month (month 1-based): 2026-02 has 28. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
