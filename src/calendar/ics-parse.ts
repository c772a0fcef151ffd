import ICAL from 'ical.js';
import { dialOf, organisationOf } from './booking-fields.ts';
import { isKnownTimeZone, wallTimeToUtc } from './wall-time.ts';

/**
 * iCalendar text → bookings, with ical.js doing the RFC 5545 work (RRULE, EXDATE, RDATE, VTIMEZONE).
 * Pure: no I/O, no clock — the window and the room's zone are arguments.
 *
 * Each VEVENT is parsed on its own, wrapped with the file's VTIMEZONEs: ical.js gives up on a whole
 * document at the first bad value, and one organiser's broken invitation must not empty the room's
 * calendar. A broken event is returned in `skipped` with its UID.
 */

/** One booked slot (one occurrence of a recurring event), as the API shows it minus its status. */
export interface Booking {
  /** Stable across refreshes: the UID, plus `#` and the original start (UTC, compact) for a recurrence. */
  id: string;
  uid: string;
  /** ISO 8601 UTC. */
  start: string;
  end: string;
  title: string;
  organisation?: string;
  dial?: string;
  cancelled: boolean;
  allDay: boolean;
}

export interface SkippedEvent {
  uid: string | null;
  reason: string;
}

export interface ParseOptions {
  /** Window, epoch ms: occurrences overlapping [from, to) are returned. */
  from: number;
  to: number;
  /** The room's zone: floating times and all-day events are read in it. */
  timeZone: string;
  /** `room.organisations`, for CATEGORIES. */
  organisations: readonly string[];
  /** Guard against pathological rules (FREQ=SECONDLY…): occurrences examined per event. Default 5000. */
  maxOccurrences?: number;
}

export interface ParseResult {
  bookings: Booking[];
  skipped: SkippedEvent[];
  /** VCALENDAR objects found: 0 means this was not iCalendar at all (an HTML error page…). */
  calendars: number;
}

interface RawComponent {
  name: string;
  lines: string[];
}

/** Unfolds (RFC 5545 §3.1) and splits into top-level components of every VCALENDAR in the text. */
export function splitCalendar(text: string): { calendars: number; timezones: RawComponent[]; events: RawComponent[] } {
  const lines = text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const timezones: RawComponent[] = [];
  const events: RawComponent[] = [];
  let calendars = 0;
  let depth = 0;
  let current: RawComponent | undefined;
  for (const line of lines) {
    const begin = /^BEGIN:(.+)$/i.exec(line.trim());
    const end = /^END:(.+)$/i.exec(line.trim());
    if (begin) {
      const name = begin[1]!.toUpperCase();
      depth++;
      if (depth === 1 && name === 'VCALENDAR') calendars++;
      if (depth === 2 && (name === 'VEVENT' || name === 'VTIMEZONE')) current = { name, lines: [] };
    }
    if (current) current.lines.push(line);
    if (end) {
      if (depth === 2 && current) {
        (current.name === 'VEVENT' ? events : timezones).push(current);
        current = undefined;
      }
      depth = Math.max(0, depth - 1);
    }
  }
  return { calendars, timezones, events };
}

interface ParsedEvent {
  uid: string;
  vevent: ICAL.Component;
  recurrenceId?: number;
}

/** Parses iCalendar text (a feed, or one CalDAV resource) into the bookings of a window. */
export function parseCalendar(text: string, options: ParseOptions): ParseResult {
  return parseCalendars([text], options);
}

/**
 * Several iCalendar texts (a CalDAV collection gives one per resource) as one calendar: a
 * RECURRENCE-ID override applies to its master wherever each was found.
 */
export function parseCalendars(texts: readonly string[], options: ParseOptions): ParseResult {
  const skipped: SkippedEvent[] = [];
  const byUid = new Map<string, { master?: ParsedEvent; overrides: ParsedEvent[] }>();
  let calendars = 0;
  for (const text of texts) {
    const split = splitCalendar(text);
    calendars += split.calendars;
    const tzLines = split.timezones.flatMap((tz) => tz.lines);
    for (const raw of split.events) {
      const parsed = parseEvent(raw, tzLines, options.timeZone);
      if ('reason' in parsed) {
        skipped.push(parsed);
        continue;
      }
      const group = byUid.get(parsed.uid) ?? { overrides: [] };
      byUid.set(parsed.uid, group);
      if (parsed.recurrenceId === undefined) group.master = parsed;
      else group.overrides.push(parsed);
    }
  }
  const bookings: Booking[] = [];
  for (const [uid, group] of byUid) {
    try {
      bookings.push(...expand(uid, group.master, group.overrides, options));
    } catch (err) {
      skipped.push({ uid, reason: `cannot expand: ${(err as Error).message}` });
    }
  }
  bookings.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.id < b.id ? -1 : 1));
  return { bookings, skipped, calendars };
}

