import type Database from 'better-sqlite3';
import { compareOrganisations } from './organisation-order.ts';

/** A booking as the ledger remembers it. Times are epoch ms. */
export interface LedgerBooking {
  id: string;
  organisation?: string | null;
  title?: string | null;
  start: number;
  end: number;
}

/** Bookings booked, held and missed, per organisation (no organisation: null, listed last). */
export interface BookingTotals {
  booked: number;
  held: number;
  noShows: number;
}

export interface BookingReport extends BookingTotals {
  byOrganisation: Array<{ organisation: string | null } & BookingTotals>;
}

/**
 * What happened to each booking, in the session database: `held` is read from the sessions
 * started from it (`sessions.booking_id`), `no-show` from `booking_no_shows`. A booking started
 * late, after it was counted as a no-show, counts as held: the session wins.
 */
export class BookingLedger {
  private readonly stmt: {
    held: Database.Statement;
    noShow: Database.Statement;
    record: Database.Statement;
  };

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      held: db.prepare('SELECT 1 FROM sessions WHERE booking_id = ? LIMIT 1'),
      noShow: db.prepare('SELECT 1 FROM booking_no_shows WHERE booking_id = ? AND booking_id NOT IN (SELECT booking_id FROM sessions WHERE booking_id IS NOT NULL)'),
      record: db.prepare(
        'INSERT OR IGNORE INTO booking_no_shows (booking_id, organisation, title, start_at, end_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** Whether a session was started from this booking. */
  isHeld(bookingId: string): boolean {
    return this.stmt.held.get(bookingId) !== undefined;
  }

  /** Whether it was counted as a no-show (and never started since). */
  isNoShow(bookingId: string): boolean {
    return this.stmt.noShow.get(bookingId) !== undefined;
  }

  /** Counts a booking as a no-show; true the first time, false if it already was one. */
  recordNoShow(booking: LedgerBooking, at: number): boolean {
    const r = this.stmt.record.run(booking.id, booking.organisation ?? null, booking.title ?? null, booking.start, booking.end, at);
    return r.changes > 0;
  }

  /** Held bookings (by session start) and no-shows (by booking start) in [from, to). */
  report(from: number | null, to: number | null): BookingReport {
    const range = (column: string) => `${from === null ? '1' : `${column} >= @from`} AND ${to === null ? '1' : `${column} < @to`}`;
    const params = { ...(from === null ? {} : { from }), ...(to === null ? {} : { to }) };
    const held = this.db
      .prepare(`SELECT organisation, count(DISTINCT booking_id) AS n FROM sessions WHERE booking_id IS NOT NULL AND ${range('started_at')} GROUP BY organisation`)
      .all(params) as Array<{ organisation: string | null; n: number }>;
    const missed = this.db
      .prepare(
        `SELECT organisation, count(*) AS n FROM booking_no_shows
         WHERE booking_id NOT IN (SELECT booking_id FROM sessions WHERE booking_id IS NOT NULL) AND ${range('start_at')} GROUP BY organisation`,
      )
      .all(params) as Array<{ organisation: string | null; n: number }>;
    const byOrg = new Map<string | null, BookingTotals>();
    const entry = (org: string | null) => {
      let t = byOrg.get(org);
      if (!t) byOrg.set(org, (t = { booked: 0, held: 0, noShows: 0 }));
      return t;
    };
    for (const r of held) (entry(r.organisation).held += r.n), (entry(r.organisation).booked += r.n);
    for (const r of missed) (entry(r.organisation).noShows += r.n), (entry(r.organisation).booked += r.n);
    const byOrganisation = [...byOrg]
      .map(([organisation, t]) => ({ organisation, ...t }))
      .sort((a, b) => b.booked - a.booked || compareOrganisations(a.organisation, b.organisation));
    const sum = (k: keyof BookingTotals) => byOrganisation.reduce((n, o) => n + o[k], 0);
    return { booked: sum('booked'), held: sum('held'), noShows: sum('noShows'), byOrganisation };
  }
}
