import type { CallDirection, CallOutcome, EndReason, SessionRecord, TravelRecord } from './types.ts';
import { iso } from './time.ts';

/** Travel as stored: the entries with their frozen km, the total and its CO₂. */
export interface StoredTravel {
  entries: TravelRecord[];
  km: number;
  co2: number;
}

/**
 * One write to the session log, as plain data with every value already decided (ids, times, km).
 * The store validates a request, turns it into an op, and applies it to the database — or, when the
 * database cannot take it (disk full, read-only, corrupt, gone), queues it and applies it to its
 * in-memory copy of the session, so the meeting carries on and the op is written on a later retry.
 * Replaying an op gives the same rows as writing it at once.
 */
export type WriteOp =
  | {
      kind: 'start';
      id: string;
      room: string;
      organisation: string | null;
      title: string | null;
      at: number;
      startedBy: string;
      travel: StoredTravel;
      /** The calendar booking the meeting was started from. */
      bookingId?: string | null;
    }
  | { kind: 'end'; id: string; at: number; endedBy: string; reason: Exclude<EndReason, 'interrupted'>; travel?: StoredTravel }
  | { kind: 'travel'; id: string; travel: StoredTravel }
  | {
      kind: 'call';
      sessionId: string;
      number: string;
      direction: CallDirection;
      startedAt: number;
      connectedAt: number | null;
      endedAt: number | null;
      outcome: CallOutcome | null;
    }
  | { kind: 'fault'; sessionId: string | null; at: number; device: string | null; code: string; message: string }
  | { kind: 'touch'; id: string; at: number };

/** Session rows' writes pay an fsync (see SessionDb.apply); calls, faults and touches do not. */
export function isDurableOp(op: WriteOp): boolean {
  return op.kind === 'start' || op.kind === 'end' || op.kind === 'travel';
}

/** The session an op belongs to, if any. */
export function opSession(op: WriteOp): string | null {
  return op.kind === 'call' || op.kind === 'fault' ? op.sessionId : op.id;
}

/** A new session's record, as the database would return it after `op`. */
export function recordOfStart(op: Extract<WriteOp, { kind: 'start' }>): SessionRecord {
  return {
    id: op.id,
    room: op.room,
    organisation: op.organisation,
    title: op.title,
    startedAt: iso(op.at) as string,
    endedAt: null,
    startedBy: op.startedBy,
    endedBy: null,
    durationMin: null,
    dialed: [],
    avoidedTravel: op.travel.entries,
    kmAvoided: op.travel.km,
    co2Kg: op.travel.co2,
    faults: [],
    status: 'open',
    endReason: null,
    lastActivityAt: iso(op.at) as string,
    ...(op.bookingId ? { bookingId: op.bookingId } : {}),
  };
}

/**
 * `record` after `op`, computed in memory exactly as the SQL in SessionDb.apply computes it (the
 * copy a degraded store answers from). Calls get negative ids until they reach the database.
 */
export function applyToRecord(record: SessionRecord, op: WriteOp, nextCallId: () => number): SessionRecord {
  const last = Date.parse(record.lastActivityAt);
  const started = Date.parse(record.startedAt);
  const activity = (at: number) => iso(Math.max(last, at)) as string;
  const travel = (t: StoredTravel | undefined) => (t ? { avoidedTravel: t.entries, kmAvoided: t.km, co2Kg: t.co2 } : {});
  switch (op.kind) {
    case 'start':
      return record;
    case 'end': {
      const endedAt = Math.max(op.at, started);
      return {
        ...record,
        ...travel(op.travel),
        status: 'closed',
        endedAt: iso(endedAt) as string,
        endedBy: op.endedBy,
        endReason: op.reason,
        durationMin: Math.max(0, Math.round((endedAt - started) / 60_000)),
        lastActivityAt: activity(op.at),
      };
    }
    case 'travel':
      return { ...record, ...travel(op.travel) };
    case 'call':
      return {
        ...record,
        dialed: [
          ...record.dialed,
          {
            id: nextCallId(),
            number: op.number,
            direction: op.direction,
            startedAt: iso(op.startedAt) as string,
            connectedAt: iso(op.connectedAt),
            endedAt: iso(op.endedAt),
            outcome: op.outcome,
          },
        ],
        lastActivityAt: activity(op.startedAt),
      };
    case 'fault':
      return { ...record, faults: [...record.faults, { at: iso(op.at) as string, device: op.device, code: op.code, message: op.message }], lastActivityAt: activity(op.at) };
    case 'touch':
      return { ...record, lastActivityAt: activity(op.at) };
  }
}

/** The start op that recreates `record` (its travel as stored) in another file. */
export function startOpOf(record: SessionRecord): WriteOp {
  return {
    kind: 'start', id: record.id, room: record.room, organisation: record.organisation, title: record.title,
    at: Date.parse(record.startedAt), startedBy: record.startedBy,
    travel: { entries: record.avoidedTravel, km: record.kmAvoided, co2: record.co2Kg },
    ...(record.bookingId ? { bookingId: record.bookingId } : {}),
  };
}