function parseEvent(raw: RawComponent, tzLines: string[], timeZone: string): ParsedEvent | SkippedEvent {
  const uidLine = raw.lines.find((l) => /^UID[:;]/i.test(l));
  const uid = uidLine ? uidLine.slice(uidLine.indexOf(':') + 1).trim() : null;
  if (!uid) return { uid: null, reason: 'event has no UID' };
  let vevent: ICAL.Component;
  try {
    const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//roomd//calendar//EN', ...tzLines, ...raw.lines, 'END:VCALENDAR'].join('\r\n');
    vevent = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vevent')!;
    const start = vevent.getFirstProperty('dtstart');
    if (!start) return { uid, reason: 'event has no DTSTART' };
    for (const name of ['dtstart', 'dtend', 'recurrence-id']) {
      const prop = vevent.getFirstProperty(name);
      if (prop) checkDateValue(name, String(prop.jCal[3]));
    }
    // Reading the rule now makes a bad RRULE fail here, with the event's UID, not later.
    for (const p of vevent.getAllProperties('rrule')) p.getFirstValue();
    const event = new ICAL.Event(vevent);
    if (event.endDate.compare(event.startDate) < 0) return { uid, reason: 'DTEND is before DTSTART' };
    const rid = vevent.getFirstProperty('recurrence-id');
    return { uid, vevent, ...(rid ? { recurrenceId: instantOf(rid.getFirstValue() as ICAL.Time, rid.getParameter('tzid') as string | undefined, timeZone) } : {}) };
  } catch (err) {
    return { uid, reason: (err as Error).message };
  }
}

/** ical.js silently rolls month 13 over into the next year: refuse values out of range instead. */
function checkDateValue(name: string, value: string): void {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?/.exec(value);
  if (!m) throw new Error(`${name.toUpperCase()} is not a date: ${JSON.stringify(value)}`);
  const [mo, d, h = 0, mi = 0, s = 0] = m.slice(2).map((x) => (x === undefined ? 0 : Number(x)));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 60) {
    throw new Error(`${name.toUpperCase()} is out of range: ${JSON.stringify(value)}`);
  }
}

/**
 * An ICAL.Time as epoch ms. A zone defined by a VTIMEZONE in the file is ical.js's to apply; a TZID
 * with no VTIMEZONE is read as an IANA name; a floating time or an all-day date is the room's.
 */
export function instantOf(time: ICAL.Time, tzid: string | undefined, roomZone: string): number {
  const wall = { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second };
  if (time.isDate) return wallTimeToUtc({ ...wall, hour: 0, minute: 0, second: 0 }, roomZone);
  const zone = time.zone as (ICAL.Timezone & { component?: unknown }) | undefined;
  if (zone?.tzid === 'UTC') return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  if (zone?.component) return time.toUnixTime() * 1000;
  if (tzid && isKnownTimeZone(tzid)) return wallTimeToUtc(wall, tzid);
  return wallTimeToUtc(wall, roomZone);
}

function compactUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function text(vevent: ICAL.Component, name: string): string | undefined {
  const v = vevent.getFirstPropertyValue(name);
  return typeof v === 'string' ? v : v == null ? undefined : String(v);
}

/** Fields shared by every occurrence of one component. */
function describe(vevent: ICAL.Component, organisations: readonly string[]) {
  const categories = vevent.getAllProperties('categories').flatMap((p) => p.getValues().map(String));
  const organizer = vevent.getFirstProperty('organizer');
  const organisation = organisationOf(categories, organizer?.getParameter('cn') as string | undefined, organisations);
  const dial = dialOf(text(vevent, 'location'), text(vevent, 'url'), text(vevent, 'description'));
  return {
    title: text(vevent, 'summary')?.trim() ?? '',
    ...(organisation ? { organisation } : {}),
    ...(dial ? { dial } : {}),
    cancelled: text(vevent, 'status')?.toUpperCase() === 'CANCELLED',
  };
}

function expand(uid: string, master: ParsedEvent | undefined, overrides: ParsedEvent[], options: ParseOptions): Booking[] {
  const out: Booking[] = [];
  const { from, to, timeZone, organisations } = options;
  const push = (b: Booking) => {
    const s = Date.parse(b.start);
    const e = Date.parse(b.end);
    if ((e > from || (e === s && s >= from)) && s < to) out.push(b);
  };
  const single = (p: ParsedEvent, id: string) => {
    const event = new ICAL.Event(p.vevent);
    const tzid = p.vevent.getFirstProperty('dtstart')!.getParameter('tzid') as string | undefined;
    const endTz = (p.vevent.getFirstProperty('dtend')?.getParameter('tzid') as string | undefined) ?? tzid;
    return occurrence(id, uid, instantOf(event.startDate, tzid, timeZone), instantOf(event.endDate, endTz, timeZone), event.startDate.isDate, describe(p.vevent, organisations));
  };
  const byRecurrence = new Map(overrides.map((o) => [o.recurrenceId!, o]));
  if (master) {
    const event = new ICAL.Event(master.vevent);
    if (!event.isRecurring()) {
      push(single(master, uid));
    } else {
      const tzid = master.vevent.getFirstProperty('dtstart')!.getParameter('tzid') as string | undefined;
      const fields = describe(master.vevent, organisations);
      const iterator = event.iterator();
      const max = options.maxOccurrences ?? 5000;
      for (let n = 0; n < max; n++) {
        const next = iterator.next();
        if (!next) break;
        const start = instantOf(next, tzid, timeZone);
        if (start >= to) break;
        const id = `${uid}#${compactUtc(start)}`;
        const override = byRecurrence.get(start);
        if (override) {
          byRecurrence.delete(start);
          push(single(override, id));
          continue;
        }
        const details = event.getOccurrenceDetails(next);
        const end = instantOf(details.endDate, tzid, timeZone);
        push(occurrence(id, uid, start, end, next.isDate, fields));
      }
    }
  }
  // Overrides whose instance the rule does not produce (or whose master is missing) still stand.
  for (const [rid, o] of byRecurrence) push(single(o, `${uid}#${compactUtc(rid)}`));
  return out;
}

function occurrence(id: string, uid: string, start: number, end: number, allDay: boolean, fields: ReturnType<typeof describe>): Booking {
  return { id, uid, start: new Date(start).toISOString(), end: new Date(Math.max(start, end)).toISOString(), allDay, ...fields };
}
