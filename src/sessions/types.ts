/**
 * Shapes of the session log (docs/session-log.md). Times are ISO 8601 strings in records and epoch
 * milliseconds in the database (so range filters and sorting are plain integer comparisons).
 */

import type { CallDirection, CallOutcome } from '../core/call-record.ts';
import type { TravelEntry } from '../core/meeting-requests.ts';

export type { CallDirection, CallOutcome } from '../core/call-record.ts';

/** Something that names an instant: a Date, epoch milliseconds or an ISO 8601 string. */
export type Instant = Date | number | string;

/** Why a session ended. `interrupted` is only ever set by {@link SessionStore.recoverInterrupted}. */
export type EndReason = 'user' | 'idle' | 'night' | 'shutdown' | 'booking' | 'interrupted';

/** `open` while the meeting runs; `interrupted` when roomd died (or lost power) during it. */
export type SessionStatus = 'open' | 'closed' | 'interrupted';

/** What a client said about travel: one group of people and the site they would have driven to. */
export type TravelInput = TravelEntry;

/** A travel entry with the kilometres it stands for, as stored (history is not recomputed). */
export interface TravelRecord extends TravelEntry {
  /** The site's display name at the time it was recorded. */
  name: string;
  /** Cars that would have made the round trip. */
  cars: number;
  km: number;
}

/** A place people would otherwise have driven to; the `sessions.sites` config values. */
export interface SiteConfig {
  name: string;
  roundTripKm: number;
}

/** A call placed or received during a session: the core's call record (src/core/call-record.ts), as stored. */
export interface CallRecord {
  id: number;
  number: string;
  direction: CallDirection;
  startedAt: string;
  connectedAt: string | null;
  endedAt: string | null;
  /** One of the call outcome words; null when none was recorded. */
  outcome: CallOutcome | null;
}

export interface CallInput {
  number: string;
  direction?: CallDirection;
  startedAt?: Instant;
  connectedAt?: Instant | null;
  endedAt?: Instant | null;
  outcome?: CallOutcome | null;
}

export type CallPatch = Partial<Pick<CallInput, 'connectedAt' | 'endedAt' | 'outcome'>>;

/** A device problem seen during a session (offline, timeout, failed scene step…). */
export interface FaultRecord {
  at: string;
  device: string | null;
  code: string;
  message: string;
}

export interface FaultInput {
  at?: Instant;
  device?: string | null;
  code: string;
  message: string;
}

/** One meeting (docs/session-log.md). */
export interface SessionRecord {
  id: string;
  room: string;
  organisation: string | null;
  title: string | null;
  startedAt: string;
  /** null while open, and for interrupted sessions (the real end time is unknown). */
  endedAt: string | null;
  startedBy: string;
  endedBy: string | null;
  /** Whole minutes; null unless closed. */
  durationMin: number | null;
  dialed: CallRecord[];
  avoidedTravel: TravelRecord[];
  kmAvoided: number;
  co2Kg: number;
  faults: FaultRecord[];
  status: SessionStatus;
  endReason: EndReason | null;
  /** The last moment roomd knew the meeting was going on (start, calls, faults, commands, touch()). */
  lastActivityAt: string;
  /** The calendar booking it was started from, if any. */
  bookingId?: string;
}

export interface StartSessionInput {
  organisation?: string | null;
  title?: string | null;
  /** Token name or surface ('panel', 'tech', 'mqtt', 'schedule'). */
  startedBy: string;
  avoidedTravel?: TravelInput[];
  at?: Instant;
  /** The calendar booking this meeting was started from. */
  bookingId?: string | null;
}

export interface EndSessionInput {
  endedBy: string;
  reason: Exclude<EndReason, 'interrupted'>;
  /** Replaces the travel given at start when present (people are often counted at the end). */
  avoidedTravel?: TravelInput[];
  at?: Instant;
}

/** One command received by any surface. `args` must not hold secrets; known secret keys are redacted anyway. */
export interface AuditInput {
  at?: Instant;
  /** Token name, or the surface for unauthenticated loopback/panel use. */
  who: string;
  surface: string;
  device?: string | null;
  command: string;
  args?: unknown;
  ok: boolean;
  errorCode?: string | null;
  latencyMs?: number | null;
}

export interface AuditRecord {
  id: number;
  at: string;
  who: string;
  surface: string;
  device: string | null;
  command: string;
  args: unknown;
  ok: boolean;
  errorCode: string | null;
  latencyMs: number | null;
}

/** Filters shared by list(), report() and the CSV export. `to` is exclusive (see time.ts for bare dates). */
export interface SessionFilter {
  from?: Instant;
  to?: Instant;
  organisation?: string;
}
