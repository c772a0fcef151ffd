import { roomDay } from './bookings.js';

/**
 * Today's bookings and the last self-test, read over REST with the panel's token and kept in the
 * app's state. The WebSocket says when they change: a `meeting` message whose `next` booking moved
 * on (a start, a cancellation, the calendar re-read), and a `selftest` message with each result;
 * the list is also re-read every minute (a booking's time passing changes nothing on the wire).
 */
export class CalendarFeed {
  constructor({ api, state, render }) {
    this.api = api;
    this.state = state;
    this.render = render;
    this.nextSeen = undefined;
  }

  /** Today's bookings (the room's day, in its time zone), when the room has a calendar. */
  async loadBookings() {
    const { config } = this.state;
    if (!config.bookings) {
      this.state.bookings = undefined;
      return;
    }
    const day = roomDay(Date.now(), config.timeZone);
    const result = await this.api('GET', `/api/v1/bookings?from=${day}&to=${day}`);
    if (result.ok) {
      this.state.bookings = result.data?.bookings ?? [];
      this.render();
    }
  }

  /** The last self-test (none before the first run: the daemon answers 404). */
  async loadSelfTest() {
    const result = await this.api('GET', '/api/v1/selftest');
    if (result.ok) this.state.selftest = result.data;
    else if (result.code === 'NotFound') this.state.selftest = undefined;
    this.render();
  }

  /** Every meeting state carries the core's next booking today: when it changes, so did the list. */
  onMeeting(meeting) {
    const seen = JSON.stringify(meeting?.next ?? null);
    if (seen === this.nextSeen) return;
    this.nextSeen = seen;
    void this.loadBookings();
  }

  /** After a reconnect everything is read again. */
  reset() {
    this.nextSeen = undefined;
  }
}
