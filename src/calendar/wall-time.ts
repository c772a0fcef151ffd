/**
 * Wall-clock time in a named zone → UTC instant, with Intl only (no zone database of our own).
 * Used for calendar times that name an IANA zone without a VTIMEZONE, floating times and all-day
 * events (which belong to the room's own days). Pure.
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

/** Whether Intl knows the zone (an IANA name such as Europe/Paris; not Outlook's "Romance Standard Time"). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in ms (Paris in winter: +3 600 000). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

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
 */
export function wallTimeToUtc(wall: WallTime, timeZone: string): number {
  const guess = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const first = guess - zoneOffsetMs(guess, timeZone);
  const second = guess - zoneOffsetMs(first, timeZone);
  return second;
}

/** The room's day containing `ms`: [its midnight, the next midnight), as epoch ms. */
export function zonedDay(ms: number, timeZone: string): { start: number; end: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const midnight = (day: number) => wallTimeToUtc({ year: parts.year!, month: parts.month!, day, hour: 0, minute: 0, second: 0 }, timeZone);
  return { start: midnight(parts.day!), end: midnight(parts.day! + 1) };
}
