import { resolve } from 'node:path';
import { isRoomError, RoomError } from '../core/errors.ts';
import { AuditLog } from './audit-log.ts';
import type { BookingReport, LedgerBooking } from './booking-ledger.ts';
import { filterRange, listSessions, MAX_LIST_LIMIT, reportSessions } from './queries.ts';
import type { Report } from './report.ts';
import type { OutboxCursor, SessionDb } from './session-db.ts';
import { SessionFile } from './session-file.ts';
import { describeStorageFault, isStorageFault } from './storage-fault.ts';
import { PendingSessions } from './pending-sessions.ts';
import { callOp, callPatchMs, endOp, faultOp, instantMs, startOp, type InputContext } from './session-input.ts';
import { systemTimeZone, toMs } from './time.ts';
import { co2ForKm, computeTravel, totalKm } from './travel.ts';
import type {
  AuditInput, AuditRecord, CallInput, CallPatch, CallRecord, EndSessionInput, FaultInput, Instant,
  SessionFilter, SessionRecord, StartSessionInput, TravelInput,
} from './types.ts';
import { openConnection, resolveOptions, type ResolvedStoreOptions, type SessionStoreOptions } from './store-options.ts';

export type { SessionStoreOptions } from './store-options.ts';

export { MAX_LIST_LIMIT } from './queries.ts';

const DAY_MS = 86_400_000;

/**
 * The session log: meetings, their calls and faults, and the command audit trail, in one SQLite
 * file (SQL in {@link SessionDb}). Synchronous (better-sqlite3): every call is a few tens of
 * microseconds, except session start/end/travel writes, which fsync.
 *
 * A storage fault never stops the room. When the file cannot be written (disk full, read-only,
 * corrupt, gone), every write is queued in memory (bounded) and applied to an in-memory copy of
 * its session, so meetings carry on and answer as usual; the queue is replayed every `retryMs`
 * until the file takes it. `health()` names the file and the error meanwhile. A file deleted while
 * roomd runs is noticed (inode check) and written back from the open connection; a replaced one is
 * reported, the old content saved beside it, and the new file used.
 */
export class SessionStore {
  readonly room: string;
  readonly timeZone: string;
  readonly path: string;
  private readonly file: SessionFile;
  private readonly pending: PendingSessions;
  /** How requests become write ops: the room, its zone, the clock, the travel tables. */
  private readonly input: InputContext;
  private recoverOnOpen = false;
  private readonly auditLog: AuditLog;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly correctedListeners = new Set<(id: string) => void>();

  private constructor(conn: SessionDb | undefined, openError: unknown, private readonly options: ResolvedStoreOptions) {
    this.room = options.room;
    this.timeZone = options.timeZone ?? systemTimeZone();
    this.path = resolve(options.path);
    this.recoverOnOpen = openError !== undefined;
    this.auditLog = new AuditLog((rows) => this.file.connection().insertAudit(rows), options.log, options.auditFlushMs ?? 100);
    this.file = new SessionFile(
      {
        path: this.path,
        open: () => openConnection(options),
        log: options.log,
        now: () => this.now(),
        maxQueued: options.maxQueued ?? 10_000,
        incidentHoldMs: options.incidentHoldMs ?? 600_000,
        retryMs: options.retryMs ?? 5000,
        onOpened: () => {
          if (!this.recoverOnOpen) return;
          this.recoverOnOpen = false;
          this.recover(this.now(), this.pending.currentId);
        },
        runningMeeting: () => this.pending.runningOp(),
        afterReplay: () => {
          if (this.auditLog.flush()) {
            this.pending.settled();
            return true;
          }
          this.file.degrade(new Error(`audit writes failing: ${this.auditLog.lastError}`));
          return false;
        },
      },
      conn,
      openError,
    );
    this.pending = new PendingSessions(this.file);
    this.input = {
      room: this.room,
      timeZone: this.timeZone,
      now: () => this.now(),
      travel: (input) => {
        const entries = computeTravel(input, options.sites, { carpoolSeats: options.carpoolSeats });
        const km = totalKm(entries);
        return { entries, km, co2: co2ForKm(km, options.co2KgPerKm) };
      },
    };
    const tick = setInterval(() => this.file.tick(), options.retryMs ?? 5000);
    tick.unref();
    this.timers.push(tick);
    const days = options.retentionDays ?? 365;
    if (days > 0 && Number.isFinite(days)) {
      if (conn) this.pruneAudit(this.now());
      const prune = setInterval(() => this.pruneAudit(this.now()), DAY_MS);
      prune.unref();
      this.timers.push(prune);
    }
  }

