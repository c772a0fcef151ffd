import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RoomError } from '../core/errors.ts';
import { type Logger, silentLogger } from '../core/logger.ts';
import { AuditLog } from './audit-log.ts';
import type { Migration } from './schema.ts';
import { filterRange, listSessions, MAX_LIST_LIMIT, reportSessions } from './queries.ts';
import type { Report } from './report.ts';
import { SessionDb } from './session-db.ts';
import { describeStorageFault, isStorageFault, unavailable } from './storage-fault.ts';
import { systemTimeZone, toMs } from './time.ts';
import { co2ForKm, computeTravel, DEFAULT_CO2_KG_PER_KM, totalKm } from './travel.ts';
import type {
  AuditInput, AuditRecord, CallInput, CallPatch, CallRecord, EndSessionInput, FaultInput, Instant,
  SessionFilter, SessionRecord, SiteConfig, StartSessionInput, TravelInput,
} from './types.ts';
import { applyToRecord, opSession, recordOfStart, type StoredTravel, type WriteOp } from './write-ops.ts';

export { MAX_LIST_LIMIT } from './queries.ts';

const DAY_MS = 86_400_000;
const END_REASONS = new Set(['user', 'idle', 'night', 'shutdown']);

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
  /** How often the file is checked (deleted? replaced?) and failed writes retried. Default 5 000 ms. */
  retryMs?: number;
  /** Writes kept in memory while the database cannot take them; the oldest are dropped beyond. Default 10 000. */
  maxQueued?: number;
  /** How long health stays `degraded` after the file was deleted or replaced under us. Default 10 min. */
  incidentHoldMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Schema migrations (tests add a later version to check upgrades). */
  migrations?: readonly Migration[];
}

