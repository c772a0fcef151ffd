import { dirname, join } from 'node:path';
import type { RoomdConfig } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import type { MeetingController } from '../core/meeting.ts';
import type { Room } from '../core/room.ts';
import type { SessionStore } from '../sessions/store.ts';
import { systemTimeZone } from '../sessions/time.ts';
import { warmUpAndTest } from '../selftest/warm-up.ts';
import type { SelfTestService } from '../selftest/service.ts';
import { BookingScheduler } from './scheduler.ts';
import { CalendarService, MemoryOutcomes, type BookingOutcomes } from './service.ts';

export { CalendarService } from './service.ts';
export { BookingScheduler, AUTO_END_GRACE_MS } from './scheduler.ts';

/** Bookings running in a daemon: the calendar and what time does to its bookings. */
export interface Bookings {
  calendar: CalendarService;
  scheduler: BookingScheduler;
  stop(): void;
}

/** The disk cache of the calendar lives next to the session database (none for an in-memory one). */
export function calendarCacheFile(config: RoomdConfig): string | undefined {
  const db = config.sessions?.database;
  if (!db || db === ':memory:') return undefined;
  return join(dirname(db), 'calendar-cache.json');
}

/** Starts the calendar (cache first, then the network) and its scheduler; connects the meeting to it. */
export function startBookings(deps: {
  config: RoomdConfig;
  room: Room;
  meeting: MeetingController;
  sessions?: SessionStore;
  selftest: SelfTestService;
  log: Logger;
  now?: () => number;
}): Bookings | undefined {
  const { config, room, meeting, sessions, selftest, log } = deps;
  const section = config.calendar;
  if (!section) return undefined;
  const outcomes: BookingOutcomes = sessions?.bookings ?? followHeld(meeting, new MemoryOutcomes());
  const calendarLog = log.child({ module: 'calendar' });
  const cacheFile = calendarCacheFile(config);
  const calendar = new CalendarService({
    config: section,
    organisations: config.room.organisations,
    timeZone: config.room.timezone ?? systemTimeZone(),
    outcomes,
    ...(cacheFile ? { cacheFile } : {}),
    log: calendarLog,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const scheduler = new BookingScheduler(calendar, meeting, {
    config: section,
    outcomes,
    prepare: () => warmUpAndTest(room, selftest, calendarLog),
    log: calendarLog,
    ...(deps.now ? { now: deps.now } : {}),
  });
  meeting.useBookings(calendar);
  calendar.start();
  scheduler.start();
  return {
    calendar,
    scheduler,
    stop() {
      scheduler.stop();
      calendar.stop();
      meeting.useBookings(undefined);
    },
  };
}

/** Without a session database, a booking is held when a meeting is started from it here. */
function followHeld(meeting: MeetingController, outcomes: MemoryOutcomes): MemoryOutcomes {
  meeting.events.on('meeting', (state) => {
    if (state.session?.bookingId) outcomes.held.add(state.session.bookingId);
  }, outcomes);
  return outcomes;
}