  /**
   * Opens or creates the database (and its directory), applies migrations. Throws a
   * `SessionDatabaseError` (problem 'corrupt' | 'locked' | 'newer' | 'unusable'): for tools and
   * tests that want the file or nothing. The daemon uses {@link openOrDegrade}.
   */
  static open(options: SessionStoreOptions): SessionStore {
    const resolved = resolveOptions(options);
    const conn = openConnection(resolved);
    return new SessionStore(conn, undefined, resolved);
  }

  /** Like {@link open}, but an unusable file starts the store degraded (queued writes, retried) instead of throwing. */
  static openOrDegrade(options: SessionStoreOptions): SessionStore {
    const resolved = resolveOptions(options);
    try {
      return new SessionStore(openConnection(resolved), undefined, resolved);
    } catch (err) {
      resolved.log.error({ path: resolve(options.path), err: describeStorageFault(err) }, 'session database unusable at start: running degraded, writes queued and retried');
      return new SessionStore(undefined, err, resolved);
    }
  }

  /** The schema version of the open file (0 while none is open). */
  get schemaVersion(): number {
    return this.file.current?.version ?? 0;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private mustExist(id: string): SessionRecord {
    const record = this.pending.lookup(id);
    if (!record) throw new RoomError('NotFound', `no session ${JSON.stringify(id)}`);
    return record;
  }

  /**
   * Opens a session; it is on disk (fsynced) when this returns — or queued, if the disk cannot take
   * it. Throws `Conflict` if one is already open and `BadArgs` for bad travel entries.
   */
  startSession(input: StartSessionInput): SessionRecord {
    const op = startOp(this.input, input);
    const open = this.openSession();
    if (open) throw new RoomError('Conflict', `a meeting is already in progress (session ${open.id})`, { sessionId: open.id });
    const record = this.pending.start(op);
    this.options.log.info({ sessionId: op.id, organisation: input.organisation }, 'session started');
    return record;
  }

  /** The running meeting's session, if any. */
  openSession(): SessionRecord | undefined {
    const current = this.pending.running();
    if (current?.status === 'open') return current;
    if (!this.file.current) return undefined;
    try {
      return this.file.read((db) => {
        const row = db.openRow();
        return row && db.record(row);
      });
    } catch (err) {
      if (isRoomError(err) && err.code === 'Unavailable') return undefined;
      throw err;
    }
  }

  /** Closes an open session (durably, or queued). `NotFound` for an unknown id, `Conflict` if it is not open. */
  endSession(id: string, input: EndSessionInput): SessionRecord {
    const op = endOp(this.input, id, input);
    const before = this.mustExist(id);
    if (before.status !== 'open') throw new RoomError('Conflict', `session ${id} is already ${before.status}`);
    const after = this.pending.write(op, before)!;
    this.pending.ended(id);
    this.options.log.info({ sessionId: id, reason: input.reason }, 'session ended');
    return after;
  }

  /** Replaces a session's avoided travel (technician correction, open or closed session). */
  updateTravel(id: string, avoidedTravel: TravelInput[]): SessionRecord {
    const travel = this.input.travel(avoidedTravel);
    const before = this.mustExist(id);
    const record = this.pending.write({ kind: 'travel', id, travel }, before)!;
    for (const listener of this.correctedListeners) {
      try {
        listener(id);
      } catch {
        /* a listener's fault is its own */
      }
    }
    return record;
  }

  /**
   * Start-up: every session still open belongs to a roomd that died (kill -9, crash, power cut).
   * Each is closed as `interrupted` with `endedAt` null — the real end is unknown — and a fault
   * saying so; `lastActivityAt` is pushed to the latest call, fault or audited command seen since it
   * started (capped at `now`). Returns them, so the caller can publish them like any closed session.
   * With no usable file yet, this runs when the file opens (and spares this run's own meeting).
   */
  recoverInterrupted(now: Instant = this.now()): SessionRecord[] {
    return this.recover(toMs(now, 'now', this.timeZone));
  }

  private recover(nowMs: number, spare?: string): SessionRecord[] {
    const db = this.file.current;
    if (!db) {
      this.recoverOnOpen = true;
      return [];
    }
    try {
      this.auditLog.flush();
      const recovered: SessionRecord[] = [];
      for (const row of db.openRows()) {
        if (row.id === spare) continue;
        const last = Math.min(nowMs, Math.max(row.last_activity_at, db.lastSeen(row.id), db.lastAuditAt(row.started_at) ?? 0));
        db.markInterrupted(row.id, last, nowMs, `roomd stopped during this meeting; its end time is unknown (last activity ${new Date(last).toISOString()})`);
        this.options.log.warn({ sessionId: row.id, startedAt: new Date(row.started_at).toISOString() }, 'session interrupted by a restart');
        const record = db.get(row.id);
        if (record) recovered.push(record);
      }
      return recovered;
    } catch (err) {
      if (!isStorageFault(err)) throw err;
      this.file.degrade(err);
      this.recoverOnOpen = true;
      return [];
    }
  }

  /** Notes that the meeting is still going on (cheap; the meeting module may call it every minute). */
  touch(id: string, at?: Instant): void {
    this.pending.write({ kind: 'touch', id, at: instantMs(this.input, at, 'at') });
  }

  /** Records a call placed or received during a session. */
  addCall(sessionId: string, call: CallInput): CallRecord {
    const before = this.mustExist(sessionId);
    const after = this.pending.write(callOp(this.input, sessionId, call), before);
    return after?.dialed.at(-1) ?? this.file.read((db) => db.lastCall(sessionId))!;
  }

  /** Fills in a call's connection, end and outcome as they become known (needs a writable file). */
  updateCall(callId: number, patch: CallPatch): CallRecord {
    const updated = this.file.read((db) => db.updateCall(callId, callPatchMs(this.timeZone, patch)));
    if (!updated) throw new RoomError('NotFound', `no call ${callId}`);
    return updated;
  }

  /** Records a device fault; `sessionId` null for one outside any meeting. */
  addFault(sessionId: string | null, fault: FaultInput): void {
    const before = sessionId === null ? undefined : this.mustExist(sessionId);
    this.pending.write(faultOp(this.input, sessionId, fault), before);
  }

  /** Queues an audit row (see {@link AuditLog}: batched, never throws, never blocks the command). */
  audit(entry: AuditInput): void {
    this.auditLog.record(entry, this.now());
  }

  /** Audit rows, newest first. */
  auditEntries(options: { from?: Instant; to?: Instant; limit?: number } = {}): AuditRecord[] {
    const from = options.from === undefined ? Number.MIN_SAFE_INTEGER : toMs(options.from, 'from', this.timeZone, 'from');
    const to = options.to === undefined ? Number.MAX_SAFE_INTEGER : toMs(options.to, 'to', this.timeZone, 'to');
    this.auditLog.flush();
    return this.file.read((db) => db.auditRows(from, to, options.limit ?? 100));
  }

  /**
   * The fleet outbox: closed sessions (complete, with calls) the collector has not yet confirmed at
   * their current revision, oldest first, after `after`. Empty while the file is unusable: they
   * are sent once it takes the queued writes again.
   */
  outbox(limit = 20, after?: OutboxCursor): Array<{ session: SessionRecord; revision: number; cursor: OutboxCursor }> {
    if (!this.file.current) return [];
    try {
      return this.file.read((db) => db.outboxRows(limit, after)).map(({ record, revision, cursor }) => ({ session: record, revision, cursor }));
    } catch {
      return [];
    }
  }

  /** One closed session as stored, with its revision; undefined if not (yet) in the file. */
  outboxEntry(id: string): { session: SessionRecord; revision: number } | undefined {
    if (!this.file.current) return undefined;
    try {
      const row = this.file.read((db) => db.outboxRow(id));
      return row && { session: row.record, revision: row.revision };
    } catch {
      return undefined;
    }
  }

  /** The collector confirmed `id` at `revision`. False when nothing changed (old revision, unknown id, file unusable). */
  outboxAck(id: string, revision: number): boolean {
    if (!this.file.current) return false;
    try {
      return this.file.read((db) => db.outboxAck(id, revision));
    } catch {
      return false; // the collector's next copy of the ack, or our next send, settles it
    }
  }

  /** Called with a session's id after its travel was corrected (the fleet outbox re-sends it). */
  onCorrected(listener: (id: string) => void): () => void {
    this.correctedListeners.add(listener);
    return () => this.correctedListeners.delete(listener);
  }

  /**
   * `ok` unless the file cannot be used now (or was deleted/replaced in the last `incidentHoldMs`);
   * `detail` names the file, the error and what is queued.
   */
  health(): { ok: boolean; detail?: string } {
    if (this.closed) return { ok: false, detail: 'closed' };
    this.file.checkFile();
    const problems = this.file.problems(this.auditLog);
    return problems.length === 0 ? { ok: true } : { ok: false, detail: problems.join('; ') };
  }

  /** Writes queued audit rows now (tests; shutdown goes through close()). */
  flushAudit(): void {
    this.auditLog.flush();
  }

  /** Deletes audit rows older than the retention period; sessions are kept forever. Returns the count. */
  pruneAudit(now: Instant = this.now()): number {
    const days = this.options.retentionDays ?? 365;
    if (!(days > 0) || !Number.isFinite(days)) return 0;
    this.auditLog.flush();
    try {
      const deleted = this.file.read((db) => db.pruneAudit(toMs(now, 'now', this.timeZone) - days * DAY_MS));
      if (deleted > 0) this.options.log.info({ deleted, retentionDays: days }, 'old audit rows pruned');
      return deleted;
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'audit pruning skipped');
      return 0;
    }
  }

