import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { RoomError } from '../core/errors.ts';
import { type Logger, silentLogger } from '../core/logger.ts';
import { AuditLog } from './audit-log.ts';
import { BookingLedger, type BookingReport } from './booking-ledger.ts';
import { openDatabase } from './open-db.ts';
import { buildReport, type Report } from './report.ts';
import { type CallRow, type FaultRow, type SessionRow, toCallRecord, toSessionRecord } from './rows.ts';
import type { Migration } from './schema.ts';
import { systemTimeZone, toMs } from './time.ts';
import { co2ForKm, computeTravel, DEFAULT_CO2_KG_PER_KM, totalKm } from './travel.ts';
import type {
  AuditInput,
  AuditRecord,
  CallInput,
  CallPatch,
  CallRecord,
  EndSessionInput,
  FaultInput,
  Instant,
  SessionFilter,
  SessionRecord,
  SiteConfig,
  StartSessionInput,
  TravelInput,
} from './types.ts';

const DAY_MS = 86_400_000;
const END_REASONS = new Set(['user', 'idle', 'night', 'shutdown', 'booking']);
/** list() refuses to materialise more rows than this in one call. */
export const MAX_LIST_LIMIT = 10_000;

/** Options of {@link SessionStore.open}; the first four come from the `sessions` config block. */
export interface SessionStoreOptions {
  path: string;
  /** `room.id`, recorded on every session (sessions from several rooms can be merged later). */
  room: string;
  co2KgPerKm?: number;
  sites?: Record<string, SiteConfig>;
  /** Audit rows older than this are pruned (at open, then daily). 0 or Infinity: keep forever. Default 365. */
  retentionDays?: number;
  log?: Logger;
  carpoolSeats?: number;
  /** Zone for report months and bare dates in filters; default the system's (set TZ=Europe/Paris). */
  timeZone?: string;
  busyTimeoutMs?: number;
  auditFlushMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Schema migrations (tests add a later version to check upgrades). */
  migrations?: readonly Migration[];
}

/**
 * The session log (CONTRACT §6): meetings, their calls and faults, and the command audit trail, in
 * one SQLite file. Synchronous (better-sqlite3): every call is a few tens of microseconds, except
 * session start/end/travel writes, which fsync (see {@link durably}).
 */
export class SessionStore {
  readonly room: string;
  readonly timeZone: string;
  readonly schemaVersion: number;
  /** Bookings held and missed (the calendar's no-shows). */
  readonly bookings: BookingLedger;
  private readonly auditLog: AuditLog;
  private readonly pruneTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly stmt: {
    byId: Database.Statement;
    open: Database.Statement;
    calls: Database.Statement;
    faults: Database.Statement;
    touch: Database.Statement;
  };

  private constructor(
    private readonly db: Database.Database,
    version: number,
    private readonly options: SessionStoreOptions & { co2KgPerKm: number; sites: Record<string, SiteConfig>; log: Logger },
  ) {
    this.room = options.room;
    this.timeZone = options.timeZone ?? systemTimeZone();
    this.schemaVersion = version;
    this.auditLog = new AuditLog(db, options.log, options.auditFlushMs ?? 100);
    this.bookings = new BookingLedger(db);
    this.stmt = {
      byId: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      open: db.prepare("SELECT * FROM sessions WHERE status = 'open' ORDER BY started_at DESC LIMIT 1"),
      calls: db.prepare('SELECT * FROM calls WHERE session_id = ? ORDER BY started_at, id'),
      faults: db.prepare('SELECT * FROM faults WHERE session_id = ? ORDER BY at, id'),
      touch: db.prepare('UPDATE sessions SET last_activity_at = max(last_activity_at, ?) WHERE id = ?'),
    };
    const days = options.retentionDays ?? 365;
    if (days > 0 && Number.isFinite(days)) {
      this.pruneAudit(this.now());
      this.pruneTimer = setInterval(() => this.pruneAudit(this.now()), DAY_MS);
      this.pruneTimer.unref();
    }
  }

