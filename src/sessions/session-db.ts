import { statSync } from 'node:fs';
import { BookingLedger } from './booking-ledger.ts';
import type Database from 'better-sqlite3';
import { openDatabase, type OpenDbOptions } from './open-db.ts';
import type { AuditRowValues } from './audit-log.ts';
import { type CallRow, type FaultRow, type SessionRow, toCallRecord, toSessionRecord } from './rows.ts';
import type { AuditRecord, CallPatch, CallRecord, SessionRecord } from './types.ts';
import type { WriteOp } from './write-ops.ts';

/** Where a pass over the fleet outbox stopped: the last row's (started_at, id). */
export interface OutboxCursor {
  startedAt: number;
  id: string;
}

/** Which file a connection has open: a different identity at the same path means it was replaced. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file at `path`, or undefined if there is none. Never throws. */
export function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const s = statSync(path);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return undefined;
  }
}

/**
 * One open connection to the session database and all of its SQL. No policy lives here: errors
 * (SQLITE_FULL, SQLITE_READONLY, a closed handle...) propagate to the store, which decides what a
 * fault means for the room.
 */
export class SessionDb {
  readonly identity: FileIdentity | undefined;
  private readonly stmt: {
    byId: Database.Statement;
    open: Database.Statement;
    calls: Database.Statement;
    faults: Database.Statement;
    touch: Database.Statement;
    audit: Database.Statement;
  };
  private readonly writeAudit: (rows: AuditRowValues[]) => void;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    readonly version: number,
    readonly migratedFrom: number,
  ) {
    this.identity = fileIdentity(path);
    this.stmt = {
      byId: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      open: db.prepare("SELECT * FROM sessions WHERE status = 'open' ORDER BY started_at DESC LIMIT 1"),
      calls: db.prepare('SELECT * FROM calls WHERE session_id = ? ORDER BY started_at, id'),
      faults: db.prepare('SELECT * FROM faults WHERE session_id = ? ORDER BY at, id'),
      touch: db.prepare('UPDATE sessions SET last_activity_at = max(last_activity_at, ?) WHERE id = ?'),
      audit: db.prepare('INSERT INTO audit (at, who, surface, device, command, args, ok, error_code, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    };
    this.writeAudit = db.transaction((rows: AuditRowValues[]) => {
      for (const r of rows) this.stmt.audit.run(...r);
    });
  }

  /** Opens (creating, migrating) the file; throws SessionDatabaseError. */
  static open(options: OpenDbOptions): SessionDb {
    const { db, migratedFrom, version } = openDatabase(options);
    return new SessionDb(db, options.path, version, migratedFrom);
  }

  /** Whether the file at the path is still the one this connection has open. */
  fileState(): 'same' | 'deleted' | 'replaced' {
    const now = fileIdentity(this.path);
    if (!now) return 'deleted';
    if (this.identity && (now.ino !== this.identity.ino || now.dev !== this.identity.dev)) return 'replaced';
    return 'same';
  }

  /**
   * Writes a complete copy of what this connection sees (the unlinked file's committed content)
   * to `target`: how a database deleted while roomd runs is put back.
   */
  copyTo(target: string): void {
    this.db.prepare('VACUUM INTO ?').run(target);
  }

  /**
   * Closed sessions the fleet collector has not confirmed at their current revision, oldest first,
   * after `after` (a keyset cursor, so one pass over a long backlog reads each row once).
   */
  outboxRows(limit: number, after?: OutboxCursor): Array<{ record: SessionRecord; revision: number; cursor: OutboxCursor }> {
    const rows = this.db
      .prepare(
        `SELECT * FROM sessions WHERE revision > fleet_acked AND status != 'open' AND (started_at, id) > (?, ?)
         ORDER BY started_at, id LIMIT ?`,
      )
      .all(after?.startedAt ?? -Infinity, after?.id ?? '', limit) as Array<SessionRow & { revision: number }>;
    return rows.map((row) => ({ record: this.record(row), revision: row.revision, cursor: { startedAt: row.started_at, id: row.id } }));
  }

  /** One closed session as the outbox would send it, or undefined (open, unknown). */
  outboxRow(id: string): { record: SessionRecord; revision: number } | undefined {
    const row = this.db.prepare("SELECT * FROM sessions WHERE id = ? AND status != 'open'").get(id) as (SessionRow & { revision: number }) | undefined;
    return row && { record: this.record(row), revision: row.revision };
  }

  /** The collector stored `id` at `revision`: nothing to send until the next change. */
  outboxAck(id: string, revision: number): boolean {
    return this.db.prepare('UPDATE sessions SET fleet_acked = ? WHERE id = ? AND fleet_acked < ? AND ? <= revision').run(revision, id, revision, revision).changes > 0;
  }

  private bookingLedger: BookingLedger | undefined;

  /** Bookings held and missed, in this file. */
  ledger(): BookingLedger {
    return (this.bookingLedger ??= new BookingLedger(this.db));
  }

  /** A read that touches the file (health). */
  ping(): void {
    this.db.prepare('SELECT count(*) FROM sessions').get();
  }

  /**
   * Applies one write. Session rows (start, end, travel) are committed with `synchronous = FULL`:
   * the connection default is NORMAL, which in WAL mode survives kill -9 but may lose the last
   * commits on power loss — a real risk for a room whose power strip is switched off at night.
   * Session rows are rare and must survive both, so they pay one fsync (~1–3 ms).
   */
  apply(op: WriteOp): void {
    const run = () => this.run(op);
    if (op.kind === 'start' || op.kind === 'end' || op.kind === 'travel') {
      this.db.pragma('synchronous = FULL');
      try {
        this.db.transaction(run).immediate();
      } finally {
        this.db.pragma('synchronous = NORMAL');
      }
    } else {
      this.db.transaction(run)();
    }
  }

  private run(op: WriteOp): void {
    switch (op.kind) {
      case 'start':
        // OR IGNORE: replaying a start that did reach the disk before its error was seen is harmless.
        this.db
          .prepare(
            `INSERT OR IGNORE INTO sessions (id, room, organisation, title, started_at, started_by, status, avoided_travel, km_avoided, co2_kg, last_activity_at, booking_id)
             VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)`,
          )
          .run(op.id, op.room, op.organisation, op.title, op.at, op.startedBy, JSON.stringify(op.travel.entries), op.travel.km, op.travel.co2, op.at, op.bookingId ?? null);
        return;
      case 'end':
        this.db
          .prepare(
            `UPDATE sessions SET status = 'closed', ended_at = max(?, started_at), ended_by = ?, end_reason = ?, last_activity_at = max(last_activity_at, ?),
               avoided_travel = coalesce(?, avoided_travel), km_avoided = coalesce(?, km_avoided), co2_kg = coalesce(?, co2_kg)
             WHERE id = ? AND status = 'open'`,
          )
          .run(op.at, op.endedBy, op.reason, op.at, op.travel ? JSON.stringify(op.travel.entries) : null, op.travel?.km ?? null, op.travel?.co2 ?? null, op.id);
        return;
      case 'travel':
        this.db
          .prepare('UPDATE sessions SET avoided_travel = ?, km_avoided = ?, co2_kg = ? WHERE id = ?')
          .run(JSON.stringify(op.travel.entries), op.travel.km, op.travel.co2, op.id);
        return;
      case 'call':
        this.db
          .prepare('INSERT INTO calls (session_id, number, direction, started_at, connected_at, ended_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(op.sessionId, op.number, op.direction, op.startedAt, op.connectedAt, op.endedAt, op.outcome);
        this.stmt.touch.run(op.startedAt, op.sessionId);
        return;
      case 'fault':
        this.db
          .prepare('INSERT INTO faults (session_id, at, device, code, message) VALUES (?, ?, ?, ?, ?)')
          .run(op.sessionId, op.at, op.device, op.code, op.message);
        if (op.sessionId !== null) this.stmt.touch.run(op.at, op.sessionId);
        return;
      case 'touch':
        this.stmt.touch.run(op.at, op.id);
        return;
    }
  }

  /** Fills in a call's connection, end and outcome; undefined for an unknown call. */
  updateCall(callId: number, patch: { connectedAt?: number | null; endedAt?: number | null; outcome?: CallPatch['outcome'] }): CallRecord | undefined {
    const row = this.db.prepare('SELECT * FROM calls WHERE id = ?').get(callId) as CallRow | undefined;
    if (!row) return undefined;
    const next: CallRow = {
      ...row,
      connected_at: patch.connectedAt === undefined ? row.connected_at : patch.connectedAt,
      ended_at: patch.endedAt === undefined ? row.ended_at : patch.endedAt,
      outcome: patch.outcome === undefined ? row.outcome : patch.outcome ?? null,
    };
    this.db.prepare('UPDATE calls SET connected_at = ?, ended_at = ?, outcome = ? WHERE id = ?').run(next.connected_at, next.ended_at, next.outcome, callId);
    this.stmt.touch.run(Math.max(next.connected_at ?? 0, next.ended_at ?? 0), row.session_id);
    return toCallRecord(next);
  }

  /** The id of the last call inserted (addCall answers with the stored record). */
  lastCall(sessionId: string): CallRecord | undefined {
    const row = this.db.prepare('SELECT * FROM calls WHERE session_id = ? ORDER BY id DESC LIMIT 1').get(sessionId) as CallRow | undefined;
    return row && toCallRecord(row);
  }

  row(id: string): SessionRow | undefined {
    return this.stmt.byId.get(id) as SessionRow | undefined;
  }

  record(row: SessionRow): SessionRecord {
    return toSessionRecord(row, this.stmt.calls.all(row.id) as CallRow[], this.stmt.faults.all(row.id) as FaultRow[]);
  }

  get(id: string): SessionRecord | undefined {
    const row = this.row(id);
    return row && this.record(row);
  }

  openRow(): SessionRow | undefined {
    return this.stmt.open.get() as SessionRow | undefined;
  }

  /** Every open row (at start-up, those of a roomd that died). */
  openRows(): SessionRow[] {
    return this.db.prepare("SELECT * FROM sessions WHERE status = 'open'").all() as SessionRow[];
  }

  /** The latest call or fault time of a session (0 if none). */
  lastSeen(id: string): number {
    const seen = this.db
      .prepare(
        `SELECT max(
           (SELECT coalesce(max(max(started_at, coalesce(connected_at, 0), coalesce(ended_at, 0))), 0) FROM calls WHERE session_id = ?),
           (SELECT coalesce(max(at), 0) FROM faults WHERE session_id = ?)) AS at`,
      )
      .get(id, id) as { at: number };
    return seen.at;
  }

  /** Closes an open row as interrupted with a fault saying so (durably). */
  markInterrupted(id: string, last: number, now: number, message: string): void {
    this.db.pragma('synchronous = FULL');
    try {
      this.db
        .transaction(() => {
          this.db.prepare(`UPDATE sessions SET status = 'interrupted', end_reason = 'interrupted', ended_at = NULL, last_activity_at = ? WHERE id = ?`).run(last, id);
          this.db.prepare('INSERT INTO faults (session_id, at, device, code, message) VALUES (?, ?, NULL, ?, ?)').run(id, now, 'Interrupted', message);
        })
        .immediate();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  count(where: string, params: unknown[]): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM sessions ${where}`).get(...params) as { n: number }).n;
  }

  /** Session rows matching `where`, in `order`, optionally paged. */
  rows(where: string, params: unknown[], order: string, page?: { limit: number; offset: number }): SessionRow[] {
    const paging = page ? ' LIMIT ? OFFSET ?' : '';
    const args = page ? [...params, page.limit, page.offset] : params;
    return this.db.prepare(`SELECT * FROM sessions ${where} ORDER BY ${order}${paging}`).all(...args) as SessionRow[];
  }

  insertAudit(rows: AuditRowValues[]): void {
    this.writeAudit(rows);
  }

  pruneAudit(beforeMs: number): number {
    return this.db.prepare('DELETE FROM audit WHERE at < ?').run(beforeMs).changes;
  }

  auditRows(from: number, to: number, limit: number): AuditRecord[] {
    const rows = this.db.prepare('SELECT * FROM audit WHERE at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?').all(from, to, limit) as AuditRow[];
    return rows.map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      who: r.who,
      surface: r.surface,
      device: r.device,
      command: r.command,
      args: r.args === null ? null : (JSON.parse(r.args) as unknown),
      ok: r.ok === 1,
      errorCode: r.error_code,
      latencyMs: r.latency_ms,
    }));
  }

  /** The latest audit time at or after `sinceMs`, for estimating when an interrupted meeting was last alive. */
  lastAuditAt(sinceMs: number): number | null {
    return (this.db.prepare('SELECT max(at) AS at FROM audit WHERE at >= ?').get(sinceMs) as { at: number | null }).at;
  }

  /** Closes the handle; a broken one may fail to close, which changes nothing for the caller. */
  close(): void {
    try {
      this.db.close();
    } catch {
      /* the handle is gone either way */
    }
  }
}

interface AuditRow {
  id: number;
  at: number;
  who: string;
  surface: string;
  device: string | null;
  command: string;
  args: string | null;
  ok: number;
  error_code: string | null;
  latency_ms: number | null;
}
