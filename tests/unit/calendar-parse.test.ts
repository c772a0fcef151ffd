import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCalendar, parseCalendars, splitCalendar } from '../../src/calendar/ics-parse.ts';
import { dialOf, organisationOf } from '../../src/calendar/booking-fields.ts';
import { wallTimeToUtc } from '../../src/calendar/wall-time.ts';

const ICS = readFileSync(new URL('../fixtures/calendar/salle-visio.ics', import.meta.url), 'utf8');
const ORGS = ['PNR', 'CC Minervois Caroux', 'Commune de Riols'];
const window = { from: Date.parse('2026-03-01T00:00:00Z'), to: Date.parse('2026-05-01T00:00:00Z'), timeZone: 'Europe/Paris', organisations: ORGS };
const COPIL = '4f1c9a2e-comite-pilotage@pnr-haut-languedoc.fr';

describe('iCalendar parsing (a Thunderbird export with a VTIMEZONE)', () => {
  const { bookings, skipped, calendars } = parseCalendar(ICS, window);
  const copil = bookings.filter((b) => b.uid === COPIL);

  it('expands a weekly rule across the March DST change at the right UTC instants', () => {
    // 14:00 in Paris is 13:00 UTC before 29 March 2026 and 12:00 UTC after it.
    expect(copil.map((b) => [b.start, b.end])).toEqual([
      ['2026-03-17T13:00:00.000Z', '2026-03-17T14:30:00.000Z'],
      ['2026-03-24T09:00:00.000Z', '2026-03-24T10:30:00.000Z'], // the override: moved to 10:00
      ['2026-03-31T12:00:00.000Z', '2026-03-31T13:30:00.000Z'],
      // 7 April: EXDATE
      ['2026-04-14T12:00:00.000Z', '2026-04-14T13:30:00.000Z'], // cancelled, still listed
      ['2026-04-21T12:00:00.000Z', '2026-04-21T13:30:00.000Z'],
    ]);
  });

  it('applies a RECURRENCE-ID override and a cancelled instance; ids name the original start', () => {
    const moved = copil[1]!;
    expect(moved).toMatchObject({ id: `${COPIL}#20260324T130000Z`, title: 'Comité de pilotage Natura 2000 (avancé)', cancelled: false, organisation: 'PNR' });
    expect(moved.dial).toBeUndefined(); // the override's LOCATION has no SIP address
    expect(copil.map((b) => b.cancelled)).toEqual([false, false, false, true, false]);
    expect(copil[0]).toMatchObject({ id: `${COPIL}#20260317T130000Z`, dial: 'sip:copil-natura@visio.pnr-haut-languedoc.fr', organisation: 'PNR' });
  });

  it('skips a malformed event, naming its UID, and loads the rest', () => {
    expect(calendars).toBe(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.uid).toBe('broken-1@example.org');
    expect(skipped[0]!.reason).toMatch(/DTSTART|date-time/);
    expect(bookings.map((b) => b.uid)).toContain('riols-conseil-20260331@riols.fr');
  });

  it('reads organisation from CATEGORIES (as configured) and dial from the description', () => {
    const riols = bookings.find((b) => b.uid === 'riols-conseil-20260331@riols.fr')!;
    expect(riols).toEqual({
      id: 'riols-conseil-20260331@riols.fr',
      uid: 'riols-conseil-20260331@riols.fr',
      start: '2026-03-31T12:00:00.000Z',
      end: '2026-03-31T14:00:00.000Z',
      title: 'Conseil municipal — visio avec la préfecture',
      organisation: 'Commune de Riols',
      dial: 'sip:prefecture-34@visio.interieur.gouv.fr',
      cancelled: false,
      allDay: false,
    });
  });

  it('places an all-day event on the room’s own day, organiser CN as organisation, dial from URL', () => {
    const day = bookings.find((b) => b.uid === 'journee-portes-ouvertes@cc-minervois.fr')!;
    expect(day).toMatchObject({ start: '2026-03-29T22:00:00.000Z', end: '2026-03-30T22:00:00.000Z', allDay: true, organisation: 'CC Minervois Caroux', dial: 'sip:portes-ouvertes@meet.jit.si' });
  });

  it('returns only occurrences overlapping the window, sorted by start', () => {
    const april = parseCalendar(ICS, { ...window, from: Date.parse('2026-04-01T00:00:00Z') });
    expect(april.bookings.map((b) => b.start)).toEqual(['2026-04-14T12:00:00.000Z', '2026-04-21T12:00:00.000Z']);
    const starts = bookings.map((b) => b.start);
    expect(starts).toEqual([...starts].sort());
  });
});

