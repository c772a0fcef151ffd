import type { CallRecord } from './call-record.ts';
import type { TravelEntry } from './meeting-requests.ts';

/**
 * What the meeting controller needs from the pieces around it, the session log (src/sessions) and
 * the calendar (src/calendar), described from the core's side: the core imports neither.
 */

/** What a session record looks like to the core; the session store owns the full shape (docs/session-log.md). */
export interface SessionSummary {
  id: string;
  startedAt?: string | null;
  bookingId?: string;
}

/** A calendar booking as the meeting sees it (the calendar module provides them). */
export interface BookingInfo {
  id: string;
  /** ISO 8601 UTC. */
  start: string;
  end: string;
  title: string;
  organisation?: string;
  dial?: string;
  status: 'upcoming' | 'held' | 'no-show' | 'cancelled';
}

/** Where `start({ booking })` finds the booking it names. */
export interface BookingLookup {
  booking(id: string): BookingInfo | undefined;
}

/** Why a meeting ended. */
export type EndReason = 'user' | 'idle' | 'night' | 'shutdown' | 'booking';

/** The session log as the meeting controller uses it (implemented by src/sessions). */
export interface SessionLog {
  startSession(input: { organisation?: string; title?: string; startedBy: string; avoidedTravel?: TravelEntry[]; bookingId?: string; at?: string }): SessionSummary;
  endSession(id: string, input: { endedBy: string; reason: EndReason; avoidedTravel?: TravelEntry[]; at?: string }): SessionSummary;
  openSession(): SessionSummary | undefined;
  /** The session as stored now (with the calls recorded since it was closed). */
  get?(id: string): SessionSummary | undefined;
  addCall(sessionId: string, call: CallRecord): void;
  addFault(sessionId: string, fault: { at: string; device: string; code: string; message: string }): void;
  /** Records activity, so an interrupted session still has a lower bound for its duration. */
  touch?(sessionId: string): void;
}
