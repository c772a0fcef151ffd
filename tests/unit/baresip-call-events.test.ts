import { describe, expect, it } from 'vitest';
import { BaresipCalls, effectOf, unansweredCause } from '../../drivers/baresip/call-events.ts';
import type { CtrlEvent } from '../../drivers/baresip/protocol.ts';

/** A clock that advances one second per reading, so every timestamp is distinct and predictable. */
function clock(): () => Date {
  let t = Date.parse('2024-05-01T09:00:00.000Z');
  return () => new Date((t += 1000));
}

const ROOM = 'sip:room@127.0.0.1:25060';
const FAR = 'sip:far@127.0.0.1:25062';
const ev = (type: string, extra: Partial<CtrlEvent> = {}): CtrlEvent => ({
  kind: 'event',
  type,
  class: type.endsWith('_SDP') ? 'other' : 'call',
  accountaor: ROOM,
  direction: 'outgoing',
  peeruri: FAR,
  id: 'c1',
  param: FAR,
  ...extra,
});
const incoming = (type: string, extra: Partial<CtrlEvent> = {}): CtrlEvent => ev(type, { direction: 'incoming', id: 'c9', ...extra });

describe('effectOf (event type → call effect)', () => {
  it.each([
    ['CALL_INCOMING', { kind: 'status', status: 'incoming' }],
    ['CALL_OUTGOING', { kind: 'status', status: 'dialing' }],
    ['CALL_RINGING', { kind: 'status', status: 'ringing' }],
    ['CALL_PROGRESS', { kind: 'status', status: 'ringing' }],
    ['CALL_ESTABLISHED', { kind: 'status', status: 'connected' }],
    ['CALL_CLOSED', { kind: 'closed' }],
    ['CALL_RTCP', { kind: 'none' }],
    ['CALL_LOCAL_SDP', { kind: 'none' }],
    ['REGISTER_OK', { kind: 'none' }],
  ])('%s', (type, effect) => {
    expect(effectOf(type)).toEqual(effect);
  });
});

describe('unansweredCause (a call that never connected)', () => {
  it.each([
    [{ direction: 'outgoing', endedLocally: false }, '486 Rejected', 'rejected'],
    [{ direction: 'outgoing', endedLocally: false }, '603 Decline', 'rejected'],
    [{ direction: 'outgoing', endedLocally: false }, '404 Not Found', 'failed'],
    [{ direction: 'outgoing', endedLocally: false }, '', 'failed'],
    [{ direction: 'outgoing', endedLocally: true }, 'Connection reset by user', 'cancelled'],
    [{ direction: 'incoming', endedLocally: true }, 'Connection reset by user', 'rejected'],
    [{ direction: 'incoming', endedLocally: false }, 'Connection reset by user', 'rejected'],
    [{ direction: 'incoming', endedLocally: false }, 'Connection reset by peer', 'missed'],
  ] as const)('%j with %j → %s', (call, param, outcome) => {
    expect(unansweredCause(call, param)).toBe(outcome);
  });
});

/** Scenario steps: an event, or one of our own actions. */
type Step = CtrlEvent | { dial: string } | 'ack' | 'hangup' | 'reject';

function play(steps: Step[]): { model: BaresipCalls; statuses: string[] } {
  const model = new BaresipCalls(clock());
  const statuses: string[] = [];
  for (const step of steps) {
    if (step === 'hangup') model.hangingUp();
    else if (step === 'reject') model.hangingUp('incoming');
    else if (step === 'ack') model.dialAnswered(true);
    else if ('dial' in step) model.dialing(step.dial);
    else model.applyEvent(step);
    const s = model.snapshot().call as { status: string };
    if (statuses[statuses.length - 1] !== s.status) statuses.push(s.status);
  }
  return { model, statuses };
}

