import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, type Migration, migrations as defaultMigrations } from './schema.ts';

/** Why the session database could not be opened; the message says what to do. */
export type SessionDbProblem = 'corrupt' | 'locked' | 'newer' | 'unusable';

/** A start-up failure of the session database: roomd should print the message and exit. */
export class SessionDatabaseError extends Error {
  readonly problem: SessionDbProblem;
  readonly path: string;

  constructor(problem: SessionDbProblem, path: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'SessionDatabaseError';
    this.problem = problem;
    this.path = path;
  }
}

export interface OpenDbOptions {
  path: string;
  /** How long a statement waits for another connection's lock before failing (SQLITE_BUSY). */
  busyTimeoutMs?: number;
  migrations?: readonly Migration[];
}

/**
 * Opens (creating if needed) the session database: WAL journal, `synchronous = NORMAL` as the
 * connection default (the store raises it to FULL around session writes), foreign keys on, a busy
 * timeout, migrations applied. Any failure becomes a {@link SessionDatabaseError} with a message a
 * technician can act on; the connection is closed on failure.
 */
export function openDatabase(options: OpenDbOptions): { db: Database.Database; migratedFrom: number; version: number } {
  const path = resolve(options.path);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw new SessionDatabaseError('unusable', path, `session database directory ${dirname(path)} cannot be created: ${(err as Error).message}`, err);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    // The first statements read the header: a file that is not SQLite fails here (SQLITE_NOTADB).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const { from, to } = migrate(db, options.migrations ?? defaultMigrations);
    // Take and release the write lock once: a database another process holds exclusively is
    // refused now, at start-up, rather than when the first meeting starts.
    db.exec('BEGIN IMMEDIATE; COMMIT');
    // Parse the whole schema (a damaged sqlite_schema page fails here rather than mid-meeting).
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return { db, migratedFrom: from, version: to };
  } catch (err) {
    try {
      db?.close();
    } catch {
      /* closing a broken handle may fail too; the original error matters */
    }
    throw describeOpenError(path, err);
  }
}

function describeOpenError(path: string, err: unknown): SessionDatabaseError {
  if (err instanceof SessionDatabaseError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const detail = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new SessionDatabaseError(
      'corrupt',
      path,
      `session database ${path} is corrupt (${detail}): move it aside or restore a backup`,
      err,
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new SessionDatabaseError(
      'locked',
      path,
      `session database ${path} is locked by another process (${detail}): is another roomd or an sqlite3 shell using it?`,
      err,
    );
  }
  if (/newer than this roomd/.test(detail)) return new SessionDatabaseError('newer', path, `session database ${path}: ${detail}`, err);
  return new SessionDatabaseError('unusable', path, `session database ${path} cannot be opened (${detail})`, err);
}
