import type { Logger } from '../core/logger.ts';
import type { AuditInput } from './types.ts';

/** Keys whose values never reach the audit table, whatever a surface passes in. */
const SECRET_KEY = /pass(word|phrase)?|secret|token|authori[sz]ation|credential|api[-_]?key|cookie/i;

/** Longest args JSON kept; a `raw send` of a firmware blob must not bloat the table. */
const MAX_ARGS_CHARS = 2000;

/** One audit row's column values, in INSERT order. */
export type AuditRowValues = [at: number, who: string, surface: string, device: string | null, command: string, args: string | null, ok: number, errorCode: string | null, latencyMs: number | null];

/**
 * The audit trail of every command received. `record()` only pushes onto an array; rows are
 * written in one transaction every `flushIntervalMs` (or when `batchSize` pile up), so the
 * command path never waits on SQLite. Measured on the dev box: one prepared insert per command
 * costs ~20 µs median but >100 µs at p99 (WAL checkpoints); a batch of 100 costs ~340 µs, 3 µs a row.
 * The price: a kill -9 loses at most the last `flushIntervalMs` of audit rows (sessions are
 * written synchronously and are not affected). close() flushes.
 *
 * When the write fails (disk full, read-only, no database), the rows stay queued — at most
 * `maxQueued`, the oldest dropped first and counted — and the next flush tries again.
 */
export class AuditLog {
  /** The last write failure, until a write succeeds again (for /api/v1/health). */
  lastError: string | undefined;
  /** Rows given up because the queue was full while writes were failing. */
  dropped = 0;
  private pending: AuditRowValues[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (rows: AuditRowValues[]) => void,
    private readonly log: Logger,
    private readonly flushIntervalMs = 100,
    private readonly batchSize = 500,
    private readonly maxQueued = 10_000,
  ) {}

  /** Rows waiting to be written. */
  get queued(): number {
    return this.pending.length;
  }

  /** Queues one entry. Never throws: auditing must not fail a command. */
  record(entry: AuditInput, now: number): void {
    try {
      const at = entry.at === undefined ? now : entry.at instanceof Date ? entry.at.getTime() : typeof entry.at === 'number' ? entry.at : Date.parse(entry.at);
      this.pending.push([
        Number.isFinite(at) ? at : now,
        String(entry.who),
        String(entry.surface),
        entry.device ?? null,
        String(entry.command),
        serialiseArgs(entry.args),
        entry.ok ? 1 : 0,
        entry.errorCode ?? null,
        typeof entry.latencyMs === 'number' && Number.isFinite(entry.latencyMs) ? Math.round(entry.latencyMs * 1000) / 1000 : null,
      ]);
    } catch (err) {
      this.log.warn({ err, command: entry?.command }, 'audit entry dropped');
      return;
    }
    if (this.pending.length > this.maxQueued) {
      this.pending.shift();
      this.dropped++;
    }
    if (this.pending.length >= this.batchSize && this.lastError === undefined) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
    // A pending flush must not keep a finished process (a test, roomctl) alive; close() flushes.
    this.timer.unref();
  }

  /** Writes every queued entry now; on failure they stay queued. Returns whether the queue is empty. */
  flush(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return true;
    const rows = this.pending;
    try {
      this.write(rows);
      this.pending = this.pending.slice(rows.length);
      if (this.lastError !== undefined) this.log.info({ written: rows.length }, 'queued audit rows written');
      this.lastError = undefined;
      return this.pending.length === 0;
    } catch (err) {
      // Disk full or a stuck lock: the audit waits, the meeting goes on. Logged once per outage.
      if (this.lastError === undefined) this.log.error({ err, queued: rows.length }, 'audit rows could not be written; kept queued');
      this.lastError = (err as Error).message;
      return false;
    }
  }

  /** Stops the timer; queued rows are written by a last flush. */
  close(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** JSON of the args with secret-looking keys redacted and long payloads cut; never throws. */
export function serialiseArgs(args: unknown): string | null {
  if (args === undefined || args === null) return null;
  let json: string;
  try {
    json = JSON.stringify(args, (key, value: unknown) => {
      if (key !== '' && SECRET_KEY.test(key)) return '[redacted]';
      return typeof value === 'bigint' ? value.toString() : value;
    });
  } catch {
    return JSON.stringify('[unserialisable]');
  }
  if (json === undefined) return null;
  if (json.length > MAX_ARGS_CHARS) return JSON.stringify({ truncated: true, preview: json.slice(0, MAX_ARGS_CHARS) });
  return json;
}
