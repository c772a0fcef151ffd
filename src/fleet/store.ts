import type Database from 'better-sqlite3';
import { openDatabase } from '../sessions/open-db.ts';
import type { Migration } from '../sessions/schema.ts';
import { buildReport, type ReportTotals } from '../sessions/report.ts';
import { toMs, systemTimeZone } from '../sessions/time.ts';
import type { SessionRecord } from '../sessions/types.ts';
import type { FleetSession } from './messages.ts';

/**
 * The collector's SQLite file. Rooms are what their retained topics last said; sessions are kept
 * whole (the JSON a room sent) with the columns reports need. Append migrations, never edit one.
 */
const fleetMigrations: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE rooms (
        id           TEXT PRIMARY KEY,
        online       INTEGER NOT NULL DEFAULT 0,
        meeting      INTEGER NOT NULL DEFAULT 0,
        selftest     TEXT,
        last_seen    INTEGER NOT NULL
      );
      CREATE TABLE devices (
        room         TEXT NOT NULL,
        device       TEXT NOT NULL,
        name         TEXT,
        online       INTEGER NOT NULL,
        PRIMARY KEY (room, device)
      );
      CREATE TABLE sessions (
        room             TEXT NOT NULL,
        id               TEXT NOT NULL,
        revision         INTEGER NOT NULL,
        started_at       INTEGER NOT NULL,
        organisation     TEXT,
        status           TEXT NOT NULL,
        duration_min     INTEGER,
        last_activity_at TEXT NOT NULL,
        km_avoided       REAL NOT NULL,
        co2_kg           REAL NOT NULL,
        record           TEXT NOT NULL,
        received_at      INTEGER NOT NULL,
        PRIMARY KEY (room, id)
      );
      CREATE INDEX sessions_started_at ON sessions (started_at);
    `);
  },
];

/** A room as the fleet sees it. */
export interface FleetRoom {
  id: string;
  name: string | null;
  online: boolean;
  meeting: { active: boolean };
  selftest?: unknown;
  /**
   * What is wrong now: every device whose retained state says it is offline. `code` is for
   * clients to word it in their language (the fleet page does); `message` is the English default.
   */
  faults: Array<{ device: string; name: string | null; code: 'offline'; message: string }>;
  /** ISO time of the last message heard from the room; null for a configured room never heard from. */
  lastSeen: string | null;
}

export interface FleetReport extends ReportTotals {
  from: string | null;
  to: string | null;
  byRoom: Array<{ room: string } & ReportTotals>;
  byOrganisation: Array<{ organisation: string | null } & ReportTotals>;
  byMonth: Array<{ month: string } & ReportTotals>;
}

export interface FleetStoreOptions {
  path: string;
  timeZone?: string;
  /** Display names of rooms, from the config (rooms do not publish theirs). */
  names?: Record<string, string>;
  now?: () => number;
}

/** One collector's store. Synchronous (better-sqlite3); every write is one short transaction. */
export class FleetStore {
  readonly timeZone: string;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly names: Record<string, string>;
  private readonly stmt: Record<'seen' | 'known' | 'online' | 'meeting' | 'selftest' | 'device' | 'upsert', Database.Statement>;

  constructor(options: FleetStoreOptions) {
    this.db = openDatabase({ path: options.path, migrations: fleetMigrations }).db;
    this.timeZone = options.timeZone ?? systemTimeZone();
    this.now = options.now ?? Date.now;
    this.names = options.names ?? {};
    // A retained message replayed at (re)subscribe is old news: it makes a room known, not "seen now".
    const seen = 'INSERT INTO rooms (id, last_seen) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)';
    const known = 'INSERT OR IGNORE INTO rooms (id, last_seen) VALUES (?, ?)';
    this.stmt = {
      seen: this.db.prepare(seen),
      known: this.db.prepare(known),
      online: this.db.prepare('UPDATE rooms SET online = ? WHERE id = ?'),
      meeting: this.db.prepare('UPDATE rooms SET meeting = ? WHERE id = ?'),
      selftest: this.db.prepare('UPDATE rooms SET selftest = ? WHERE id = ?'),
      device: this.db.prepare(
        'INSERT INTO devices (room, device, name, online) VALUES (?, ?, ?, ?) ON CONFLICT (room, device) DO UPDATE SET name = excluded.name, online = excluded.online',
      ),
      // Only a higher revision replaces a stored copy: a duplicate or a late older copy changes nothing.
      upsert: this.db.prepare(`
        INSERT INTO sessions (room, id, revision, started_at, organisation, status, duration_min, last_activity_at, km_avoided, co2_kg, record, received_at)
        VALUES (@room, @id, @revision, @startedAt, @organisation, @status, @durationMin, @lastActivityAt, @kmAvoided, @co2Kg, @record, @receivedAt)
        ON CONFLICT (room, id) DO UPDATE SET
          revision = excluded.revision, started_at = excluded.started_at, organisation = excluded.organisation,
          status = excluded.status, duration_min = excluded.duration_min, last_activity_at = excluded.last_activity_at,
          km_avoided = excluded.km_avoided, co2_kg = excluded.co2_kg, record = excluded.record, received_at = excluded.received_at
        WHERE excluded.revision > sessions.revision`),
    };
  }

  close(): void {
    this.db.close();
  }

  private touch(room: string, live: boolean): void {
    (live ? this.stmt.seen : this.stmt.known).run(room, this.now());
  }

  setOnline(room: string, online: boolean, live = true): void {
    this.db.transaction(() => {
      this.touch(room, live);
      this.stmt.online.run(online ? 1 : 0, room);
    })();
  }

  setMeeting(room: string, active: boolean, live = true): void {
    this.db.transaction(() => {
      this.touch(room, live);
      this.stmt.meeting.run(active ? 1 : 0, room);
    })();
  }

  setSelftest(room: string, result: unknown, live = true): void {
    this.db.transaction(() => {
      this.touch(room, live);
      this.stmt.selftest.run(JSON.stringify(result), room);
    })();
  }

  setDevice(room: string, device: string, name: string | null, online: boolean, live = true): void {
    this.db.transaction(() => {
      this.touch(room, live);
      this.stmt.device.run(room, device, name, online ? 1 : 0);
    })();
  }

  /** A device's retained state was cleared (the room removed it). */
  removeDevice(room: string, device: string): void {
    this.db.prepare('DELETE FROM devices WHERE room = ? AND device = ?').run(room, device);
  }

  /**
   * Stores a session unless a copy at the same or a higher revision is already there. Returns
   * whether anything changed. Committed when it returns: the caller acks after this.
   */
  upsertSession(session: FleetSession): boolean {
    return this.db.transaction(() => {
      this.touch(session.room, true);
      return (
        this.stmt.upsert.run({
          room: session.room,
          id: session.id,
          revision: session.revision,
          startedAt: Date.parse(session.startedAt),
          organisation: session.organisation ?? null,
          status: session.status,
          durationMin: session.durationMin ?? null,
          lastActivityAt: session.lastActivityAt ?? session.startedAt,
          kmAvoided: session.kmAvoided,
          co2Kg: session.co2Kg,
          record: JSON.stringify(session),
          receivedAt: this.now(),
        }).changes > 0
      );
    })();
  }

  /** The stored revision of a session, or undefined. */
  revisionOf(room: string, id: string): number | undefined {
    const row = this.db.prepare('SELECT revision FROM sessions WHERE room = ? AND id = ?').get(room, id) as { revision: number } | undefined;
    return row?.revision;
  }

  rooms(): FleetRoom[] {
    const rooms = this.db.prepare('SELECT * FROM rooms ORDER BY id').all() as Array<{ id: string; online: number; meeting: number; selftest: string | null; last_seen: number }>;
    const offline = this.db.prepare('SELECT room, device, name FROM devices WHERE online = 0 ORDER BY room, device').all() as Array<{ room: string; device: string; name: string | null }>;
    const seen = rooms.map((r): FleetRoom => ({
      id: r.id,
      name: this.names[r.id] ?? null,
      online: r.online === 1,
      meeting: { active: r.meeting === 1 },
      ...(r.selftest !== null ? { selftest: JSON.parse(r.selftest) as unknown } : {}),
      faults: offline.filter((d) => d.room === r.id).map((d) => ({ device: d.device, name: d.name, code: 'offline' as const, message: `${d.name ?? d.device} is offline` })),
      lastSeen: new Date(r.last_seen).toISOString(),
    }));
    // A room named in the config but never heard from (not installed yet, or its broker link never
    // worked) is shown offline, so that a silent room is seen rather than missing from the list.
    const heard = new Set(rooms.map((r) => r.id));
    const unheard = Object.keys(this.names)
      .filter((id) => !heard.has(id))
      .map((id): FleetRoom => ({ id, name: this.names[id] ?? null, online: false, meeting: { active: false }, faults: [], lastSeen: null }));
    return [...seen, ...unheard].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Sessions (whole records) in range, by room then start. Throws BadArgs for an invalid date. */
  sessions(range: { from?: string; to?: string } = {}): Array<SessionRecord & { revision: number }> {
    const { sql, params } = this.range(range);
    const rows = this.db.prepare(`SELECT record FROM sessions ${sql} ORDER BY room, started_at, id`).all(...params) as Array<{ record: string }>;
    return rows.map((r) => JSON.parse(r.record) as SessionRecord & { revision: number });
  }

  /** Totals, per room, per organisation and per month (months in the collector's time zone). */
  report(range: { from?: string; to?: string } = {}): FleetReport {
    const { sql, params, from, to } = this.range(range);
    const rows = this.db
      .prepare(`SELECT room, organisation, started_at, duration_min, status, last_activity_at, km_avoided, co2_kg FROM sessions ${sql}`)
      .all(...params) as Array<{ room: string; organisation: string | null; started_at: number; duration_min: number | null; status: string; last_activity_at: string; km_avoided: number; co2_kg: number }>;
    const inputs = rows.map((r) => ({
      room: r.room,
      organisation: r.organisation,
      startedAt: new Date(r.started_at).toISOString(),
      durationMin: r.duration_min,
      status: r.status as SessionRecord['status'],
      lastActivityAt: r.last_activity_at,
      kmAvoided: r.km_avoided,
      co2Kg: r.co2_kg,
    }));
    const all = buildReport(inputs, { timeZone: this.timeZone, from, to });
    const byRoom = new Map<string, typeof inputs>();
    for (const s of inputs) byRoom.set(s.room, [...(byRoom.get(s.room) ?? []), s]);
    return {
      from: all.from,
      to: all.to,
      sessions: all.sessions,
      interrupted: all.interrupted,
      minutes: all.minutes,
      kmAvoided: all.kmAvoided,
      co2Kg: all.co2Kg,
      byRoom: [...byRoom.keys()].sort().map((room) => {
        const { sessions, interrupted, minutes, kmAvoided, co2Kg } = buildReport(byRoom.get(room)!, { timeZone: this.timeZone });
        return { room, sessions, interrupted, minutes, kmAvoided, co2Kg };
      }),
      byOrganisation: all.byOrganisation,
      byMonth: all.byMonth,
    };
  }

  private range(range: { from?: string; to?: string }): { sql: string; params: number[]; from: number | null; to: number | null } {
    const from = range.from === undefined ? null : toMs(range.from, 'from', this.timeZone, 'from');
    const to = range.to === undefined ? null : toMs(range.to, 'to', this.timeZone, 'to');
    const clauses: string[] = [];
    const params: number[] = [];
    if (from !== null) clauses.push('started_at >= ?'), params.push(from);
    if (to !== null) clauses.push('started_at < ?'), params.push(to);
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params, from, to };
  }
}
