import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { isRoomError, RoomError } from '../core/errors.ts';
import { AuditLog } from './audit-log.ts';
import type { BookingReport, LedgerBooking } from './booking-ledger.ts';
import { filterRange, listSessions, MAX_LIST_LIMIT, reportSessions } from './queries.ts';
import type { Report } from './report.ts';
import type { OutboxCursor, SessionDb } from './session-db.ts';
import { SessionFile } from './session-file.ts';
import { describeStorageFault, isStorageFault } from './storage-fault.ts';
import { systemTimeZone, toMs } from './time.ts';
import { co2ForKm, computeTravel, totalKm } from './travel.ts';
import type {
  AuditInput, AuditRecord, CallInput, CallPatch, CallRecord, EndSessionInput, FaultInput, Instant,
  SessionFilter, SessionRecord, StartSessionInput, TravelInput,
} from './types.ts';
import { applyToRecord, opSession, recordOfStart, startOpOf, type StoredTravel, type WriteOp } from './write-ops.ts';
import { openConnection, resolveOptions, type ResolvedStoreOptions, type SessionStoreOptions } from './store-options.ts';

export type { SessionStoreOptions } from './store-options.ts';

export { MAX_LIST_LIMIT } from './queries.ts';

const DAY_MS = 86_400_000;
const END_REASONS = new Set(['user', 'idle', 'night', 'shutdown', 'booking']);


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
  /** Sessions with queued writes, as they will be once written; the open one is always here too. */
  private readonly memory = new Map<string, SessionRecord>();
  private current: string | undefined;
  private memoryCallId = 0;
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
          this.recover(this.now(), this.current);
        },
        runningMeeting: () => {
          const open = this.current ? this.memory.get(this.current) : undefined;
          return open && startOpOf(open);
        },
        afterReplay: () => {
          if (this.auditLog.flush()) {
            this.settled();
            return true;
          }
          this.file.degrade(new Error(`audit writes failing: ${this.auditLog.lastError}`));
          return false;
        },
      },
      conn,
      openError,
    );
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

  private ms(value: Instant | undefined, field: string): number {
    return value === undefined ? this.now() : toMs(value, field, this.timeZone);
  }

  private travel(input: readonly TravelInput[] | undefined): StoredTravel {
    const entries = computeTravel(input, this.options.sites, { carpoolSeats: this.options.carpoolSeats });
    const km = totalKm(entries);
    return { entries, km, co2: co2ForKm(km, this.options.co2KgPerKm) };
  }

  /** The session as it is now: its queued version, else the stored one. */
  private lookup(id: string): SessionRecord | undefined {
    const inMemory = this.memory.get(id);
    if (inMemory) return inMemory;
    return this.file.read((db) => db.get(id));
  }

  private mustExist(id: string): SessionRecord {
    const record = this.lookup(id);
    if (!record) throw new RoomError('NotFound', `no session ${JSON.stringify(id)}`);
    return record;
  }

  /**
   * Writes `op`, or queues it when the file cannot take it. Either way the session's record after
   * the op is returned (read back from the file when it was written).
   */
  private write(op: WriteOp, before?: SessionRecord): SessionRecord | undefined {
    const id = opSession(op);
    let outcome: 'written' | 'queued';
    try {
      outcome = this.file.write(op);
    } catch (err) {
      throw constraintAsConflict(err);
    }
    if (outcome === 'written') {
      if (id === null) return undefined;
      let stored: SessionRecord | undefined;
      try {
        stored = this.file.read((db) => db.get(id));
      } catch (err) {
        if (!isRoomError(err, 'Unavailable')) throw err;
        // Written, but not readable back this instant: answer from what we know.
        const base = this.memory.get(id) ?? before ?? (op.kind === 'start' ? recordOfStart(op) : undefined);
        stored = base && (op.kind === 'start' ? base : applyToRecord(base, op, () => --this.memoryCallId));
      }
      if (stored && id === this.current) this.memory.set(id, stored);
      if (stored && stored.status !== 'open') this.memory.delete(id);
      return stored;
    }
    if (id === null) return undefined;
    const base = this.memory.get(id) ?? before ?? (op.kind === 'start' ? recordOfStart(op) : undefined);
    if (!base) return undefined;
    const after = op.kind === 'start' ? base : applyToRecord(base, op, () => --this.memoryCallId);
    this.memory.set(id, after);
    return after;
  }

  /** Everything queued is written: the file is the truth again (the running meeting stays cached). */
  private settled(): void {
    for (const id of [...this.memory.keys()]) if (id !== this.current) this.memory.delete(id);
    if (this.current) {
      const stored = this.file.current?.get(this.current);
      if (stored) this.memory.set(this.current, stored);
    }
  }

  /**
   * Opens a session; it is on disk (fsynced) when this returns — or queued, if the disk cannot take
   * it. Throws `Conflict` if one is already open and `BadArgs` for bad travel entries.
   */
  startSession(input: StartSessionInput): SessionRecord {
    const at = this.ms(input.at, 'at');
    if (typeof input.startedBy !== 'string' || input.startedBy === '') throw new RoomError('BadArgs', 'startedBy is required');
    const travel = this.travel(input.avoidedTravel);
    const open = this.openSession();
    if (open) throw new RoomError('Conflict', `a meeting is already in progress (session ${open.id})`, { sessionId: open.id });
    const op: WriteOp = { kind: 'start', id: randomUUID(), room: this.room, organisation: clean(input.organisation), title: clean(input.title), at, startedBy: input.startedBy, travel, bookingId: clean(input.bookingId) };
    this.current = op.id;
    const record = this.write(op) ?? recordOfStart(op);
    this.memory.set(op.id, record);
    this.options.log.info({ sessionId: op.id, organisation: input.organisation }, 'session started');
    return record;
  }

  /** The running meeting's session, if any. */
  openSession(): SessionRecord | undefined {
    const current = this.current ? this.memory.get(this.current) : undefined;
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
    if (!END_REASONS.has(input.reason)) {
      throw new RoomError('BadArgs', `reason must be one of ${[...END_REASONS].join(', ')}, got ${JSON.stringify(input.reason)}`);
    }
    const at = this.ms(input.at, 'at');
    const travel = input.avoidedTravel === undefined ? undefined : this.travel(input.avoidedTravel);
    const before = this.mustExist(id);
    if (before.status !== 'open') throw new RoomError('Conflict', `session ${id} is already ${before.status}`);
    const after = this.write({ kind: 'end', id, at, endedBy: input.endedBy, reason: input.reason, ...(travel ? { travel } : {}) }, before)!;
    if (this.current === id) this.current = undefined;
    if (this.file.queued === 0) this.memory.delete(id);
    this.options.log.info({ sessionId: id, reason: input.reason }, 'session ended');
    return after;
  }

  /** Replaces a session's avoided travel (technician correction, open or closed session). */
  updateTravel(id: string, avoidedTravel: TravelInput[]): SessionRecord {
    const travel = this.travel(avoidedTravel);
    const before = this.mustExist(id);
    const record = this.write({ kind: 'travel', id, travel }, before)!;
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
    this.write({ kind: 'touch', id, at: this.ms(at, 'at') });
  }

  /** Records a call placed or received during a session. */
  addCall(sessionId: string, call: CallInput): CallRecord {
    const before = this.mustExist(sessionId);
    const op: WriteOp = {
      kind: 'call',
      sessionId,
      number: String(call.number),
      direction: call.direction ?? 'outgoing',
      startedAt: this.ms(call.startedAt, 'startedAt'),
      connectedAt: optMs(call.connectedAt, 'connectedAt', this.timeZone),
      endedAt: optMs(call.endedAt, 'endedAt', this.timeZone),
      outcome: call.outcome ?? null,
    };
    const after = this.write(op, before);
    return after?.dialed.at(-1) ?? this.file.read((db) => db.lastCall(sessionId))!;
  }

  /** Fills in a call's connection, end and outcome as they become known (needs a writable file). */
  updateCall(callId: number, patch: CallPatch): CallRecord {
    const updated = this.file.read((db) =>
      db.updateCall(callId, {
        ...(patch.connectedAt !== undefined ? { connectedAt: optMs(patch.connectedAt, 'connectedAt', this.timeZone) } : {}),
        ...(patch.endedAt !== undefined ? { endedAt: optMs(patch.endedAt, 'endedAt', this.timeZone) } : {}),
        ...(patch.outcome !== undefined ? { outcome: patch.outcome } : {}),
      }),
    );
    if (!updated) throw new RoomError('NotFound', `no call ${callId}`);
    return updated;
  }

  /** Records a device fault; `sessionId` null for one outside any meeting. */
  addFault(sessionId: string | null, fault: FaultInput): void {
    const before = sessionId === null ? undefined : this.mustExist(sessionId);
    this.write({ kind: 'fault', sessionId, at: this.ms(fault.at, 'at'), device: fault.device ?? null, code: String(fault.code), message: String(fault.message) }, before);
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
    return this.lookup(id);
  }

  /** Sessions started in [from, to) (bare dates: see time.ts), newest first, with the total before paging. */
  list(filter: SessionFilter & { limit?: number; offset?: number } = {}): { sessions: SessionRecord[]; total: number } {
    const limit = filter.limit ?? 50;
    const offset = filter.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new RoomError('BadArgs', `limit must be 1..${MAX_LIST_LIMIT}`);
    if (!Number.isInteger(offset) || offset < 0) throw new RoomError('BadArgs', 'offset must be a whole number ≥ 0');
    const range = filterRange(filter, this.timeZone);
    return this.file.read((db) => listSessions(db, this.pendingRecords(), range, { limit, offset }));
  }

  /** Meetings held, minutes, km and CO₂ saved in [from, to), by organisation and by month. */
  report(filter: SessionFilter = {}): Report & { bookings: BookingReport } {
    const range = filterRange(filter, this.timeZone);
    return this.file.read((db) => ({ ...reportSessions(db, this.pendingRecords(), range, this.timeZone), bookings: db.ledger().report(range.from, range.to) }));
  }

  /**
   * Bookings held and missed, for the calendar. While the file is unusable, a booking counts as
   * held if a session in memory was started from it, and a no-show cannot be recorded (it will be
   * when the calendar looks again after the file is back).
   */
  readonly bookings = {
    isHeld: (id: string): boolean => [...this.memory.values()].some((r) => r.bookingId === id) || this.readOr((db) => db.ledger().isHeld(id), false),
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

  /** Sessions whose in-memory version is newer than the file's. */
  private pendingRecords(): ReadonlyMap<string, SessionRecord> {
    return this.file.queued > 0 ? this.memory : new Map();
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

/** The one-open-session index refusing a second start (two roomds on one file): a Conflict. */
function constraintAsConflict(err: unknown): unknown {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  return code.startsWith('SQLITE_CONSTRAINT') ? new RoomError('Conflict', `the session log refused the write: ${(err as Error).message}`) : err;
}

function clean(s: string | null | undefined): string | null {
  if (typeof s !== 'string') return null;
  const t = s.trim();
  return t === '' ? null : t;
}

function optMs(v: Instant | null | undefined, field: string, timeZone: string): number | null {
  return v === undefined || v === null ? null : toMs(v, field, timeZone);
}
