import type { CalendarConfig } from '../config/schema.ts';
import { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/logger.ts';
import type { BookingInfo, BookingLookup } from '../core/meeting.ts';
import { readCalendarCache, writeCalendarCache } from './cache.ts';
import { parseCalendars, type Booking } from './ics-parse.ts';
import { describeCalendarUrl, fetchCalendar, type CalendarFetch } from './source.ts';
import { zonedDay } from './wall-time.ts';

const DAY_MS = 86_400_000;
/** What is read from the server: the past month (for late no-shows and GETs) and the next three. */
const PAST_MS = 35 * DAY_MS;
const FUTURE_MS = 95 * DAY_MS;

/** What the calendar needs to know about each booking's fate (the session database's ledger). */
export interface BookingOutcomes {
  isHeld(bookingId: string): boolean;
  isNoShow(bookingId: string): boolean;
  recordNoShow(booking: { id: string; organisation?: string | null; title?: string | null; start: number; end: number }, at: number): boolean;
}

/** Outcomes kept in memory, for a room run without a session database. */
export class MemoryOutcomes implements BookingOutcomes {
  readonly held = new Set<string>();
  readonly noShows = new Set<string>();
  isHeld(id: string): boolean {
    return this.held.has(id);
  }
  isNoShow(id: string): boolean {
    return this.noShows.has(id) && !this.held.has(id);
  }
  recordNoShow(b: { id: string }): boolean {
    if (this.noShows.has(b.id)) return false;
    this.noShows.add(b.id);
    return true;
  }
}

export interface CalendarServiceOptions {
  config: CalendarConfig;
  organisations: readonly string[];
  timeZone: string;
  outcomes: BookingOutcomes;
  /** Where the last good read is kept; absent: no disk cache. */
  cacheFile?: string;
  log: Logger;
  /** Clock (epoch ms), for tests. */
  now?: () => number;
  /** Replaces the network read (tests of the refresh logic). */
  fetch?: (from: number, to: number) => Promise<CalendarFetch>;
}

/**
 * The room's bookings: read from the calendar every `refreshSeconds`, the last good read kept on
 * disk and in memory so a dead network (or a broken answer) keeps the last known bookings.
 */
export class CalendarService implements BookingLookup {
  readonly events: EventBus<{ changed: undefined }>;
  private texts: string[] = [];
  private parsed: Booking[] = [];
  private window = { from: 0, to: 0 };
  private fetchedAt: string | undefined;
  private lastError: string | undefined;
  private skippedSeen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<boolean> | undefined;
  private readonly log: Logger;

  constructor(private readonly options: CalendarServiceOptions) {
    this.log = options.log;
    this.events = new EventBus((err) => this.log.error({ err }, 'calendar listener failed'));
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Loads the disk cache, then reads the calendar in the background and every refreshSeconds. */
  start(): void {
    const { cacheFile, config } = this.options;
    const cached = cacheFile ? readCalendarCache(cacheFile, config.url) : undefined;
    if (cached) {
      this.fetchedAt = cached.fetchedAt;
      this.use(cached.texts);
      this.log.info({ fetchedAt: cached.fetchedAt, bookings: this.parsed.length }, 'calendar: last known bookings loaded from the cache');
    }
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), config.refreshSeconds * 1000);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads the calendar now. True when it answered; on failure the last known bookings stay. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.readOnce().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async readOnce(): Promise<boolean> {
    const now = this.now();
    const { config } = this.options;
    try {
      const read = this.options.fetch
        ? await this.options.fetch(now - PAST_MS, now + FUTURE_MS)
        : await fetchCalendar({ url: config.url, ...(config.username !== undefined ? { username: config.username } : {}), ...(config.password !== undefined ? { password: config.password } : {}), timeoutSeconds: config.timeoutSeconds }, now - PAST_MS, now + FUTURE_MS);
      this.fetchedAt = new Date(now).toISOString();
      if (this.lastError) this.log.info({ url: describeCalendarUrl(config.url) }, 'calendar: reachable again');
      this.lastError = undefined;
      this.use(read.texts);
      if (this.options.cacheFile) {
        try {
          writeCalendarCache(this.options.cacheFile, { url: config.url, fetchedAt: this.fetchedAt, kind: read.kind, texts: read.texts });
        } catch (err) {
          this.log.warn({ err: (err as Error).message, file: this.options.cacheFile }, 'calendar: cannot write the cache');
        }
      }
      return true;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.log.warn({ err: message, lastGood: this.fetchedAt ?? null }, 'calendar: read failed; keeping the last known bookings');
      this.lastError = message;
      return false;
    }
  }

  private use(texts: string[]): void {
    const now = this.now();
    this.texts = texts;
    this.window = { from: now - PAST_MS, to: now + FUTURE_MS };
    const result = parseCalendars(texts, { ...this.window, timeZone: this.options.timeZone, organisations: this.options.organisations });
    const seen = new Set<string>();
    for (const s of result.skipped) {
      const key = `${s.uid} ${s.reason}`;
      seen.add(key);
      if (!this.skippedSeen.has(key)) this.log.warn({ uid: s.uid, reason: s.reason }, `calendar: event ${s.uid ?? '(no UID)'} skipped: ${s.reason}`);
    }
    this.skippedSeen = seen;
    this.parsed = result.bookings;
    this.events.emit('changed', undefined);
  }

  /** What a booking is now: cancelled, held (a session was started from it), no-show, or upcoming. */
  statusOf(b: Booking, now = this.now()): BookingInfo['status'] {
    if (b.cancelled) return 'cancelled';
    const { outcomes, config } = this.options;
    if (outcomes.isHeld(b.id)) return 'held';
    if (outcomes.isNoShow(b.id) || now >= Date.parse(b.start) + config.noShowMinutes * 60_000) return 'no-show';
    return 'upcoming';
  }

  private view(b: Booking, now: number): BookingInfo {
    return {
      id: b.id,
      start: b.start,
      end: b.end,
      title: b.title,
      ...(b.organisation ? { organisation: b.organisation } : {}),
      ...(b.dial ? { dial: b.dial } : {}),
      status: this.statusOf(b, now),
    };
  }

  /** Bookings overlapping [from, to), by start. Outside the window read from a CalDAV server, only what it sent. */
  list(from: number, to: number): BookingInfo[] {
    const now = this.now();
    const inWindow = from >= this.window.from && to <= this.window.to;
    const source = inWindow
      ? this.parsed
      : parseCalendars(this.texts, { from, to, timeZone: this.options.timeZone, organisations: this.options.organisations }).bookings;
    const overlaps = (b: Booking) => {
      const start = Date.parse(b.start);
      return start < to && (Date.parse(b.end) > from || (b.start === b.end && start >= from));
    };
    return source.filter(overlaps).map((b) => this.view(b, now));
  }

  /** One booking by id (from the bookings read last). */
  booking(id: string): BookingInfo | undefined {
    const b = this.parsed.find((p) => p.id === id);
    return b && this.view(b, this.now());
  }

  /** The next booking today that can still be started (not cancelled, held or missed), or null. */
  nextToday(): BookingInfo | null {
    const now = this.now();
    const today = zonedDay(now, this.options.timeZone);
    for (const b of this.parsed) {
      const start = Date.parse(b.start);
      if (start >= today.end) break;
      if (Date.parse(b.end) <= now) continue;
      const info = this.view(b, now);
      if (info.status === 'upcoming') return info;
    }
    return null;
  }

  /** For /api/v1/health: degraded while the calendar cannot be read (bookings shown are the last known). */
  health(): { ok: boolean; detail?: string } {
    if (!this.lastError) return { ok: true, ...(this.fetchedAt ? { detail: `read ${this.fetchedAt}` } : {}) };
    return { ok: false, detail: `${this.lastError}; showing bookings read ${this.fetchedAt ?? 'never'}` };
  }
}
