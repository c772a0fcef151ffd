import { round3 } from './travel.ts';
import { compareOrganisations } from './organisation-order.ts';
import { monthKey } from './time.ts';
import type { SessionRecord } from './types.ts';

/** What a report needs from a session (the store passes light records without calls and faults). */
export type ReportInput = Pick<
  SessionRecord,
  'organisation' | 'startedAt' | 'durationMin' | 'status' | 'lastActivityAt' | 'kmAvoided' | 'co2Kg'
>;

/** Totals for a group of sessions. */
export interface ReportTotals {
  sessions: number;
  /** Of which interrupted (roomd stopped mid-meeting). */
  interrupted: number;
  minutes: number;
  kmAvoided: number;
  co2Kg: number;
}

/** `GET /api/v1/report`: totals, then per organisation (most sessions first) and per month (oldest first). */
export interface Report extends ReportTotals {
  from: string | null;
  to: string | null;
  byOrganisation: Array<{ organisation: string | null } & ReportTotals>;
  byMonth: Array<{ month: string } & ReportTotals>;
}

/**
 * Minutes a session counts for. Closed: its duration. Interrupted (and still open): a lower bound,
 * from its start to the last moment roomd knew it was going on (a call, a fault, a command, a
 * touch()) — the real end is unknown, but "at least this long" is more honest than 0 and never
 * invents time. Every session counts as one meeting held, interrupted or not: it did take place.
 */
export function countedMinutes(s: ReportInput): number {
  if (s.durationMin !== null) return s.durationMin;
  const ms = Date.parse(s.lastActivityAt) - Date.parse(s.startedAt);
  return Math.max(0, Math.round(ms / 60_000));
}

function emptyTotals(): ReportTotals {
  return { sessions: 0, interrupted: 0, minutes: 0, kmAvoided: 0, co2Kg: 0 };
}

function add(t: ReportTotals, s: ReportInput): void {
  t.sessions += 1;
  if (s.status === 'interrupted') t.interrupted += 1;
  t.minutes += countedMinutes(s);
  t.kmAvoided += s.kmAvoided;
  t.co2Kg += s.co2Kg;
}

function tidy<T extends ReportTotals>(t: T): T {
  t.kmAvoided = round3(t.kmAvoided);
  t.co2Kg = round3(t.co2Kg);
  return t;
}

/**
 * Builds the report from sessions already filtered by range. Pure. Months are calendar months in
 * `timeZone` (the room's), not UTC. CO₂ is the sum of each session's recorded CO₂ (computed with
 * the factor in force when it was recorded), so changing `co2KgPerKm` never rewrites past reports.
 */
export function buildReport(
  sessions: readonly ReportInput[],
  options: { timeZone: string; from?: number | null; to?: number | null },
): Report {
  const total = emptyTotals();
  const byOrg = new Map<string | null, ReportTotals>();
  const byMonth = new Map<string, ReportTotals>();
  for (const s of sessions) {
    add(total, s);
    const org = s.organisation ?? null;
    let o = byOrg.get(org);
    if (!o) byOrg.set(org, (o = emptyTotals()));
    add(o, s);
    const key = monthKey(Date.parse(s.startedAt), options.timeZone);
    let m = byMonth.get(key);
    if (!m) byMonth.set(key, (m = emptyTotals()));
    add(m, s);
  }
  return {
    from: options.from == null ? null : new Date(options.from).toISOString(),
    to: options.to == null ? null : new Date(options.to).toISOString(),
    ...tidy(total),
    byOrganisation: [...byOrg]
      .map(([organisation, t]) => ({ organisation, ...tidy(t) }))
      .sort((a, b) => b.sessions - a.sessions || compareOrganisations(a.organisation, b.organisation)),
    byMonth: [...byMonth]
      .map(([month, t]) => ({ month, ...tidy(t) }))
      .sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0)),
  };
}
