import type { CallOutcome, CallRecord, EndReason, FaultRecord, SessionRecord, SessionStatus, TravelRecord } from './types.ts';
import { iso } from './time.ts';

/** A `sessions` table row as better-sqlite3 returns it. */
export interface SessionRow {
  id: string;
  room: string;
  organisation: string | null;
  title: string | null;
  started_at: number;
  ended_at: number | null;
  started_by: string;
  ended_by: string | null;
  status: SessionStatus;
  end_reason: EndReason | null;
  avoided_travel: string;
  km_avoided: number;
  co2_kg: number;
  last_activity_at: number;
  booking_id?: string | null;
}

export interface CallRow {
  id: number;
  session_id: string;
  number: string;
  direction: 'outgoing' | 'incoming';
  started_at: number;
  connected_at: number | null;
  ended_at: number | null;
  /** TEXT, written only through the typed write path: one of the call outcome words. */
  outcome: CallOutcome | null;
}

export interface FaultRow {
  session_id: string | null;
  at: number;
  device: string | null;
  code: string;
  message: string;
}

/** Whole minutes of a closed session; null when the end is not known. */
export function durationMin(row: Pick<SessionRow, 'started_at' | 'ended_at' | 'status'>): number | null {
  if (row.status !== 'closed' || row.ended_at === null) return null;
  return Math.max(0, Math.round((row.ended_at - row.started_at) / 60_000));
}

export function toCallRecord(r: CallRow): CallRecord {
  return {
    id: r.id,
    number: r.number,
    direction: r.direction,
    startedAt: iso(r.started_at) as string,
    connectedAt: iso(r.connected_at),
    endedAt: iso(r.ended_at),
    outcome: r.outcome,
  };
}

export function toFaultRecord(r: FaultRow): FaultRecord {
  return { at: iso(r.at) as string, device: r.device, code: r.code, message: r.message };
}

/** The session record of a row (docs/session-log.md), with its calls and faults. */
export function toSessionRecord(row: SessionRow, calls: CallRow[], faults: FaultRow[]): SessionRecord {
  return {
    id: row.id,
    room: row.room,
    organisation: row.organisation,
    title: row.title,
    startedAt: iso(row.started_at) as string,
    endedAt: iso(row.ended_at),
    startedBy: row.started_by,
    endedBy: row.ended_by,
    durationMin: durationMin(row),
    dialed: calls.map(toCallRecord),
    avoidedTravel: JSON.parse(row.avoided_travel) as TravelRecord[],
    kmAvoided: row.km_avoided,
    co2Kg: row.co2_kg,
    faults: faults.map(toFaultRecord),
    status: row.status,
    endReason: row.end_reason,
    lastActivityAt: iso(row.last_activity_at) as string,
    ...(row.booking_id ? { bookingId: row.booking_id } : {}),
  };
}
