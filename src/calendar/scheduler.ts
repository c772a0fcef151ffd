import type { CalendarConfig } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import type { BookingInfo, MeetingController } from '../core/meeting.ts';
import type { BookingOutcomes, CalendarService } from './service.ts';

/** A meeting booked until E ends at E + this, when no call is up. */
export const AUTO_END_GRACE_MS = 10 * 60_000;
const TICK_MS = 15_000;
const DAY_MS = 86_400_000;

export interface SchedulerOptions {
  config: CalendarConfig;
  outcomes: BookingOutcomes;
  /** Warm-up and self-test, `prepareMinutes` before a booking. */
  prepare?: (booking: BookingInfo) => Promise<unknown>;
  log: Logger;
  now?: () => number;
}

/**
 * What time does to bookings: the room is prepared before each one, a booking nobody started is
 * counted as a no-show, a meeting started from a booking ends after it (never during a call), and
 * the meeting state carries the next booking today. Every step is driven by {@link tick}, which a
 * timer calls every 15 s and tests call with their own clock.
 */
export class BookingScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly prepared = new Set<string>();
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly calendar: CalendarService,
    private readonly meeting: MeetingController,
    private readonly options: SchedulerOptions,
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  start(): void {
    this.calendar.events.on('changed', () => void this.tick(), this);
    // A start from a booking makes it `held`: the next booking moves on at once.
    this.meeting.events.on('meeting', () => this.meeting.setNext(this.calendar.nextToday()), this);
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref?.();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.calendar.events.removeOwner(this);
    this.meeting.events.removeOwner(this);
  }

  /** One pass; concurrent calls share it. */
  tick(): Promise<void> {
    this.ticking ??= this.run().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async run(): Promise<void> {
    const now = this.now();
    const { config, outcomes, log } = this.options;
    const prepareMs = config.prepareMinutes * 60_000;
    for (const b of this.calendar.list(now - DAY_MS, now + prepareMs + 60_000)) {
      if (b.status === 'cancelled') continue;
      const start = Date.parse(b.start);
      if (prepareMs > 0 && now >= start - prepareMs && now < start && !this.prepared.has(b.id)) {
        this.prepared.add(b.id);
        log.info({ booking: b.id, start: b.start, organisation: b.organisation }, 'booking soon: preparing the room');
        if (this.options.prepare) void this.options.prepare(b).catch((err) => log.error({ err, booking: b.id }, 'preparing the room failed'));
      }
      if (b.status === 'no-show' && !outcomes.isNoShow(b.id)) {
        if (outcomes.recordNoShow({ id: b.id, organisation: b.organisation ?? null, title: b.title || null, start, end: Date.parse(b.end) }, now)) {
          log.info({ booking: b.id, start: b.start, organisation: b.organisation ?? null, title: b.title }, `booking not started ${config.noShowMinutes} min after its start: no-show`);
        }
      }
    }
    await this.autoEnd(now);
    this.meeting.setNext(this.calendar.nextToday());
  }

  private async autoEnd(now: number): Promise<void> {
    const { active, session } = this.meeting.current;
    if (!this.options.config.autoEnd || !active || !session?.bookingId) return;
    const booking = this.calendar.booking(session.bookingId);
    if (!booking || now < Date.parse(booking.end) + AUTO_END_GRACE_MS) return;
    try {
      const ended = await this.meeting.endUnlessInCall('booking', 'auto-booking-end');
      if (!ended) this.options.log.debug({ booking: booking.id }, 'booking over but a call is up: the meeting stays');
    } catch (err) {
      this.options.log.error({ err }, 'ending the booked meeting failed');
    }
  }
}
