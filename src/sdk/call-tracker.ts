import type { CallState, CallStatus, DeviceState } from '../core/capabilities.ts';
import type { CallDirection, CallOutcome, CallRecord } from '../core/call-record.ts';

/**
 * Codec-independent call bookkeeping: the `call` state field (docs/capabilities.md) and a short `calls`
 * history of {@link CallRecord}s (newest last; a call is in it from its start, `in-progress` until
 * it ends), fed by whatever the codec reports about its calls. Pure apart from the injected clock,
 * so every codec driver (cisco-xapi, poly-group, baresip) follows one set of rules and one set of
 * outcome words. A driver keys calls by the codec's call id, or by a key of its own when the codec
 * names calls late (baresip).
 */

/** What a codec said about one call; absent fields are unchanged. */
export interface CallObservation {
  status?: CallStatus;
  remote?: string;
  direction?: CallDirection;
}

interface LiveCall {
  id: string;
  status: CallStatus;
  remote?: string;
  direction?: CallDirection;
  record: CallRecord;
  cause?: CallOutcome;
}

/** Which live call the room's single `call` field shows when several exist. */
const RANK: Record<CallStatus, number> = { connected: 5, incoming: 4, ringing: 3, dialing: 2, disconnecting: 1, idle: 0 };

export class CallTracker {
  private readonly live = new Map<string, LiveCall>();
  private readonly history: CallRecord[] = [];
  private pendingDial: string | undefined;
  private current: CallState = { status: 'idle' };

  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly limit = 20,
  ) {}

  /** We sent a dial for `number`: the next new call without a known direction is this outgoing one. */
  noteDial(number: string): void {
    this.pendingDial = number;
  }

  /** The codec refused a dial outright (no call was created). */
  dialFailed(number: string, reason: string): DeviceState {
    this.pendingDial = undefined;
    const at = this.now().toISOString();
    this.push({ number, direction: 'outgoing', startedAt: at, endedAt: at, outcome: 'failed', reason });
    return this.snapshot();
  }

  /** Applies what the codec reported about call `id`; returns the new state patch. */
  observe(id: string, obs: CallObservation): DeviceState {
    let call = this.live.get(id);
    if (!call) {
      const direction = obs.direction ?? (obs.status === 'incoming' ? 'incoming' : 'outgoing');
      const number = obs.remote ?? (direction === 'outgoing' ? this.pendingDial : undefined) ?? '';
      if (direction === 'outgoing') this.pendingDial = undefined;
      const record: CallRecord = { number, direction, startedAt: this.now().toISOString(), outcome: 'in-progress' };
      call = { id, status: obs.status ?? (direction === 'incoming' ? 'incoming' : 'dialing'), direction, remote: number || undefined, record };
      this.live.set(id, call);
      this.push(record);
    }
    if (obs.direction) call.direction = call.record.direction = obs.direction;
    if (obs.remote) call.remote = call.record.number = obs.remote;
    if (obs.status) call.status = obs.status;
    // Codecs say "ringing" for both ends of an alerting call; the direction (which may arrive on a
    // later line) tells whether the far end is ringing or we are.
    if (call.direction === 'outgoing' && call.status === 'incoming') call.status = 'ringing';
    if (call.direction === 'incoming' && call.status === 'ringing') call.status = 'incoming';
    if (call.status === 'connected' && !call.record.connectedAt) call.record.connectedAt = this.now().toISOString();
    return this.snapshot();
  }

  /** Why call `id` ended (applies to a live call, or amends the record of one that just ended). */
  setCause(id: string, cause: CallOutcome): DeviceState {
    const call = this.live.get(id);
    if (call) call.cause = cause;
    else {
      const record = this.endedById.get(id);
      if (record && !record.connectedAt) record.outcome = cause;
    }
    return this.snapshot();
  }

  /** Cause for whichever call is live right now (Poly's `hangup all` has no call id). */
  setCauseForAll(cause: CallOutcome): void {
    for (const call of this.live.values()) call.cause = cause;
  }

  private readonly endedById = new Map<string, CallRecord>();

  /**
   * Call `id` is gone (Cisco ghost line, Poly `ended:`, baresip CALL_CLOSED). A call that connected
   * was `answered`; otherwise `cause` (or one set earlier by {@link setCause}) says why, else missed/failed.
   */
  end(id: string, cause?: CallOutcome): DeviceState {
    const call = this.live.get(id);
    if (!call) return this.snapshot();
    this.live.delete(id);
    const r = call.record;
    r.endedAt = this.now().toISOString();
    if (r.connectedAt) r.outcome = 'answered';
    else r.outcome = cause ?? call.cause ?? (r.direction === 'incoming' ? 'missed' : 'failed');
    this.endedById.set(id, r);
    if (this.endedById.size > this.limit) this.endedById.delete(this.endedById.keys().next().value as string);
    return this.snapshot();
  }

  /** After a full status read: calls the codec no longer lists ended while we were not looking. */
  retainOnly(ids: ReadonlySet<string>): DeviceState {
    for (const id of [...this.live.keys()]) if (!ids.has(id)) this.end(id);
    return this.snapshot();
  }

  /** Ids of every call still up, oldest first (to hang them all up one by one). */
  liveIds(): string[] {
    return [...this.live.keys()];
  }

  /** The status of live call `id`; undefined once it ended (or was never seen). */
  status(id: string): CallStatus | undefined {
    return this.live.get(id)?.status;
  }

  /** The id of the live call the `call` field shows, for commands that take a CallId. */
  currentId(status?: CallStatus): string | undefined {
    return this.pick(status)?.id;
  }

  /** `{ call, calls }` as a state patch; `since` moves only when status or remote changes. */
  snapshot(): DeviceState {
    const top = this.pick();
    const status: CallStatus = top?.status ?? 'idle';
    const remote = top?.remote;
    if (status !== this.current.status || remote !== this.current.remote || !this.current.since) {
      this.current = { status, ...(remote ? { remote } : {}), since: this.now().toISOString() };
    }
    return { call: { ...this.current }, calls: this.history.map((r) => ({ ...r })) };
  }

  private pick(status?: CallStatus): LiveCall | undefined {
    let best: LiveCall | undefined;
    for (const call of this.live.values()) {
      if (status && call.status !== status) continue;
      if (!best || RANK[call.status] >= RANK[best.status]) best = call;
    }
    return best;
  }

  private push(record: CallRecord): void {
    this.history.push(record);
    while (this.history.length > this.limit) this.history.shift();
  }
}