  /** One session, or undefined. */
  get(id: string): SessionRecord | undefined {
    return this.pending.lookup(id);
  }

  /** Sessions started in [from, to) (bare dates: see time.ts), newest first, with the total before paging. */
  list(filter: SessionFilter & { limit?: number; offset?: number } = {}): { sessions: SessionRecord[]; total: number } {
    const limit = filter.limit ?? 50;
    const offset = filter.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new RoomError('BadArgs', `limit must be 1..${MAX_LIST_LIMIT}`);
    if (!Number.isInteger(offset) || offset < 0) throw new RoomError('BadArgs', 'offset must be a whole number ≥ 0');
    const range = filterRange(filter, this.timeZone);
    return this.file.read((db) => listSessions(db, this.pending.newerThanFile(), range, { limit, offset }));
  }

  /** Meetings held, minutes, km and CO₂ saved in [from, to), by organisation and by month. */
  report(filter: SessionFilter = {}): Report & { bookings: BookingReport } {
    const range = filterRange(filter, this.timeZone);
    return this.file.read((db) => ({ ...reportSessions(db, this.pending.newerThanFile(), range, this.timeZone), bookings: db.ledger().report(range.from, range.to) }));
  }

  /**
   * Bookings held and missed, for the calendar. While the file is unusable, a booking counts as
   * held if a session in memory was started from it, and a no-show cannot be recorded (it will be
   * when the calendar looks again after the file is back).
   */
  readonly bookings = {
    isHeld: (id: string): boolean => this.pending.some((r) => r.bookingId === id) || this.readOr((db) => db.ledger().isHeld(id), false),
    isNoShow: (id: string): boolean => this.readOr((db) => db.ledger().isNoShow(id), false),
    recordNoShow: (booking: LedgerBooking, at: number): boolean => this.readOr((db) => db.ledger().recordNoShow(booking, at), false),
  };

  private readOr<T>(fn: (db: SessionDb) => T, fallback: T): T {
    try {
      return this.file.read(fn);
    } catch {
      return fallback;
    }
  }

  /** Flushes the audit, tries the queue once more, and closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.file.retry();
    this.auditLog.close();
    this.file.close();
  }
}
