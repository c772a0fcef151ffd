import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What the disk cache holds: the last texts read, so a dead network still shows the last bookings. */
export interface CachedCalendar {
  url: string;
  /** ISO 8601. */
  fetchedAt: string;
  kind: 'caldav' | 'ics';
  texts: string[];
}

/** The cache as it was written, or undefined when missing, unreadable, damaged or for another URL. */
export function readCalendarCache(file: string, url: string): CachedCalendar | undefined {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as CachedCalendar;
    if (data.url !== url || !Array.isArray(data.texts) || !data.texts.every((t) => typeof t === 'string')) return undefined;
    return data;
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically (a crash mid-write leaves the previous one). */
export function writeCalendarCache(file: string, data: CachedCalendar): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
  renameSync(tmp, file);
}
