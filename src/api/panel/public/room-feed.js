import { roomDay } from './bookings.js';
import { stored } from './storage.js';

/** Where the id of the interrupted session someone already acknowledged is kept. */
export const CRASH_KEY = 'roomd.panel.seenInterrupted';

/**
 * What the panel reads over REST with its token, beside the WebSocket's snapshot, and keeps in the
 * app's state: its config, the last session (was it interrupted?), today's bookings and the last
 * self-test. All are read again on every (re)connect. The WebSocket says when the bookings and the
 * self-test change: a `meeting` message whose `next` booking moved on (a start, a cancellation, the
 * calendar re-read), and a `selftest` message with each result; the bookings are also re-read every
 * minute (a booking's time passing changes nothing on the wire).
 */
export class RoomFeed {
  constructor({ api, state, render }) {
    this.api = api;
    this.state = state;
    this.render = render;
    this.nextSeen = undefined;
  }

  /** After a (re)connect: everything is read again, the bookings once the config says whether there is a calendar. */
  reload() {
    this.nextSeen = undefined;
    void this.loadConfig().then(() => this.loadBookings());
    void this.loadSelfTest();
    void this.loadLastSession();
  }

  /** `/api/v1/panel/config`: what the snapshot lacks (directory, sites, inputs, time zone, calendar). */
  async loadConfig() {
    const result = await this.api('GET', '/api/v1/panel/config');
    if (result.ok) {
      this.state.config = { inputs: {}, ...result.data };
      this.render();
    }
  }

  /** After a restart: was the last meeting cut short (closed `interrupted`)? Shown once per session. */
  async loadLastSession() {
    const result = await this.api('GET', '/api/v1/sessions?limit=1');
    const last = result.ok ? result.data?.sessions?.[0] : undefined;
    this.state.interrupted = last?.status === 'interrupted' && stored(localStorage, CRASH_KEY) !== last.id ? { id: last.id, startedAt: last.startedAt } : undefined;
    this.render();
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
}
