import type { CallState, CallStatus, DeviceState } from '../../src/sdk/index.ts';
import type { CtrlEvent, ListedCall } from './protocol.ts';

/**
 * The room's view of baresip's calls, pure apart from the injected clock: ctrl_tcp events (and a
 * `listcalls` table after a reconnect) go in, the `call` field and the `calls` history come out.
 * The session log takes calls from `calls`, so every ended call lands there exactly once.
 */

export type CallDirection = 'incoming' | 'outgoing';
export type CallOutcome = 'answered' | 'rejected' | 'failed' | 'missed' | 'cancelled';

/** One ended call in the `calls` state field (oldest first, the last `limit` kept). */
export interface CallRecord {
  number: string;
  direction: CallDirection;
  startedAt: string;
  connectedAt?: string;
  endedAt?: string;
  outcome: CallOutcome;
}

/** What one event does to the call it names. */
export type CallEffect = { kind: 'status'; status: CallStatus } | { kind: 'closed' } | { kind: 'none' };

/**
 * Event type → effect. Unknown and media-only types (CALL_RTCP, CALL_LOCAL_SDP, CALL_HOLD…) do
 * nothing. CALL_OUTGOING/CALL_PROGRESS/CALL_ANSWERED come from newer baresip; 1.0.0 goes straight
 * from the dial response to CALL_RINGING.
 */
export const EVENT_EFFECTS: Readonly<Record<string, CallEffect>> = {
  CALL_INCOMING: { kind: 'status', status: 'incoming' },
  CALL_OUTGOING: { kind: 'status', status: 'dialing' },
  CALL_RINGING: { kind: 'status', status: 'ringing' },
  CALL_PROGRESS: { kind: 'status', status: 'ringing' },
  CALL_ESTABLISHED: { kind: 'status', status: 'connected' },
  CALL_CLOSED: { kind: 'closed' },
};

export function effectOf(type: string): CallEffect {
  return EVENT_EFFECTS[type] ?? { kind: 'none' };
}

/** `listcalls` state names → status (baresip's call_statename()). */
const LISTED_STATUS: Readonly<Record<string, CallStatus>> = {
  INCOMING: 'incoming',
  OUTGOING: 'dialing',
  RINGING: 'ringing',
  EARLY: 'ringing',
  ESTABLISHED: 'connected',
};

/**
 * How a call ended. Answered wins; otherwise who ended it decides: our own hangup/reject (or
 * baresip's "Connection reset by user", i.e. another local client) versus the far end's SIP status.
 */
export function outcomeOf(call: { direction: CallDirection; connected: boolean; endedLocally: boolean }, param = ''): CallOutcome {
  if (call.connected) return 'answered';
  const local = call.endedLocally || /reset by user/i.test(param);
  if (call.direction === 'incoming') return local ? 'rejected' : 'missed';
  if (local) return 'cancelled';
  return /^(486|600|603)\b/.test(param.trim()) ? 'rejected' : 'failed';
}

interface LiveCall {
  id?: string;
  /** What the user dialed (outgoing) or the caller's URI (incoming): `remote` and the record's number. */
  number: string;
  /** baresip's peer URI, once an event told us; used to match `listcalls` rows. */
  peer?: string;
  direction: CallDirection;
  status: CallStatus;
  startedAt: string;
  connectedAt?: string;
  endedLocally: boolean;
  /** Our dial is on the wire and baresip has not answered it: `listcalls` may not show it yet. */
  awaitingAck?: boolean;
}

/** Which live call the single `call` field shows when several exist. */
const RANK: Record<CallStatus, number> = { connected: 5, incoming: 4, ringing: 3, dialing: 2, disconnecting: 1, idle: 0 };

