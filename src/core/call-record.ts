/**
 * One call, as every part of roomd records it: the `calls` history a codec driver keeps in its
 * state (built by the SDK's CallTracker), and the `dialed` list of a session in the session log
 * (docs/session-log.md). One vocabulary of outcomes for both, so a report reads the same words
 * whichever codec placed the call.
 */

export type CallDirection = 'outgoing' | 'incoming';

/**
 * How a call ended:
 * - `in-progress`: still up (only in a driver's live `calls` history);
 * - `answered`: it connected at some point, whoever hung up;
 * - `missed`: an incoming call that stopped ringing before anyone answered;
 * - `rejected`: refused (by us for an incoming call, by the far end — SIP 486/600/603 — for ours);
 * - `busy`, `no-answer`: the far end was busy, or never answered (when the codec says so);
 * - `cancelled`: we gave up on our own call before it connected;
 * - `failed`: it never connected for any other reason (bad number, network, refused dial);
 * - `unanswered`: it never connected and the device did not say why (the session log records this
 *   for a call device without a `calls` history; it was the session log's only other word before
 *   the vocabularies were merged, so older databases hold it too).
 */
export const CALL_OUTCOMES = ['in-progress', 'answered', 'missed', 'rejected', 'busy', 'no-answer', 'cancelled', 'failed', 'unanswered'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** One call placed or received; times are ISO 8601 UTC. */
export interface CallRecord {
  /** What was dialed (outgoing), or the caller's number or URI (incoming). */
  number: string;
  direction: CallDirection;
  startedAt: string;
  connectedAt?: string;
  /** Absent while the call is up. */
  endedAt?: string;
  outcome: CallOutcome;
  /** The codec's reason for a failed dial, when it gave one. */
  reason?: string;
}

/** Whether `value` names one of the outcome words (a driver's state field is not typed). */
export function isCallOutcome(value: unknown): value is CallOutcome {
  return (CALL_OUTCOMES as readonly unknown[]).includes(value);
}