type Resolved = SessionStoreOptions & { co2KgPerKm: number; sites: Record<string, SiteConfig>; log: Logger };

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
  private conn: SessionDb | undefined;
  /** The current storage problem, until a write succeeds again. */
  private fault: { cause: string; since: number } | undefined;
  /** The last time the file was deleted or replaced under us. */
  private incident: { text: string; at: number } | undefined;
  private readonly queue: WriteOp[] = [];
  private droppedWrites = 0;
  /** Sessions with queued writes, as they will be once written; the open one is always here too. */
  private readonly memory = new Map<string, SessionRecord>();
  private current: string | undefined;
  private memoryCallId = 0;
  private recoverOnOpen = false;
  private readonly auditLog: AuditLog;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  private constructor(conn: SessionDb | undefined, openError: unknown, private readonly options: Resolved) {
    this.room = options.room;
    this.timeZone = options.timeZone ?? systemTimeZone();
    this.path = resolve(options.path);
    this.conn = conn;
    this.auditLog = new AuditLog((rows) => this.connection().insertAudit(rows), options.log, options.auditFlushMs ?? 100);
    if (openError !== undefined) {
      this.degrade(openError);
      this.recoverOnOpen = true;
    }
    const tick = setInterval(() => this.tick(), options.retryMs ?? 5000);
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
    return this.conn?.version ?? 0;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private ms(value: Instant | undefined, field: string): number {
    return value === undefined ? this.now() : toMs(value, field, this.timeZone);
  }

  private connection(): SessionDb {
    this.checkFile();
    if (!this.conn) throw unavailable(this.path, this.fault?.cause ?? 'not open');
    return this.conn;
  }

  private travel(input: readonly TravelInput[] | undefined): StoredTravel {
    const entries = computeTravel(input, this.options.sites, { carpoolSeats: this.options.carpoolSeats });
    const km = totalKm(entries);
    return { entries, km, co2: co2ForKm(km, this.options.co2KgPerKm) };
  }

  /** Runs a read; a storage fault becomes `Unavailable` (503), never a 500. */
  private read<T>(fn: (db: SessionDb) => T): T {
    try {
      return fn(this.connection());
    } catch (err) {
      if (!isStorageFault(err)) throw err;
      this.degrade(err);
      throw unavailable(this.path, describeStorageFault(err));
    }
  }

  /** The session as it is now: its queued version, else the stored one. */
  private lookup(id: string): SessionRecord | undefined {
    const inMemory = this.memory.get(id);
    if (inMemory) return inMemory;
    return this.read((db) => db.get(id));
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
    if (this.conn && this.queue.length === 0) {
      try {
        this.connection().apply(op);
        this.fault = undefined;
        if (id === null) return undefined;
        const stored = this.conn?.get(id);
        if (stored && id === this.current) this.memory.set(id, stored);
        if (stored && stored.status !== 'open') this.memory.delete(id);
        return stored;
      } catch (err) {
        if (!isStorageFault(err)) throw constraintAsConflict(err);
        this.degrade(err);
      }
    }
    this.enqueue(op);
    if (id === null) return undefined;
    const base = this.memory.get(id) ?? before ?? (op.kind === 'start' ? recordOfStart(op) : undefined);
    if (!base) return undefined;
    const after = op.kind === 'start' ? base : applyToRecord(base, op, () => --this.memoryCallId);
    this.memory.set(id, after);
    return after;
  }

  private enqueue(op: WriteOp): void {
    this.queue.push(op);
    if (this.queue.length <= (this.options.maxQueued ?? 10_000)) return;
    // Drop a touch first (it only refines an interrupted session's last activity), else the oldest.
    const touch = this.queue.findIndex((o) => o.kind === 'touch');
    this.queue.splice(touch >= 0 ? touch : 0, 1);
    this.droppedWrites++;
  }

  private degrade(err: unknown): void {
    const cause = describeStorageFault(err);
    if (!this.fault) this.options.log.error({ path: this.path, err: cause }, 'session database fault: meetings go on, writes are queued and retried');
    this.fault = { cause, since: this.fault?.since ?? this.now() };
    // A corrupt or vanished handle will not heal: reopen the file on the next retry.
    if (/corrupt|unusable|CANTOPEN|not open/.test(cause) && this.conn && this.conn.fileState() === 'same') {
      this.conn.close();
      this.conn = undefined;
    }
  }

  /** The inode check: was the file deleted or replaced while we had it open? */
  private checkFile(): void {
    const conn = this.conn;
    if (!conn || this.closed) return;
    const state = conn.fileState();
    if (state === 'same') return;
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    const target = state === 'deleted' ? this.path : `${this.path}.replaced-${stamp}`;
    let saved = true;
    try {
      mkdirSync(dirname(target), { recursive: true });
      conn.copyTo(target);
    } catch (err) {
      saved = false;
      this.options.log.error({ path: target, err: describeStorageFault(err) }, 'could not save the session database content');
    }
    const text = state === 'deleted'
      ? `session database ${this.path} was deleted while roomd was running; ${saved ? 'written back from the open connection' : 'it could not be written back: sessions before now are only in memory until restart'}`
      : `session database ${this.path} was replaced while roomd was running; the new file is used${saved ? `, the previous content was saved to ${target}` : ''}`;
    this.incident = { text, at: this.now() };
    this.options.log.error({ path: this.path, event: state }, text);
    conn.close();
    this.conn = undefined;
    // The running meeting must exist in whatever file we write to from now on.
    const open = this.current ? this.memory.get(this.current) : undefined;
    if (state === 'replaced' && open) this.queue.unshift(startOpOf(open));
    this.retry();
  }

  /** Reopens the file if needed, then writes what is queued, in order. Returns whether all is written. */
  private retry(): boolean {
    if (this.closed) return false;
    if (!this.conn) {
      try {
        this.conn = openConnection(this.options);
        this.options.log.info({ path: this.path }, 'session database open again');
      } catch (err) {
        this.degrade(err);
        return false;
      }
      if (this.recoverOnOpen) {
        this.recoverOnOpen = false;
        this.recover(this.now(), this.current);
      }
    }
    const written = this.queue.length;
    while (this.queue.length > 0) {
      const op = this.queue[0]!;
      try {
        this.conn.apply(op);
      } catch (err) {
        if (isStorageFault(err)) {
          this.degrade(err);
          return false;
        }
        this.options.log.error({ err, op: op.kind, session: opSession(op) }, 'a queued session write was refused by the database; dropped');
      }
      this.queue.shift();
    }
    if (!this.auditLog.flush()) {
      this.degrade(new Error(`audit writes failing: ${this.auditLog.lastError}`));
      return false;
    }
    if (written > 0 || this.fault) this.options.log.info({ path: this.path, written, dropped: this.droppedWrites }, 'session database writable again; queued writes written');
    this.fault = undefined;
    for (const id of [...this.memory.keys()]) if (id !== this.current) this.memory.delete(id);
    if (this.current) {
      const stored = this.conn?.get(this.current);
      if (stored) this.memory.set(this.current, stored);
    }
    return true;
  }

  private tick(): void {
    this.checkFile();
    if (this.fault || this.queue.length > 0 || !this.conn) this.retry();
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
    const op: WriteOp = { kind: 'start', id: randomUUID(), room: this.room, organisation: clean(input.organisation), title: clean(input.title), at, startedBy: input.startedBy, travel };
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
    try {
      const row = this.conn ? this.connection().openRow() : undefined;
      return row && this.conn?.record(row);
    } catch (err) {
      if (!isStorageFault(err)) throw err;
      this.degrade(err);
      return undefined;
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
    if (this.queue.length === 0) this.memory.delete(id);
    this.options.log.info({ sessionId: id, reason: input.reason }, 'session ended');
    return after;
  }

  /** Replaces a session's avoided travel (technician correction, open or closed session). */
  updateTravel(id: string, avoidedTravel: TravelInput[]): SessionRecord {
    const travel = this.travel(avoidedTravel);
    const before = this.mustExist(id);
    return this.write({ kind: 'travel', id, travel }, before)!;
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
    if (!this.conn) {
      this.recoverOnOpen = true;
      return [];
    }
    const db = this.conn;
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
      this.degrade(err);
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
    return after?.dialed.at(-1) ?? this.read((db) => db.lastCall(sessionId))!;
  }

  /** Fills in a call's connection, end and outcome as they become known (needs a writable file). */
  updateCall(callId: number, patch: CallPatch): CallRecord {
    const updated = this.read((db) =>
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
    return this.read((db) => db.auditRows(from, to, options.limit ?? 100));
  }

  /**
   * `ok` unless the file cannot be used now (or was deleted/replaced in the last `incidentHoldMs`);
   * `detail` names the file, the error and what is queued.
   */
  health(): { ok: boolean; detail?: string } {
    if (this.closed) return { ok: false, detail: 'closed' };
    this.checkFile();
    const queued = this.queue.length + this.auditLog.queued;
    const problems: string[] = [];
    if (this.fault) problems.push(`session database ${this.path}: ${this.fault.cause}, since ${new Date(this.fault.since).toISOString()}`);
    else if (this.auditLog.lastError) problems.push(`session database ${this.path}: audit writes failing: ${this.auditLog.lastError}`);
    if (queued > 0 && problems.length) problems.push(`${this.queue.length} session writes and ${this.auditLog.queued} audit rows queued in memory, retried every ${(this.options.retryMs ?? 5000) / 1000} s`);
    if (this.droppedWrites + this.auditLog.dropped > 0) problems.push(`${this.droppedWrites} session writes and ${this.auditLog.dropped} audit rows dropped (queue full)`);
    const recent = this.incident && this.now() - this.incident.at < (this.options.incidentHoldMs ?? 600_000) ? this.incident : undefined;
    if (recent) problems.push(`${recent.text} (${new Date(recent.at).toISOString()})`);
    if (problems.length === 0) {
      try {
        this.conn?.ping();
        return { ok: true };
      } catch (err) {
        this.degrade(err);
        return { ok: false, detail: `session database ${this.path}: ${describeStorageFault(err)}` };
      }
    }
    return { ok: false, detail: problems.join('; ') };
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
      const deleted = this.read((db) => db.pruneAudit(toMs(now, 'now', this.timeZone) - days * DAY_MS));
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
    return this.read((db) => listSessions(db, this.pendingRecords(), range, { limit, offset }));
  }

  /** Meetings held, minutes, km and CO₂ saved in [from, to), by organisation and by month. */
  report(filter: SessionFilter = {}): Report {
    const range = filterRange(filter, this.timeZone);
    return this.read((db) => reportSessions(db, this.pendingRecords(), range, this.timeZone));
  }

  /** Sessions whose in-memory version is newer than the file's. */
  private pendingRecords(): ReadonlyMap<string, SessionRecord> {
    return this.queue.length > 0 ? this.memory : new Map();
  }

  /** Flushes the audit, tries the queue once more, and closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    if (this.fault || this.queue.length > 0) this.retry();
    if (this.queue.length > 0) this.options.log.error({ path: this.path, lost: this.queue.length }, 'session writes still queued at shutdown are lost');
    this.auditLog.close();
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.conn?.close();
    this.conn = undefined;
  }
}

function resolveOptions(options: SessionStoreOptions): Resolved {
  return { ...options, co2KgPerKm: options.co2KgPerKm ?? DEFAULT_CO2_KG_PER_KM, sites: options.sites ?? {}, log: options.log ?? silentLogger };
}

function openConnection(options: Resolved): SessionDb {
  const conn = SessionDb.open({ path: options.path, busyTimeoutMs: options.busyTimeoutMs, migrations: options.migrations });
  if (conn.migratedFrom !== conn.version) options.log.info({ path: options.path, from: conn.migratedFrom, to: conn.version }, 'session database migrated');
  return conn;
}

/** The start op that recreates `record` (its travel as stored) in another file. */
function startOpOf(record: SessionRecord): WriteOp {
  return {
    kind: 'start', id: record.id, room: record.room, organisation: record.organisation, title: record.title,
    at: Date.parse(record.startedAt), startedBy: record.startedBy,
    travel: { entries: record.avoidedTravel, km: record.kmAvoided, co2: record.co2Kg },
  };
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