export class CallModel {
  private live: LiveCall[] = [];
  private readonly history: CallRecord[] = [];
  private shown: CallState = { status: 'idle' };

  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly limit = 20,
  ) {}

  /** The call the `call` field shows, if any (for command preconditions). */
  current(): { status: CallStatus; number: string; direction: CallDirection } | undefined {
    const c = this.top();
    return c && { status: c.status, number: c.number, direction: c.direction };
  }

  /** Whether some live call has `status` (an incoming call can hide behind a connected one). */
  has(status: CallStatus): boolean {
    return this.live.some((c) => c.status === status);
  }

  /** Whether any call is live at all. */
  get active(): boolean {
    return this.live.length > 0;
  }

  /** Applies one ctrl_tcp event; returns whether the state patch may have changed. */
  applyEvent(event: CtrlEvent): boolean {
    if (event.class !== undefined && event.class !== 'call') return false;
    const effect = effectOf(event.type);
    if (effect.kind === 'none') return false;
    let call = this.find(event);
    if (effect.kind === 'closed') {
      if (!call) return false;
      this.end(call, event.param ?? '');
      return true;
    }
    if (!call) {
      const direction: CallDirection = event.direction ?? (effect.status === 'incoming' ? 'incoming' : 'outgoing');
      call = {
        number: event.peeruri ?? event.param ?? '',
        direction,
        status: effect.status,
        startedAt: this.iso(),
        endedLocally: false,
      };
      this.live.push(call);
    }
    if (event.id) call.id = event.id;
    if (event.peeruri) call.peer = event.peeruri;
    if (call.status === 'disconnecting') return true; // our hangup is on its way; keep saying so
    let status = effect.status;
    // One alerting call has two names: the far end "rings" for the caller, the callee sees "incoming".
    if (call.direction === 'incoming' && status === 'ringing') status = 'incoming';
    this.setStatus(call, status);
    return true;
  }

  /**
   * We are about to send `dial`: the call shows as dialing at once. Events may beat the response
   * (on a fast link CALL_RINGING does), and the first outgoing event claims this entry.
   */
  dialing(number: string): void {
    this.live.push({ number, direction: 'outgoing', status: 'dialing', startedAt: this.iso(), endedLocally: false, awaitingAck: true });
  }

  /**
   * baresip answered our `dial`: `false` means no call exists (it goes in the history as failed);
   * `undefined` means we never heard (timeout), so the next `listcalls` decides.
   */
  dialAnswered(ok: boolean | undefined): void {
    const call = this.live.find((c) => c.awaitingAck);
    if (!call) return;
    call.awaitingAck = false;
    if (ok === false) this.end(call, 'refused');
  }

  /**
   * We are about to send `hangup` for the shown call (or, to reject, for the incoming one);
   * returns the status it had, or undefined when there is no such call.
   */
  hangingUp(only?: 'incoming'): CallStatus | undefined {
    const call = only ? [...this.live].reverse().find((c) => c.status === only) : this.top();
    if (!call) return undefined;
    const previous = call.status;
    call.endedLocally = true;
    this.setStatus(call, 'disconnecting');
    return previous;
  }

  /** The `hangup` command failed: the call is still there, in its previous state as far as we know. */
  hangupFailed(previous: CallStatus): void {
    const call = this.live.find((c) => c.status === 'disconnecting');
    if (!call) return;
    call.endedLocally = false;
    this.setStatus(call, previous);
  }

  /**
   * Aligns the live calls with a `listcalls` table (after a reconnect, or a poll): events missed
   * while disconnected are recovered, calls that ended meanwhile are closed.
   */
  reconcile(listed: readonly ListedCall[]): boolean {
    let changed = false;
    const unmatched = [...this.live];
    for (const row of listed) {
      let i = unmatched.findIndex((c) => c.peer === row.peer);
      if (i < 0) i = unmatched.findIndex((c) => c.peer === undefined);
      const status = LISTED_STATUS[row.state];
      if (i >= 0) {
        const call = unmatched.splice(i, 1)[0]!;
        call.peer = row.peer;
        if (status && call.status !== 'disconnecting' && call.status !== status) {
          this.setStatus(call, status);
          changed = true;
        }
      } else if (status) {
        // Direction is not in the table; only INCOMING tells. An established call found on
        // reconnect is recorded as outgoing: the usual case for a room that dials out.
        const direction: CallDirection = status === 'incoming' ? 'incoming' : 'outgoing';
        const call: LiveCall = { number: row.peer, peer: row.peer, direction, status, startedAt: this.iso(), endedLocally: false };
        if (status === 'connected') call.connectedAt = call.startedAt;
        this.live.push(call);
        changed = true;
      }
    }
    for (const gone of unmatched) {
      if (gone.awaitingAck) continue; // the table may predate our dial
      this.end(gone, '');
      changed = true;
    }
    return changed;
  }

  /** `{ call, calls }` as a state patch; `since` moves only when the shown status or remote changes. */
  snapshot(): DeviceState {
    const top = this.top();
    const status: CallStatus = top?.status ?? 'idle';
    const remote = top?.number || undefined;
    if (status !== this.shown.status || remote !== this.shown.remote || !this.shown.since) {
      this.shown = { status, ...(remote ? { remote } : {}), since: this.iso() };
    }
    return { call: { ...this.shown }, calls: this.history.map((r) => ({ ...r })) };
  }

  private find(event: CtrlEvent): LiveCall | undefined {
    if (event.id) {
      const byId = this.live.find((c) => c.id === event.id);
      if (byId) return byId;
    }
    // Calls known without an id (found by `listcalls`, or made by our dial before baresip named
    // them) are claimed by the first event about the same peer, or for a dial, the same direction.
    const idless = this.live.filter((c) => c.id === undefined);
    if (event.peeruri) {
      const samePeer = idless.find((c) => c.peer === event.peeruri);
      if (samePeer) return samePeer;
    }
    if (event.direction !== 'incoming') return idless.find((c) => c.direction === 'outgoing' && c.peer === undefined);
    return undefined;
  }

  private setStatus(call: LiveCall, status: CallStatus): void {
    call.status = status;
    if (status === 'connected' && !call.connectedAt) call.connectedAt = this.iso();
  }

  private end(call: LiveCall, param: string): void {
    this.live = this.live.filter((c) => c !== call);
    const record: CallRecord = {
      number: call.number,
      direction: call.direction,
      startedAt: call.startedAt,
      ...(call.connectedAt ? { connectedAt: call.connectedAt } : {}),
      endedAt: this.iso(),
      outcome: outcomeOf({ direction: call.direction, connected: call.connectedAt !== undefined, endedLocally: call.endedLocally }, param),
    };
    this.push(record);
  }

  private top(): LiveCall | undefined {
    let best: LiveCall | undefined;
    for (const call of this.live) if (!best || RANK[call.status] >= RANK[best.status]) best = call;
    return best;
  }

  private push(record: CallRecord): void {
    this.history.push(record);
    while (this.history.length > this.limit) this.history.shift();
  }

  private iso(): string {
    return this.now().toISOString();
  }
}
