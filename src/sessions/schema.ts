import type Database from 'better-sqlite3';

/**
 * Schema migrations, in order. Migration `i` takes the database from `PRAGMA user_version = i` to
 * `i + 1`; each runs in its own transaction together with the version bump, so a crash mid-way
 * leaves the previous version intact. Append new migrations (ALTER TABLE … ADD COLUMN, new
 * indexes); never edit one that has shipped.
 *
 * Times are INTEGER epoch milliseconds. Travel is a JSON column: it is always read and written
 * with its session, never queried on its own, and the per-entry km are frozen at recording time so
 * a later change to `sessions.sites` does not rewrite history.
 */
export type Migration = (db: Database.Database) => void;

export const migrations: readonly Migration[] = [
  // 1: the initial schema.
  (db) => {
    db.exec(`
      CREATE TABLE sessions (
        id               TEXT PRIMARY KEY,
        room             TEXT NOT NULL,
        organisation     TEXT,
        title            TEXT,
        started_at       INTEGER NOT NULL,
        ended_at         INTEGER,
        started_by       TEXT NOT NULL,
        ended_by         TEXT,
        status           TEXT NOT NULL CHECK (status IN ('open', 'closed', 'interrupted')),
        end_reason       TEXT,
        avoided_travel   TEXT NOT NULL DEFAULT '[]',
        km_avoided       REAL NOT NULL DEFAULT 0,
        co2_kg           REAL NOT NULL DEFAULT 0,
        last_activity_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_started_at ON sessions (started_at);
      -- At most one meeting runs at a time: the database itself refuses a second open session.
      CREATE UNIQUE INDEX sessions_one_open ON sessions (status) WHERE status = 'open';

      CREATE TABLE calls (
        id           INTEGER PRIMARY KEY,
        session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        number       TEXT NOT NULL,
        direction    TEXT NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
        started_at   INTEGER NOT NULL,
        connected_at INTEGER,
        ended_at     INTEGER,
        outcome      TEXT
      );
      CREATE INDEX calls_session ON calls (session_id);

      CREATE TABLE faults (
        id         INTEGER PRIMARY KEY,
        session_id TEXT REFERENCES sessions (id) ON DELETE CASCADE,
        at         INTEGER NOT NULL,
        device     TEXT,
        code       TEXT NOT NULL,
        message    TEXT NOT NULL
      );
      CREATE INDEX faults_session ON faults (session_id);

      CREATE TABLE audit (
        id         INTEGER PRIMARY KEY,
        at         INTEGER NOT NULL,
        who        TEXT NOT NULL,
        surface    TEXT NOT NULL,
        device     TEXT,
        command    TEXT NOT NULL,
        args       TEXT,
        ok         INTEGER NOT NULL,
        error_code TEXT,
        latency_ms REAL
      );
      CREATE INDEX audit_at ON audit (at);
    `);
  },
  // 2: bookings. A session remembers the booking it was started from; a booking nobody started
  // is remembered as a no-show (with its organisation: the calendar may forget it later).
  (db) => {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN booking_id TEXT;
      CREATE INDEX sessions_booking ON sessions (booking_id) WHERE booking_id IS NOT NULL;
      CREATE TABLE booking_no_shows (
        booking_id   TEXT PRIMARY KEY,
        organisation TEXT,
        title        TEXT,
        start_at     INTEGER NOT NULL,
        end_at       INTEGER NOT NULL,
        recorded_at  INTEGER NOT NULL
      );
      CREATE INDEX booking_no_shows_start ON booking_no_shows (start_at);
    `);
  },
  // 3: the fleet outbox. A session's `revision` goes up on every change that a fleet collector
  // would store (closing, travel corrected, a call or fault added); `fleet_acked` is the revision
  // the collector confirmed. Closed sessions with revision > fleet_acked are still to be sent.
  // Triggers keep the count, so no write path can forget it; sessions closed before this
  // migration are marked to be sent once (the room's history reaches the fleet when it joins).
  (db) => {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN fleet_acked INTEGER NOT NULL DEFAULT 0;
      UPDATE sessions SET revision = 1 WHERE status != 'open';
      CREATE INDEX sessions_outbox ON sessions (started_at) WHERE revision > fleet_acked;
      CREATE TRIGGER sessions_revision AFTER UPDATE OF status, ended_at, ended_by, end_reason, organisation, title, avoided_travel, km_avoided, co2_kg, booking_id ON sessions
        BEGIN UPDATE sessions SET revision = revision + 1 WHERE id = NEW.id; END;
      CREATE TRIGGER calls_added_revision AFTER INSERT ON calls
        BEGIN UPDATE sessions SET revision = revision + 1 WHERE id = NEW.session_id; END;
      CREATE TRIGGER calls_changed_revision AFTER UPDATE ON calls
        BEGIN UPDATE sessions SET revision = revision + 1 WHERE id = NEW.session_id; END;
      CREATE TRIGGER faults_added_revision AFTER INSERT ON faults
        BEGIN UPDATE sessions SET revision = revision + 1 WHERE id = NEW.session_id; END;
    `);
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = migrations.length;

/**
 * Brings the database up to {@link SCHEMA_VERSION}. Returns the versions it went through (empty
 * when already current). A database from a newer roomd is refused rather than misread.
 */
export function migrate(db: Database.Database, list: readonly Migration[] = migrations): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > list.length) {
    throw new Error(
      `session database schema version ${from} is newer than this roomd understands (${list.length}): upgrade roomd or restore a backup`,
    );
  }
  for (let v = from; v < list.length; v++) {
    db.transaction(() => {
      list[v](db);
      // PRAGMA does not take bound parameters; v is an integer we control.
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return { from, to: list.length };
}
