import { describe, expect, it } from 'vitest';
import { calendarQueryBody, extractCalendarData } from '../../src/calendar/caldav.ts';

describe('CalDAV messages', () => {
  it('asks for VEVENTs overlapping a UTC time range', () => {
    const body = calendarQueryBody(Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-04-01T12:30:00Z'));
    expect(body).toContain('<c:time-range start="20260301T000000Z" end="20260401T123000Z"/>');
    expect(body).toContain('<c:comp-filter name="VEVENT">');
    expect(body).toContain('<c:calendar-data/>');
  });

  it('reads calendar-data from a Radicale answer (escaped text, C: prefix)', () => {
    // What Radicale 3.1 answered to the REPORT above (one resource), byte for byte but shortened.
    const xml = `<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/salle/visio/a1.ics</href><propstat><prop><getetag>"3c3b"</getetag><C:calendar-data>BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a1\nSUMMARY:R&amp;D &lt;PNR&gt; &#233;t&#xE9;\nEND:VEVENT\nEND:VCALENDAR\n</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;
    expect(extractCalendarData(xml)).toEqual(['BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a1\nSUMMARY:R&D <PNR> été\nEND:VEVENT\nEND:VCALENDAR\n']);
  });

  it('reads CDATA, other prefixes and a default namespace; skips empty elements', () => {
    const xml = [
      '<d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">',
      '<d:response><d:propstat><d:prop><cal:calendar-data><![CDATA[BEGIN:VCALENDAR\r\nX:<&>\r\nEND:VCALENDAR]]></cal:calendar-data></d:prop></d:propstat></d:response>',
      '<d:response><d:propstat><d:prop><cal:calendar-data/></d:prop></d:propstat></d:response>',
      '<d:response><d:propstat><d:prop><calendar-data xmlns="urn:ietf:params:xml:ns:caldav">BEGIN:VCALENDAR&#13;\nEND:VCALENDAR</calendar-data></d:prop></d:propstat></d:response>',
      '</d:multistatus>',
    ].join('');
    expect(extractCalendarData(xml)).toEqual(['BEGIN:VCALENDAR\r\nX:<&>\r\nEND:VCALENDAR', 'BEGIN:VCALENDAR\r\nEND:VCALENDAR']);
  });
});