  /**
   * Opens or creates the database (and its directory), applies migrations. Throws a
   * `SessionDatabaseError` (problem 'corrupt' | 'locked' | 'newer' | 'unusable') with a message
   * for the technician: roomd should refuse to start rather than run without its log.
   */
  static open(options: SessionStoreOptions): SessionStore {
    const log = options.log ?? silentLogger;
    const { db, migratedFrom, version } = openDatabase({
      path: options.path,
      busyTimeoutMs: options.busyTimeoutMs,
      migrations: options.migrations,
    });
    if (migratedFrom !== version) log.info({ path: options.path, from: migratedFrom, to: version }, 'session database migrated');
    return new SessionStore(db, version, {
      ...options,
      co2KgPerKm: options.co2KgPerKm ?? DEFAULT_CO2_KG_PER_KM,
      sites: options.sites ?? {},
      log,
    });
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private ms(value: Instant | undefined, field: string): number {
    return value === undefined ? this.now() : toMs(value, field, this.timeZone);
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction committed with `synchronous = FULL`. The connection
   * default is NORMAL, which in WAL mode already survives kill -9 (the commit is in the OS before
   * we return) but may lose the last commits on power loss — a real risk for a room whose power
   * strip is switched off at night. Session rows are rare and must survive both, so they pay one
   * fsync (~1–3 ms); the frequent audit batches stay at NORMAL and never block the loop that long.
   */
  private durably<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(fn).immediate();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  private travel(input: readonly TravelInput[] | undefined) {
    const entries = computeTravel(input, this.options.sites, { carpoolSeats: this.options.carpoolSeats });
    const km = totalKm(entries);
    return { json: JSON.stringify(entries), km, co2: co2ForKm(km, this.options.co2KgPerKm) };
  }

  private row(id: string): SessionRow {
    const row = this.stmt.byId.get(id) as SessionRow | undefined;
    if (!row) throw new RoomError('NotFound', `no session ${JSON.stringify(id)}`);
    return row;
  }

  private record(row: SessionRow): SessionRecord {
    return toSessionRecord(row, this.stmt.calls.all(row.id) as CallRow[], this.stmt.faults.all(row.id) as FaultRow[]);
  }

  /**
   * Opens a session; it is on disk (fsynced) when this returns. Throws `Conflict` if one is already
   * open (the meeting module checks {@link openSession} first; the database enforces it too) and
   * `BadArgs` for bad travel entries.
   */
  startSession(input: StartSessionInput): SessionRecord {
    const at = this.ms(input.at, 'at');
    if (typeof input.startedBy !== 'string' || input.startedBy === '') throw new RoomError('BadArgs', 'startedBy is required');
    const travel = this.travel(input.avoidedTravel);
    const id = randomUUID();
    this.durably(() => {
      const open = this.stmt.open.get() as SessionRow | undefined;
      if (open) throw new RoomError('Conflict', `a meeting is already in progress (session ${open.id})`, { sessionId: open.id });
      this.db
        .prepare(
          `INSERT INTO sessions (id, room, organisation, title, started_at, started_by, status, avoided_travel, km_avoided, co2_kg, last_activity_at, booking_id)
           VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)`,
        )
        .run(id, this.room, clean(input.organisation), clean(input.title), at, input.startedBy, travel.json, travel.km, travel.co2, at, clean(input.bookingId));
    });
    this.options.log.info({ sessionId: id, organisation: input.organisation }, 'session started');
    return this.record(this.row(id));
  }

  /** The running meeting's session, if any. */
  openSession(): SessionRecord | undefined {
    const row = this.stmt.open.get() as SessionRow | undefined;
    return row && this.record(row);
  }

  /** Closes an open session (durably). `NotFound` for an unknown id, `Conflict` if it is not open. */
  endSession(id: string, input: EndSessionInput): SessionRecord {
    if (!END_REASONS.has(input.reason)) {
      throw new RoomError('BadArgs', `reason must be one of ${[...END_REASONS].join(', ')}, got ${JSON.stringify(input.reason)}`);
    }
    const at = this.ms(input.at, 'at');
    const travel = input.avoidedTravel === undefined ? undefined : this.travel(input.avoidedTravel);
    this.durably(() => {
      const row = this.row(id);
      if (row.status !== 'open') throw new RoomError('Conflict', `session ${id} is already ${row.status}`);
      this.db
        .prepare(
          `UPDATE sessions SET status = 'closed', ended_at = ?, ended_by = ?, end_reason = ?, last_activity_at = max(last_activity_at, ?),
             avoided_travel = coalesce(?, avoided_travel), km_avoided = coalesce(?, km_avoided), co2_kg = coalesce(?, co2_kg)
           WHERE id = ?`,
        )
        .run(Math.max(at, row.started_at), input.endedBy, input.reason, at, travel?.json ?? null, travel?.km ?? null, travel?.co2 ?? null, id);
    });
    this.options.log.info({ sessionId: id, reason: input.reason }, 'session ended');
    return this.record(this.row(id));
  }

  /** Replaces a session's avoided travel (technician correction, open or closed session). */
  updateTravel(id: string, avoidedTravel: TravelInput[]): SessionRecord {
    const travel = this.travel(avoidedTravel);
    this.durably(() => {
      this.row(id);
      this.db
        .prepare('UPDATE sessions SET avoided_travel = ?, km_avoided = ?, co2_kg = ? WHERE id = ?')
        .run(travel.json, travel.km, travel.co2, id);
    });
    return this.record(this.row(id));
  }

  /**
   * Start-up: every session still open belongs to a roomd that died (kill -9, crash, power cut).
   * Each is closed as `interrupted` with `endedAt` null — the real end is unknown — and a fault
   * saying so; `lastActivityAt` is pushed to the latest call, fault or audited command seen since it
   * started (capped at `now`). Returns them, so the caller can publish them like any closed session.
   */
  recoverInterrupted(now: Instant = this.now()): SessionRecord[] {
    const nowMs = toMs(now, 'now', this.timeZone);
    this.auditLog.flush();
    const open = this.db.prepare("SELECT * FROM sessions WHERE status = 'open'").all() as SessionRow[];
    const ids: string[] = [];
    for (const row of open) {
      const seen = this.db
        .prepare(
          `SELECT max(
             (SELECT coalesce(max(max(started_at, coalesce(connected_at, 0), coalesce(ended_at, 0))), 0) FROM calls WHERE session_id = ?),
             (SELECT coalesce(max(at), 0) FROM faults WHERE session_id = ?)) AS at`,
        )
        .get(row.id, row.id) as { at: number };
      const last = Math.min(nowMs, Math.max(row.last_activity_at, seen.at, this.auditLog.lastAt(row.started_at) ?? 0));
      this.durably(() => {
        this.db
          .prepare(
            `UPDATE sessions SET status = 'interrupted', end_reason = 'interrupted', ended_at = NULL, last_activity_at = ? WHERE id = ?`,
          )
          .run(last, row.id);
        this.db
          .prepare('INSERT INTO faults (session_id, at, device, code, message) VALUES (?, ?, NULL, ?, ?)')
          .run(row.id, nowMs, 'Interrupted', `roomd stopped during this meeting; its end time is unknown (last activity ${new Date(last).toISOString()})`);
      });
      this.options.log.warn({ sessionId: row.id, startedAt: new Date(row.started_at).toISOString() }, 'session interrupted by a restart');
      ids.push(row.id);
    }
    return ids.map((id) => this.record(this.row(id)));
  }

  /** Notes that the meeting is still going on (cheap; the meeting module may call it every minute). */
  touch(id: string, at?: Instant): void {
    this.stmt.touch.run(this.ms(at, 'at'), id);
  }

  /** Records a call placed or received during a session. */
  addCall(sessionId: string, call: CallInput): CallRecord {
    const startedAt = this.ms(call.startedAt, 'startedAt');
    this.row(sessionId);
    const r = this.db
      .prepare('INSERT INTO calls (session_id, number, direction, started_at, connected_at, ended_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(
        sessionId,
        String(call.number),
        call.direction ?? 'outgoing',
        startedAt,
        optMs(call.connectedAt, 'connectedAt', this.timeZone),
        optMs(call.endedAt, 'endedAt', this.timeZone),
        call.outcome ?? null,
      );
    this.stmt.touch.run(startedAt, sessionId);
    return toCallRecord(this.db.prepare('SELECT * FROM calls WHERE id = ?').get(r.lastInsertRowid) as CallRow);
  }

  /** Fills in a call's connection, end and outcome as they become known. */
  updateCall(callId: number, patch: CallPatch): CallRecord {
    const row = this.db.prepare('SELECT * FROM calls WHERE id = ?').get(callId) as CallRow | undefined;
    if (!row) throw new RoomError('NotFound', `no call ${callId}`);
    const connectedAt = patch.connectedAt === undefined ? row.connected_at : optMs(patch.connectedAt, 'connectedAt', this.timeZone);
    const endedAt = patch.endedAt === undefined ? row.ended_at : optMs(patch.endedAt, 'endedAt', this.timeZone);
    const outcome = patch.outcome === undefined ? row.outcome : patch.outcome;
    this.db.prepare('UPDATE calls SET connected_at = ?, ended_at = ?, outcome = ? WHERE id = ?').run(connectedAt, endedAt, outcome, callId);
    this.stmt.touch.run(Math.max(connectedAt ?? 0, endedAt ?? 0), row.session_id);
    return toCallRecord({ ...row, connected_at: connectedAt, ended_at: endedAt, outcome });
  }

  /** Records a device fault; `sessionId` null for one outside any meeting. */
  addFault(sessionId: string | null, fault: FaultInput): void {
    const at = this.ms(fault.at, 'at');
    if (sessionId !== null) this.row(sessionId);
    this.db
      .prepare('INSERT INTO faults (session_id, at, device, code, message) VALUES (?, ?, ?, ?, ?)')
      .run(sessionId, at, fault.device ?? null, String(fault.code), String(fault.message));
    if (sessionId !== null) this.stmt.touch.run(at, sessionId);
  }

  /** Queues an audit row (see {@link AuditLog}: batched, never throws, never blocks the command). */
  audit(entry: AuditInput): void {
    this.auditLog.record(entry, this.now());
  }

  /** Audit rows, newest first. */
  auditEntries(options: { from?: Instant; to?: Instant; limit?: number } = {}): AuditRecord[] {
    return this.auditLog.list({
      from: options.from === undefined ? undefined : toMs(options.from, 'from', this.timeZone, 'from'),
      to: options.to === undefined ? undefined : toMs(options.to, 'to', this.timeZone, 'to'),
      limit: options.limit,
    });
  }

  /** Whether the database answers and the last audit write worked (for /api/v1/health). */
  health(): { ok: boolean; detail?: string } {
    if (this.closed) return { ok: false, detail: 'closed' };
    if (this.auditLog.lastError) return { ok: false, detail: `audit writes failing: ${this.auditLog.lastError}` };
    try {
      this.db.prepare('SELECT 1').get();
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  /** Writes queued audit rows now (tests; shutdown goes through close()). */
  flushAudit(): void {
    this.auditLog.flush();
  }

  /** Deletes audit rows older than the retention period; sessions are kept forever. Returns the count. */
  pruneAudit(now: Instant = this.now()): number {
    const days = this.options.retentionDays ?? 365;
    if (!(days > 0) || !Number.isFinite(days)) return 0;
    const deleted = this.auditLog.prune(toMs(now, 'now', this.timeZone) - days * DAY_MS);
    if (deleted > 0) this.options.log.info({ deleted, retentionDays: days }, 'old audit rows pruned');
    return deleted;
  }

  /** One session, or undefined. */
  get(id: string): SessionRecord | undefined {
    const row = this.stmt.byId.get(id) as SessionRow | undefined;
    return row && this.record(row);
  }

  private where(filter: SessionFilter): { sql: string; params: unknown[]; from: number | null; to: number | null } {
    const from = filter.from === undefined ? null : toMs(filter.from, 'from', this.timeZone, 'from');
    const to = filter.to === undefined ? null : toMs(filter.to, 'to', this.timeZone, 'to');
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (from !== null) clauses.push('started_at >= ?'), params.push(from);
    if (to !== null) clauses.push('started_at < ?'), params.push(to);
    if (filter.organisation !== undefined) clauses.push('organisation = ?'), params.push(filter.organisation);
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params, from, to };
  }

  /** Sessions started in [from, to) (bare dates: see time.ts), newest first, with the total before paging. */
  list(filter: SessionFilter & { limit?: number; offset?: number } = {}): { sessions: SessionRecord[]; total: number } {
    const limit = filter.limit ?? 50;
    const offset = filter.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new RoomError('BadArgs', `limit must be 1..${MAX_LIST_LIMIT}`);
    if (!Number.isInteger(offset) || offset < 0) throw new RoomError('BadArgs', 'offset must be a whole number ≥ 0');
    const w = this.where(filter);
    const total = (this.db.prepare(`SELECT count(*) AS n FROM sessions ${w.sql}`).get(...w.params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM sessions ${w.sql} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...w.params, limit, offset) as SessionRow[];
    return { sessions: rows.map((r) => this.record(r)), total };
  }

  /** Meetings held, minutes, km and CO₂ saved in [from, to), by organisation and by month. */
  report(filter: SessionFilter = {}): Report & { bookings: BookingReport } {
    const w = this.where(filter);
    const rows = this.db.prepare(`SELECT * FROM sessions ${w.sql} ORDER BY started_at`).all(...w.params) as SessionRow[];
    // Calls and faults do not count in a report: skip their queries.
    const report = buildReport(rows.map((r) => toSessionRecord(r, [], [])), { timeZone: this.timeZone, from: w.from, to: w.to });
    return { ...report, bookings: this.bookings.report(w.from, w.to) };
  }

  /** Flushes the audit and closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.auditLog.close();
    this.db.close();
  }
}

function clean(s: string | null | undefined): string | null {
  if (typeof s !== 'string') return null;
  const t = s.trim();
  return t === '' ? null : t;
}

function optMs(v: Instant | null | undefined, field: string, timeZone: string): number | null {
  return v === undefined || v === null ? null : toMs(v, field, timeZone);
}
