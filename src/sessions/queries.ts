import { buildReport, type Report } from './report.ts';
import { toSessionRecord } from './rows.ts';
import type { SessionDb } from './session-db.ts';
import { toMs } from './time.ts';
import type { SessionFilter, SessionRecord } from './types.ts';

/** list() refuses to materialise more rows than this in one call. */
export const MAX_LIST_LIMIT = 10_000;

interface Range {
  sql: string;
  params: unknown[];
  from: number | null;
  to: number | null;
  matches(record: SessionRecord): boolean;
}

/** A filter as SQL and as a predicate over records (for sessions still only in memory). */
export function filterRange(filter: SessionFilter, timeZone: string): Range {
  const from = filter.from === undefined ? null : toMs(filter.from, 'from', timeZone, 'from');
  const to = filter.to === undefined ? null : toMs(filter.to, 'to', timeZone, 'to');
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (from !== null) clauses.push('started_at >= ?'), params.push(from);
  if (to !== null) clauses.push('started_at < ?'), params.push(to);
  if (filter.organisation !== undefined) clauses.push('organisation = ?'), params.push(filter.organisation);
  return {
    sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '',
    params,
    from,
    to,
    matches(r) {
      const at = Date.parse(r.startedAt);
      return (from === null || at >= from) && (to === null || at < to) && (filter.organisation === undefined || r.organisation === filter.organisation);
    },
  };
}

/**
 * Sessions started in [from, to), newest first, with the total before paging. `pending` holds the
 * sessions whose latest writes are still queued: their in-memory version replaces the stored one.
 */
export function listSessions(
  db: SessionDb,
  pending: ReadonlyMap<string, SessionRecord>,
  range: Range,
  page: { limit: number; offset: number },
): { sessions: SessionRecord[]; total: number } {
  const onlyInMemory = [...pending.values()].filter((r) => range.matches(r) && !db.row(r.id));
  const total = db.count(range.sql, range.params) + onlyInMemory.length;
  const replace = (rows: ReturnType<SessionDb['rows']>) => rows.map((row) => pending.get(row.id) ?? db.record(row));
  if (onlyInMemory.length === 0) return { sessions: replace(db.rows(range.sql, range.params, 'started_at DESC, id DESC', page)), total };
  // Rare (a session started while the disk was full): merge the first pages and cut.
  const stored = replace(db.rows(range.sql, range.params, 'started_at DESC, id DESC', { limit: page.offset + page.limit, offset: 0 }));
  const merged = [...onlyInMemory, ...stored].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : -1));
  return { sessions: merged.slice(page.offset, page.offset + page.limit), total };
}

/** Meetings held, minutes, km and CO₂ saved in the range, by organisation and by month. */
export function reportSessions(db: SessionDb, pending: ReadonlyMap<string, SessionRecord>, range: Range, timeZone: string): Report {
  // Calls and faults do not count in a report: skip their queries.
  const stored = db.rows(range.sql, range.params, 'started_at').map((r) => pending.get(r.id) ?? toSessionRecord(r, [], []));
  const onlyInMemory = [...pending.values()].filter((r) => range.matches(r) && !stored.some((s) => s.id === r.id));
  return buildReport([...stored, ...onlyInMemory], { timeZone, from: range.from, to: range.to });
}
