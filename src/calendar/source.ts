import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { calendarQueryBody, extractCalendarData } from './caldav.ts';

/** Where bookings come from and how to ask (the `calendar` config section). */
export interface CalendarSourceConfig {
  url: string;
  username?: string;
  password?: string;
  timeoutSeconds: number;
}

/** What one read of the calendar gave: iCalendar texts (one per CalDAV resource, or the whole feed). */
export interface CalendarFetch {
  kind: 'caldav' | 'ics';
  texts: string[];
}

/** A read that failed: the last known bookings stay. `message` never contains the password. */
export class CalendarFetchError extends Error {}

/** The URL as logs may show it (no user:password@). */
export function describeCalendarUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

/**
 * Reads the calendar. An http(s) URL is first asked a CalDAV calendar-query REPORT for [from, to);
 * a server that is not CalDAV (a plain ICS feed answers 405, 501, 400…) is then asked a GET. A
 * file: URL is read from disk. A body that holds no VCALENDAR is an error, never "no bookings":
 * a login page served with 200 must not empty the room's calendar.
 */
export async function fetchCalendar(config: CalendarSourceConfig, from: number, to: number): Promise<CalendarFetch> {
  const where = describeCalendarUrl(config.url);
  if (config.url.startsWith('file:')) {
    let text: string;
    try {
      text = await readFile(fileURLToPath(config.url), 'utf8');
    } catch (err) {
      throw new CalendarFetchError(`cannot read ${where}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return { kind: 'ics', texts: [feed(text, where)] };
  }
  const headers: Record<string, string> = { 'user-agent': 'roomd', accept: 'text/calendar, application/xml;q=0.9, */*;q=0.1' };
  if (config.username !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
  }
  const request = async (method: string, extra: Record<string, string> = {}, body?: string) => {
    try {
      const res = await fetch(config.url, { method, headers: { ...headers, ...extra }, ...(body ? { body } : {}), redirect: 'follow', signal: AbortSignal.timeout(config.timeoutSeconds * 1000) });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = (err as Error).name === 'TimeoutError' ? `no answer within ${config.timeoutSeconds} s` : cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CalendarFetchError(`${method} ${where} failed: ${why}`);
    }
  };
  const report = await request('REPORT', { depth: '1', 'content-type': 'application/xml; charset=utf-8' }, calendarQueryBody(from, to));
  if (report.status === 401 || report.status === 403) throw new CalendarFetchError(`${where} refused the credentials (HTTP ${report.status})`);
  if (report.status === 207) return { kind: 'caldav', texts: extractCalendarData(report.text) };
  if (report.status === 200 && /BEGIN:VCALENDAR/i.test(report.text)) return { kind: 'ics', texts: [report.text] };
  const get = await request('GET');
  if (get.status === 401 || get.status === 403) throw new CalendarFetchError(`${where} refused the credentials (HTTP ${get.status})`);
  if (get.status !== 200) throw new CalendarFetchError(`GET ${where} answered HTTP ${get.status}`);
  return { kind: 'ics', texts: [feed(get.text, where)] };
}

function feed(text: string, where: string): string {
  if (!/BEGIN:VCALENDAR/i.test(text)) throw new CalendarFetchError(`${where} is not an iCalendar feed (no BEGIN:VCALENDAR in ${text.length} bytes)`);
  return text;
}
