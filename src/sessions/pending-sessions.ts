import { isRoomError, RoomError } from '../core/errors.ts';
import type { SessionFile } from './session-file.ts';
import type { SessionRecord } from './types.ts';
import { applyToRecord, opSession, recordOfStart, startOpOf, type WriteOp } from './write-ops.ts';

/**
 * The store's in-memory copy of sessions over the file: every session with queued writes, as it
 * will be once they are written, and the running meeting (always). Reads prefer this copy; a write
 * goes to the file, or is queued there and applied here, so a meeting carries on while the file
 * cannot take it.
 */
export class PendingSessions {
  private readonly records = new Map<string, SessionRecord>();
  /** This roomd's running meeting, if any. */
  private current: string | undefined;
  /** Calls recorded in memory get negative ids until they reach the file. */
  private memoryCallId = 0;

  constructor(private readonly file: SessionFile) {}

  /** The id of this roomd's running meeting. */
  get currentId(): string | undefined {
    return this.current;
  }

  /** The running meeting as this roomd knows it. */
  running(): SessionRecord | undefined {
    return this.current ? this.records.get(this.current) : undefined;
  }

  /** The op that recreates the running meeting in a new file. */
  runningOp(): WriteOp | undefined {
    const open = this.running();
    return open && startOpOf(open);
  }

  /** The session as it is now: its queued version, else the stored one. */
  lookup(id: string): SessionRecord | undefined {
    const inMemory = this.records.get(id);
    if (inMemory) return inMemory;
    return this.file.read((db) => db.get(id));
  }

  /** Whether any session held in memory satisfies `test`. */
  some(test: (record: SessionRecord) => boolean): boolean {
    return [...this.records.values()].some(test);
  }

  /** Sessions whose in-memory version is newer than the file's. */
  newerThanFile(): ReadonlyMap<string, SessionRecord> {
    return this.file.queued > 0 ? this.records : new Map();
  }

  /** Opens `op`'s session as the running meeting: written, or queued and held here. */
  start(op: Extract<WriteOp, { kind: 'start' }>): SessionRecord {
    this.current = op.id;
    const record = this.write(op) ?? recordOfStart(op);
    this.records.set(op.id, record);
    return record;
  }

  /** `id` was ended: no longer the running meeting, and no longer held once nothing is queued. */
  ended(id: string): void {
    if (this.current === id) this.current = undefined;
    if (this.file.queued === 0) this.records.delete(id);
  }

  /**
   * Writes `op`, or queues it when the file cannot take it. Either way the session's record after
   * the op is returned (read back from the file when it was written).
   */
  write(op: WriteOp, before?: SessionRecord): SessionRecord | undefined {
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
        stored = this.applied(id, op, before);
      }
      if (stored && id === this.current) this.records.set(id, stored);
      if (stored && stored.status !== 'open') this.records.delete(id);
      return stored;
    }
    if (id === null) return undefined;
    const after = this.applied(id, op, before);
    if (after) this.records.set(id, after);
    return after;
  }

  /** Everything queued is written: the file is the truth again (the running meeting stays cached). */
  settled(): void {
    for (const id of [...this.records.keys()]) if (id !== this.current) this.records.delete(id);
    if (this.current) {
      const stored = this.file.current?.get(this.current);
      if (stored) this.records.set(this.current, stored);
    }
  }

  /** The session `id` after `op`, computed in memory from the best copy we have. */
  private applied(id: string, op: WriteOp, before: SessionRecord | undefined): SessionRecord | undefined {
    const base = this.records.get(id) ?? before ?? (op.kind === 'start' ? recordOfStart(op) : undefined);
    return base && (op.kind === 'start' ? base : applyToRecord(base, op, () => --this.memoryCallId));
  }
}

/** The one-open-session index refusing a second start (two roomds on one file): a Conflict. */
function constraintAsConflict(err: unknown): unknown {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  return code.startsWith('SQLITE_CONSTRAINT') ? new RoomError('Conflict', `the session log refused the write: ${(err as Error).message}`) : err;
}
