import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../core/logger.ts';
import type { SessionDb } from './session-db.ts';
import { describeStorageFault, isStorageFault, unavailable } from './storage-fault.ts';
import { opSession, type WriteOp } from './write-ops.ts';

export interface SessionFileOptions {
  /** Absolute path of the database. */
  path: string;
  /** Opens the file (throws SessionDatabaseError). */
  open: () => SessionDb;
  log: Logger;
  now: () => number;
  maxQueued: number;
  incidentHoldMs: number;
  retryMs: number;
  /** After the file was (re)opened late, before the queue is replayed (start-up recovery). */
  onOpened(db: SessionDb): void;
  /** The op that recreates the running meeting in a new file (after the old one was replaced). */
  runningMeeting(): WriteOp | undefined;
  /** After the queue is written: the rest that must be flushed (the audit); false if it could not be. */
  afterReplay(): boolean;
}

/**
 * The session database file and what can go wrong with it. Holds the open connection (or none),
 * the current fault, and the writes queued while the file cannot take them; replays them in order
 * on `retry()`. Checks the file's identity (inode) before each use: a file deleted under us is
 * written back from the connection that still has it open; a replaced one is used from then on,
 * its predecessor saved beside it.
 */
export class SessionFile {
  private conn: SessionDb | undefined;
  private fault: { cause: string; since: number } | undefined;
  private incident: { text: string; at: number } | undefined;
  private readonly queue: WriteOp[] = [];
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly options: SessionFileOptions,
    conn: SessionDb | undefined,
    openError?: unknown,
  ) {
    this.conn = conn;
    if (openError !== undefined) this.degrade(openError);
  }

  get path(): string {
    return this.options.path;
  }

  /** The open connection (if any), without the file check: for the schema version. */
  get current(): SessionDb | undefined {
    return this.conn;
  }

  /** Writes waiting in memory. */
  get queued(): number {
    return this.queue.length;
  }

  /** The open connection, after the file check; `Unavailable` (503) if there is none. */
  connection(): SessionDb {
    this.checkFile();
    if (!this.conn) throw unavailable(this.options.path, this.fault?.cause ?? 'not open');
    return this.conn;
  }

  /** Runs a read; a storage fault becomes `Unavailable` (503), never a 500. */
  read<T>(fn: (db: SessionDb) => T): T {
    try {
      return fn(this.connection());
    } catch (err) {
      if (!isStorageFault(err)) throw err;
      this.degrade(err);
      throw unavailable(this.options.path, describeStorageFault(err));
    }
  }

  /**
   * Writes `op` now if nothing is queued before it and the file takes it; otherwise queues it.
   * Errors that are not storage faults (a refused constraint) are thrown.
   */
  write(op: WriteOp): 'written' | 'queued' {
    if (this.conn && this.queue.length === 0) {
      try {
        this.connection().apply(op);
        this.fault = undefined;
        return 'written';
      } catch (err) {
        if (!isStorageFault(err)) throw err;
        this.degrade(err);
      }
    }
    this.queue.push(op);
    if (this.queue.length > this.options.maxQueued) {
      // Drop a touch first (it only refines an interrupted session's last activity), else the oldest.
      const touch = this.queue.findIndex((o) => o.kind === 'touch');
      this.queue.splice(touch >= 0 ? touch : 0, 1);
      this.dropped++;
    }
    return 'queued';
  }

  /** Notes a storage fault (logged once per outage); a broken handle is dropped to be reopened. */
  degrade(err: unknown): void {
    const cause = describeStorageFault(err);
    if (!this.fault) this.options.log.error({ path: this.options.path, err: cause }, 'session database fault: meetings go on, writes are queued and retried');
    this.fault = { cause, since: this.fault?.since ?? this.options.now() };
    if (/corrupt|unusable|CANTOPEN|not open/.test(cause) && this.conn && this.conn.fileState() === 'same') {
      this.conn.close();
      this.conn = undefined;
    }
  }

  /** The inode check: was the file deleted or replaced while we had it open? */
  checkFile(): void {
    const conn = this.conn;
    if (!conn || this.closed) return;
    const state = conn.fileState();
    if (state === 'same') return;
    const path = this.options.path;
    const stamp = new Date(this.options.now()).toISOString().replace(/[:.]/g, '-');
    const target = state === 'deleted' ? path : `${path}.replaced-${stamp}`;
    let saved = true;
    try {
      mkdirSync(dirname(target), { recursive: true });
      conn.copyTo(target);
    } catch (err) {
      saved = false;
      this.options.log.error({ path: target, err: describeStorageFault(err) }, 'could not save the session database content');
    }
    const text =
      state === 'deleted'
        ? `session database ${path} was deleted while roomd was running; ${saved ? 'written back from the open connection' : 'it could not be written back: earlier sessions are lost'}`
        : `session database ${path} was replaced while roomd was running; the new file is used${saved ? `, the previous content was saved to ${target}` : ''}`;
    this.incident = { text, at: this.options.now() };
    this.options.log.error({ path, event: state }, text);
    conn.close();
    this.conn = undefined;
    // The running meeting must exist in whatever file is written from now on.
    const running = state === 'replaced' ? this.options.runningMeeting() : undefined;
    if (running) this.queue.unshift(running);
    this.retry();
  }

  /** Reopens the file if needed, then writes what is queued, in order. Returns whether all is written. */
  retry(): boolean {
    if (this.closed) return false;
    if (!this.conn) {
      try {
        this.conn = this.options.open();
        this.options.log.info({ path: this.options.path }, 'session database open again');
      } catch (err) {
        this.degrade(err);
        return false;
      }
      this.options.onOpened(this.conn);
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
    if (!this.options.afterReplay()) return false;
    if (written > 0 || this.fault) this.options.log.info({ path: this.options.path, written, dropped: this.dropped }, 'session database writable again; queued writes written');
    this.fault = undefined;
    return true;
  }

  /** The periodic check: file identity, then a retry while anything is wrong or waiting. */
  tick(): void {
    this.checkFile();
    if (this.fault || this.queue.length > 0 || !this.conn) this.retry();
  }

  /** What is wrong now, one phrase each (empty when all is well). */
  problems(audit: { queued: number; dropped: number; lastError: string | undefined }): string[] {
    const path = this.options.path;
    const out: string[] = [];
    if (this.fault) out.push(`session database ${path}: ${this.fault.cause}, since ${new Date(this.fault.since).toISOString()}`);
    else if (audit.lastError) out.push(`session database ${path}: audit writes failing: ${audit.lastError}`);
    if (out.length && this.queue.length + audit.queued > 0) {
      out.push(`${this.queue.length} session writes and ${audit.queued} audit rows queued in memory, retried every ${this.options.retryMs / 1000} s`);
    }
    if (this.dropped + audit.dropped > 0) out.push(`${this.dropped} session writes and ${audit.dropped} audit rows dropped (queue full)`);
    const recent = this.incident && this.options.now() - this.incident.at < this.options.incidentHoldMs ? this.incident : undefined;
    if (recent) out.push(`${recent.text} (${new Date(recent.at).toISOString()})`);
    if (out.length === 0 && this.conn) {
      try {
        this.conn.ping();
      } catch (err) {
        this.degrade(err);
        out.push(`session database ${path}: ${describeStorageFault(err)}`);
      }
    }
    return out;
  }

  /** Tries the queue once more, then closes the connection; what is still queued is lost (and logged). */
  close(): void {
    if (this.closed) return;
    if (this.fault || this.queue.length > 0) this.retry();
    if (this.queue.length > 0) this.options.log.error({ path: this.options.path, lost: this.queue.length }, 'session writes still queued at shutdown are lost');
    this.closed = true;
    this.conn?.close();
    this.conn = undefined;
  }
}
