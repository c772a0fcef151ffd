/**
 * The two CalDAV messages roomd needs (RFC 4791): a calendar-query REPORT asking for the events of
 * a time range, and reading `calendar-data` out of the 207 Multi-Status answer. Pure.
 */

/** `20260301T000000Z`, the form CalDAV's time-range wants. */
export function caldavTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * REPORT body: every VEVENT overlapping [from, to), with its whole iCalendar object. The server
 * expands nothing: recurring events come back whole (master and overrides) and are expanded here,
 * in the event's own time zone.
 */
export function calendarQueryBody(from: number, to: number): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">',
    '<d:prop><d:getetag/><c:calendar-data/></d:prop>',
    '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">',
    `<c:time-range start="${caldavTime(from)}" end="${caldavTime(to)}"/>`,
    '</c:comp-filter></c:comp-filter></c:filter>',
    '</c:calendar-query>',
  ].join('');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

/**
 * The `calendar-data` texts of a multistatus answer, whatever namespace prefix the server chose
 * (`C:`, `cal:`, none with a default namespace), escaped text or CDATA. Responses that are not
 * 200 inside (a 404 propstat for a missing property) carry no calendar-data and are ignored.
 */
export function extractCalendarData(xml: string): string[] {
  const out: string[] = [];
  const element = /<(?:([A-Za-z_][\w.-]*):)?calendar-data\b[^>]*?(\/?)>/g;
  let m: RegExpExecArray | null;
  while ((m = element.exec(xml))) {
    if (m[2] === '/') continue; // <C:calendar-data/>: nothing
    const close = m[1] ? `</${m[1]}:calendar-data>` : '</calendar-data>';
    const endAt = xml.indexOf(close, element.lastIndex);
    if (endAt < 0) break;
    const inner = xml.slice(element.lastIndex, endAt);
    element.lastIndex = endAt + close.length;
    const text = inner.replace(/<!\[CDATA\[([\s\S]*?)\]\]>|([^<]+)/g, (_all, cdata: string | undefined, plain: string | undefined) =>
      cdata !== undefined ? cdata : unescapeXml(plain ?? ''),
    );
    if (text.trim()) out.push(text);
  }
  return out;
}