describe('iCalendar edge cases', () => {
  const event = (lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//y//EN', 'BEGIN:VEVENT', 'DTSTAMP:20260101T000000Z', ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

  it('reads a TZID with no VTIMEZONE as an IANA zone, and a floating time in the room zone', () => {
    const tz = parseCalendar(event(['UID:a', 'DTSTART;TZID=America/New_York:20260310T090000', 'DTEND;TZID=America/New_York:20260310T100000']), window);
    expect(tz.bookings[0]!.start).toBe('2026-03-10T13:00:00.000Z'); // EDT since 8 March
    const floating = parseCalendar(event(['UID:b', 'DTSTART:20260710T090000', 'DTEND:20260710T100000']), { ...window, to: Date.parse('2026-12-31T00:00:00Z') });
    expect(floating.bookings[0]!.start).toBe('2026-07-10T07:00:00.000Z');
  });

  it('refuses out-of-range dates that ical.js would roll over, and bad rules, with the UID', () => {
    const r = parseCalendar(
      [event(['UID:month13', 'DTSTART:20261340T100000Z']), event(['UID:rule', 'DTSTART:20260310T100000Z', 'RRULE:FREQ=SOMETIMES']), event(['DTSTART:20260310T100000Z'])].join(''),
      window,
    );
    expect(r.bookings).toEqual([]);
    expect(r.skipped.map((s) => s.uid)).toEqual(['month13', 'rule', null]);
    expect(r.calendars).toBe(3);
  });

  it('cancels every occurrence of a cancelled series; applies an override found in another resource', () => {
    const master = event(['UID:s', 'STATUS:CANCELLED', 'DTSTART:20260302T090000Z', 'DTEND:20260302T100000Z', 'RRULE:FREQ=DAILY;COUNT=2']);
    expect(parseCalendar(master, window).bookings.map((b) => b.cancelled)).toEqual([true, true]);
    const series = event(['UID:t', 'DTSTART:20260302T090000Z', 'DTEND:20260302T100000Z', 'RRULE:FREQ=DAILY;COUNT=2']);
    const override = event(['UID:t', 'RECURRENCE-ID:20260303T090000Z', 'DTSTART:20260303T150000Z', 'DTEND:20260303T160000Z', 'SUMMARY:later']);
    const both = parseCalendars([series, override], window).bookings;
    expect(both.map((b) => [b.start, b.title])).toEqual([['2026-03-02T09:00:00.000Z', ''], ['2026-03-03T15:00:00.000Z', 'later']]);
  });

  it('unfolds lines and ignores components nested in events (VALARM)', () => {
    const text = event(['UID:f', 'SUMMARY:Réunion des mai', ' res', 'DTSTART:20260302T090000Z', 'DTEND:20260302T100000Z', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT15M', 'END:VALARM']);
    expect(splitCalendar(text).events).toHaveLength(1);
    expect(parseCalendar(text, window).bookings[0]!.title).toBe('Réunion des maires');
  });
});

describe('booking fields', () => {
  it('organisation: a configured CATEGORIES value (case and accents aside), else the organiser CN', () => {
    expect(organisationOf(['Réunion', 'pnr'], 'Someone', ORGS)).toBe('PNR');
    expect(organisationOf(['COMMUNE DE RIOLS'], undefined, ORGS)).toBe('Commune de Riols');
    expect(organisationOf(['Autre'], ' Mairie de Prémian ', ORGS)).toBe('Mairie de Prémian');
    expect(organisationOf([], undefined, ORGS)).toBeUndefined();
  });

  it('dial: the first sip: URI of LOCATION, URL, DESCRIPTION, without trailing punctuation', () => {
    expect(dialOf('Salle (sip:a@b.fr)', 'sip:c@d.fr')).toBe('sip:a@b.fr');
    expect(dialOf(undefined, 'https://x', 'Lien : SIP:Room@visio.gouv.fr;transport=tls.')).toBe('sip:Room@visio.gouv.fr;transport=tls');
    expect(dialOf('sips:salle@visio.example:5061, code 12')).toBe('sips:salle@visio.example:5061');
    expect(dialOf('https://meet.example/sip', 'sip:')).toBeUndefined();
  });

  it('wall time → UTC across both DST changes in Paris, and in a skipped hour', () => {
    const at = (y: number, mo: number, d: number, h: number, mi = 0) => new Date(wallTimeToUtc({ year: y, month: mo, day: d, hour: h, minute: mi, second: 0 }, 'Europe/Paris')).toISOString();
    expect(at(2026, 3, 29, 1, 59)).toBe('2026-03-29T00:59:00.000Z');
    expect(at(2026, 3, 29, 3)).toBe('2026-03-29T01:00:00.000Z');
    expect(at(2026, 3, 29, 2, 30)).toBe('2026-03-29T01:30:00.000Z'); // 02:30 does not exist that night
    expect(at(2026, 10, 25, 12)).toBe('2026-10-25T11:00:00.000Z');
  });
});
