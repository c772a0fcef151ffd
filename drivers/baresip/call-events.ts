import { CallTracker, type CallDirection, type CallOutcome, type CallStatus, type DeviceState } from '../../src/sdk/index.ts';
import type { CtrlEvent, ListedCall } from './protocol.ts';

/**
 * baresip's calls fed to the SDK's CallTracker, which owns the `call` field, the `calls` history and
 * the outcome words every codec shares. What is baresip's own stays here: which call a ctrl_tcp
 * event names (ids arrive after our dial, `listcalls` rows have none), what a `listcalls` table
 * says after a reconnect, and who ended a call. Pure apart from the injected clock.
 *
 * The session log does not read this history: the meeting follows the `call` field and records
 * each call when it goes back to idle, taking its outcome from the newest `calls` entry.
 */

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
 * Why a call that never connected ended (a connected one is `answered`, the tracker's rule): our own
 * hangup/reject (or baresip's "Connection reset by user", i.e. another local client) versus the far
 * end's SIP status in CALL_CLOSED's param.
 */
export function unansweredCause(call: { direction: CallDirection; endedLocally: boolean }, param = ''): CallOutcome {
  const local = call.endedLocally || /reset by user/i.test(param);
  if (call.direction === 'incoming') return local ? 'rejected' : 'missed';
  if (local) return 'cancelled';
  return /^(486|600|603)\b/.test(param.trim()) ? 'rejected' : 'failed';
}

/** How baresip names one live call; `key` is the tracker's name for it. */
interface Handle {
  key: string;
  /** baresip's call id, once an event carried it. */
  id?: string;
  /** What the user dialed (outgoing) or the caller's URI (incoming). */
  number: string;
  /** baresip's peer URI, once an event told us; used to match `listcalls` rows. */
  peer?: string;
  direction: CallDirection;
  endedLocally: boolean;
  /** Our dial is on the wire and baresip has not answered it: `listcalls` may not show it yet. */
  awaitingAck?: boolean;
}

export class BaresipCalls {
  private readonly tracker: CallTracker;
  private live: Handle[] = [];
  private keys = 0;

  constructor(now: () => Date = () => new Date(), limit = 20) {
    this.tracker = new CallTracker(now, limit);
  }

  /** The call the `call` field shows, if any (for command preconditions). */
  current(): { status: CallStatus; number: string; direction: CallDirection } | undefined {
    const key = this.tracker.currentId();
    const handle = this.live.find((h) => h.key === key);
    const status = key === undefined ? undefined : this.tracker.status(key);
    return handle && status && { status, number: handle.number, direction: handle.direction };
  }

  /** Whether some live call has `status` (an incoming call can hide behind a connected one). */
  has(status: CallStatus): boolean {
    return this.tracker.currentId(status) !== undefined;
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
      call = this.open({ number: event.peeruri ?? event.param ?? '', direction, endedLocally: false }, effect.status);
    }
    if (event.id) call.id = event.id;
    if (event.peeruri) call.peer = event.peeruri;
    if (this.tracker.status(call.key) === 'disconnecting') return true; // our hangup is on its way; keep saying so
    this.tracker.observe(call.key, { status: effect.status });
    return true;
  }

  /**
   * We are about to send `dial`: the call shows as dialing at once. Events may beat the response
   * (on a fast link CALL_RINGING does), and the first outgoing event claims this entry.
   */
  dialing(number: string): void {
    this.open({ number, direction: 'outgoing', endedLocally: false, awaitingAck: true }, 'dialing');
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
    const key = this.tracker.currentId(only);
    const call = this.live.find((c) => c.key === key);
    const previous = key === undefined ? undefined : this.tracker.status(key);
    if (!call || !previous) return undefined;
    call.endedLocally = true;
    this.tracker.observe(call.key, { status: 'disconnecting' });
    return previous;
  }

  /** The `hangup` command failed: the call is still there, in its previous state as far as we know. */
  hangupFailed(previous: CallStatus): void {
    const key = this.tracker.currentId('disconnecting');
    const call = this.live.find((c) => c.key === key);
    if (!call) return;
    call.endedLocally = false;
    this.tracker.observe(call.key, { status: previous });
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
        const now = this.tracker.status(call.key);
        // An alerting incoming call is `incoming` to the tracker, whatever the table calls it.
        const seen = call.direction === 'incoming' && status === 'ringing' ? 'incoming' : status;
        if (seen && now !== 'disconnecting' && now !== seen) {
          this.tracker.observe(call.key, { status: seen });
          changed = true;
        }
      } else if (status) {
        // Direction is not in the table; only INCOMING tells. An established call found on
        // reconnect is recorded as outgoing: the usual case for a room that dials out.
        const direction: CallDirection = status === 'incoming' ? 'incoming' : 'outgoing';
        this.open({ number: row.peer, peer: row.peer, direction, endedLocally: false }, status);
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

  /** `{ call, calls }` as a state patch (the tracker's). */
  snapshot(): DeviceState {
    return this.tracker.snapshot();
  }

  private open(handle: Omit<Handle, 'key'>, status: CallStatus): Handle {
    const call: Handle = { key: `baresip-${++this.keys}`, ...handle };
    this.live.push(call);
    this.tracker.observe(call.key, { status, remote: call.number, direction: call.direction });
    return call;
  }

  private find(event: CtrlEvent): Handle | undefined {
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

  private end(call: Handle, param: string): void {
    this.live = this.live.filter((c) => c !== call);
    this.tracker.end(call.key, unansweredCause(call, param));
  }
}
