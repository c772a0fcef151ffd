import type { CallState } from './capabilities.ts';
import { isCallOutcome, type CallOutcome, type CallRecord } from './call-record.ts';
import type { Room } from './room.ts';

/** A call being followed: its `call` field as last seen, and when the meeting saw it begin and connect. */
interface FollowedCall {
  call: CallState;
  startedAt: string;
  connectedAt?: string;
}

/**
 * The calls of a meeting, as the session log records them: every call device's `call` field is
 * followed, and each call becomes one {@link CallRecord} when it goes back to idle (or when the
 * meeting ends). Times are the meeting's clock; the outcome is the driver's own word when its
 * `calls` history has the call (it knows who hung up and why), else `answered`/`unanswered`.
 */
export class MeetingCalls {
  private readonly followed = new Map<string, FollowedCall>();

  constructor(
    private readonly room: Room,
    private readonly now: () => Date,
  ) {}

  /** The devices that can place calls, in registry order (the first one dials). */
  devices(): string[] {
    return this.room.devices().filter((d) => d.capabilities.includes('call')).map((d) => d.id);
  }

  /** Whether some call device is in a call (any status but idle). */
  inCall(): boolean {
    return this.devices().some((id) => {
      const status = this.callOf(id)?.status;
      return status !== undefined && status !== 'idle';
    });
  }

  /** The devices whose `call` field says a call is up or on its way (to hang up). */
  busyDevices(): string[] {
    return this.devices().filter((id) => this.callOf(id)?.status !== 'idle');
  }

  /** `device`'s `call` field changed; returns the call that ended, if it just went idle. */
  follow(device: string, call: CallState | undefined): CallRecord | undefined {
    if (!call) return undefined;
    if (call.status === 'idle') return this.take(device);
    const now = this.now().toISOString();
    const known = this.followed.get(device);
    const entry = known ?? { call, startedAt: now };
    if (!known) this.followed.set(device, entry);
    if (call.status === 'connected' && !entry.connectedAt) entry.connectedAt = now;
    // A call first seen ringing in stays incoming through its later statuses.
    entry.call = { ...call, ...(entry.call.status === 'incoming' ? { status: 'incoming' as const } : {}), remote: call.remote ?? entry.call.remote };
    return undefined;
  }

  /** Stops following every call (the meeting is closing): the record of each one still known. */
  takeAll(): CallRecord[] {
    return [...this.followed.keys()].map((device) => this.take(device)).filter((r): r is CallRecord => r !== undefined);
  }

  /** The record of the call `device` is known to be in (or was, until now), once; none without a number. */
  private take(device: string): CallRecord | undefined {
    const known = this.followed.get(device);
    this.followed.delete(device);
    if (!known?.call.remote) return undefined;
    return {
      number: known.call.remote,
      direction: known.call.status === 'incoming' ? 'incoming' : 'outgoing',
      startedAt: known.startedAt,
      ...(known.connectedAt ? { connectedAt: known.connectedAt } : {}),
      endedAt: this.now().toISOString(),
      outcome: known.connectedAt ? 'answered' : this.driverOutcome(device, known.call.remote) ?? 'unanswered',
    };
  }

  /**
   * Why the call to or from `number` ended without connecting, as the driver recorded it: the
   * newest entry of its `calls` history, if that one ended, names the same number and says more
   * than "it connected" (the meeting saw it never did).
   */
  private driverOutcome(device: string, number: string): CallOutcome | undefined {
    const history = this.room.device(device).state.calls;
    const newest = (Array.isArray(history) ? history.at(-1) : undefined) as Partial<Record<keyof CallRecord, unknown>> | undefined;
    if (typeof newest?.endedAt !== 'string' || newest.number !== number || !isCallOutcome(newest.outcome)) return undefined;
    return newest.outcome === 'answered' || newest.outcome === 'in-progress' ? undefined : newest.outcome;
  }

  private callOf(device: string): CallState | undefined {
    return this.room.device(device).state.call as CallState | undefined;
  }
}