describe('BaresipCalls scenarios (as baresip 1.0.0 emits them)', () => {
  it.each<[string, Step[], string[], Record<string, unknown>]>([
    [
      'we dial, far end answers, we hang up',
      [{ dial: 'sip:far@127.0.0.1:25062' }, ev('CALL_LOCAL_SDP', { id: undefined, param: 'offer' }), 'ack', ev('CALL_RINGING'), ev('CALL_RTCP'), ev('CALL_ESTABLISHED'), 'hangup', ev('CALL_CLOSED', { param: 'Connection reset by user' })],
      ['dialing', 'ringing', 'connected', 'disconnecting', 'idle'],
      { direction: 'outgoing', outcome: 'answered', number: FAR },
    ],
    [
      'far end hangs up',
      [{ dial: 'far' }, ev('CALL_RINGING'), ev('CALL_ESTABLISHED'), ev('CALL_CLOSED', { param: 'Connection reset by peer' })],
      ['dialing', 'ringing', 'connected', 'idle'],
      { outcome: 'answered', number: 'far' },
    ],
    [
      'far end rejects',
      [{ dial: FAR }, ev('CALL_RINGING'), ev('CALL_CLOSED', { param: '486 Rejected' })],
      ['dialing', 'ringing', 'idle'],
      { outcome: 'rejected' },
    ],
    [
      'we give up while it rings',
      [{ dial: FAR }, ev('CALL_RINGING'), 'hangup', ev('CALL_CLOSED', { param: 'Connection reset by user' })],
      ['dialing', 'ringing', 'disconnecting', 'idle'],
      { outcome: 'cancelled' },
    ],
    [
      'the dial fails before any ringing (no id seen yet)',
      [{ dial: FAR }, ev('CALL_CLOSED', { param: '408 Request Timeout' })],
      ['dialing', 'idle'],
      { outcome: 'failed' },
    ],
    [
      'someone calls, we answer, they hang up',
      [incoming('CALL_INCOMING'), incoming('CALL_REMOTE_SDP', { class: 'other' }), incoming('CALL_ESTABLISHED'), incoming('CALL_CLOSED', { param: 'Connection reset by peer' })],
      ['incoming', 'connected', 'idle'],
      { direction: 'incoming', outcome: 'answered', number: FAR },
    ],
    [
      'someone calls and we reject',
      [incoming('CALL_INCOMING'), 'reject', incoming('CALL_CLOSED', { param: 'Connection reset by user' })],
      ['incoming', 'disconnecting', 'idle'],
      { direction: 'incoming', outcome: 'rejected' },
    ],
    [
      'someone calls and gives up',
      [incoming('CALL_INCOMING'), incoming('CALL_CLOSED', { param: 'Connection reset by peer' })],
      ['incoming', 'idle'],
      { outcome: 'missed' },
    ],
    [
      'CALL_RINGING beats the dial response (loopback)',
      [{ dial: 'far' }, ev('CALL_RINGING'), 'ack', ev('CALL_ESTABLISHED'), ev('CALL_CLOSED', { param: 'Connection reset by peer' })],
      ['dialing', 'ringing', 'connected', 'idle'],
      { number: 'far', outcome: 'answered' },
    ],
    [
      'newer baresip: CALL_OUTGOING then CALL_PROGRESS',
      [{ dial: 'far' }, ev('CALL_OUTGOING'), 'ack', ev('CALL_PROGRESS'), ev('CALL_ESTABLISHED'), ev('CALL_CLOSED', { param: 'Connection reset by peer' })],
      ['dialing', 'ringing', 'connected', 'idle'],
      { number: 'far', outcome: 'answered' },
    ],
  ])('%s', (_name, steps, statuses, record) => {
    const { model, statuses: seen } = play(steps);
    expect(seen).toEqual(statuses);
    const calls = model.snapshot().calls as Array<Record<string, unknown>>;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject(record);
    expect(typeof calls[0]!.endedAt).toBe('string');
    expect('connectedAt' in calls[0]!).toBe(record.outcome === 'answered');
  });

  it('sets remote and moves since only when the status changes', () => {
    const model = new BaresipCalls(clock());
    const idle = model.snapshot().call;
    expect(idle).toEqual({ status: 'idle', since: '2024-05-01T09:00:01.000Z' });
    model.dialing('sip:siege@pnr.example');
    const dialing = model.snapshot().call;
    expect(dialing).toMatchObject({ status: 'dialing', remote: 'sip:siege@pnr.example' });
    expect(model.snapshot().calls).toEqual([{ number: 'sip:siege@pnr.example', direction: 'outgoing', startedAt: expect.any(String), outcome: 'in-progress' }]);
    model.applyEvent(ev('CALL_RTCP'));
    expect(model.snapshot().call).toEqual(dialing);
    model.applyEvent(ev('CALL_RINGING'));
    const ringing = model.snapshot().call!;
    expect(ringing.status).toBe('ringing');
    expect(ringing.since! > dialing!.since!).toBe(true);
  });

  it('ignores events for unknown calls that only close, and non-call classes', () => {
    const model = new BaresipCalls(clock());
    expect(model.applyEvent(ev('CALL_CLOSED', { id: 'nope' }))).toBe(false);
    expect(model.applyEvent(ev('CALL_INCOMING', { class: 'register' }))).toBe(false);
    expect(model.snapshot().call!.status).toBe('idle');
  });

  it('shows a connected call ahead of a second one ringing in', () => {
    const { model } = play([{ dial: FAR }, ev('CALL_ESTABLISHED'), incoming('CALL_INCOMING', { peeruri: 'sip:other@x' })]);
    expect(model.snapshot().call).toMatchObject({ status: 'connected', remote: FAR });
    expect(model.has('incoming')).toBe(true);
  });

  it('keeps only the last N ended calls, oldest first', () => {
    const model = new BaresipCalls(clock(), 3);
    for (let i = 0; i < 5; i++) {
      model.dialing(`n${i}`);
      model.applyEvent(ev('CALL_CLOSED', { id: `x${i}`, param: '404 Not Found' }));
    }
    expect((model.snapshot().calls as Array<{ number: string }>).map((c) => c.number)).toEqual(['n2', 'n3', 'n4']);
  });

  it('records a refused dial as failed', () => {
    const model = new BaresipCalls(clock());
    model.dialing('sip:x@y');
    model.dialAnswered(false);
    expect(model.snapshot()).toMatchObject({ call: { status: 'idle' }, calls: [{ number: 'sip:x@y', outcome: 'failed', direction: 'outgoing' }] });
  });

  it('puts a call back when our hangup failed', () => {
    const { model } = play([{ dial: FAR }, ev('CALL_ESTABLISHED'), 'hangup']);
    expect(model.snapshot().call!.status).toBe('disconnecting');
    model.hangupFailed('connected');
    expect(model.snapshot().call!.status).toBe('connected');
  });

  describe('reconcile with listcalls', () => {
    it('finds a call that started while we were away', () => {
      const model = new BaresipCalls(clock());
      expect(model.reconcile([{ line: 1, state: 'ESTABLISHED', peer: FAR }])).toBe(true);
      expect(model.snapshot().call).toMatchObject({ status: 'connected', remote: FAR });
      // the next event with an id attaches to it rather than creating a second call
      model.applyEvent(ev('CALL_CLOSED', { id: 'c5', peeruri: FAR, param: 'Connection reset by peer' }));
      expect(model.snapshot().call!.status).toBe('idle');
      expect(model.snapshot().calls).toMatchObject([{ outcome: 'answered', number: FAR }]);
    });

    it('does not close a dial whose response has not arrived (the table may predate it)', () => {
      const { model } = play([{ dial: FAR }]);
      expect(model.reconcile([])).toBe(false);
      expect(model.snapshot().call!.status).toBe('dialing');
      model.dialAnswered(true);
      expect(model.reconcile([])).toBe(true);
      expect(model.snapshot().call!.status).toBe('idle');
    });

    it('closes calls that ended while we were away', () => {
      const { model } = play([{ dial: FAR }, 'ack', ev('CALL_RINGING')]);
      expect(model.reconcile([])).toBe(true);
      expect(model.snapshot()).toMatchObject({ call: { status: 'idle' }, calls: [{ outcome: 'failed' }] });
    });

    it('leaves an incoming call ringing in alone, whatever state name the table gives it', () => {
      const { model } = play([incoming('CALL_INCOMING')]);
      expect(model.reconcile([{ line: 1, state: 'INCOMING', peer: FAR }])).toBe(false);
      expect(model.reconcile([{ line: 1, state: 'EARLY', peer: FAR }])).toBe(false);
      expect(model.snapshot().call!.status).toBe('incoming');
    });

    it('catches up on a missed status and leaves matching calls alone', () => {
      const { model } = play([{ dial: FAR }, ev('CALL_RINGING')]);
      expect(model.reconcile([{ line: 1, state: 'ESTABLISHED', peer: FAR }])).toBe(true);
      expect(model.snapshot().call!.status).toBe('connected');
      expect(model.reconcile([{ line: 1, state: 'ESTABLISHED', peer: FAR }])).toBe(false);
    });
  });
});
