import { RoomError } from '../core/errors.ts';
import { SessionDatabaseError } from './open-db.ts';

/**
 * Whether `err` is the storage failing (and not the request being wrong): disk full, read-only
 * file or file system, I/O error, corrupt or vanished file, a lock held too long, a closed handle.
 * Such errors make the store degrade (queue and retry); they never reach a client as a 500.
 */
export function isStorageFault(err: unknown): boolean {
  if (err instanceof RoomError) return false;
  if (err instanceof SessionDatabaseError) return true;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (/^SQLITE_(FULL|IOERR|READONLY|CORRUPT|NOTADB|CANTOPEN|BUSY|LOCKED|PERM|PROTOCOL|NOMEM|AUTH)/.test(code)) return true;
  if (/^(ENOSPC|EROFS|EIO|EACCES|EPERM|ENOENT)$/.test(code)) return true;
  // better-sqlite3 throws a TypeError on a handle it has closed.
  return err instanceof TypeError && /database connection is not open/.test(err.message);
}

/** A short, technician-readable cause: "disk full (SQLITE_FULL: database or disk is full)". */
export function describeStorageFault(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof SessionDatabaseError) return message;
  const what = code.startsWith('SQLITE_FULL')
    ? 'disk full'
    : code.startsWith('SQLITE_READONLY')
      ? 'read-only'
      : code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')
        ? 'corrupt'
        : code.startsWith('SQLITE_IOERR')
          ? 'I/O error'
          : code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
            ? 'locked'
            : 'unusable';
  return `${what} (${code ? `${code}: ` : ''}${message})`;
}

/** What a read answers while the database cannot be read: 503, never a 500. */
export function unavailable(path: string, cause: string): RoomError {
  return new RoomError('Unavailable', `the session log ${path} cannot be read right now: ${cause}; meetings still run and their writes are queued`, { path });
}
