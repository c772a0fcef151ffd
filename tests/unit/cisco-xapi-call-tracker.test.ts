import { describe, expect, it } from 'vitest';
import { CallTracker, type CallRecord } from '../../src/sdk/index.ts';

/** The shared call bookkeeping (used by cisco-xapi and poly-group). */

function tracker() {
  let t = Date.parse('2025-01-01T10:00:00Z');
  const clock = () => new Date((t += 1000));
  return new CallTracker(clock, 3);
}
const last = (patch: Record<string, unknown>) => (patch.calls as CallRecord[]).at(-1);

describe('CallTracker', () => {
  it('follows an outgoing call from dial to answered', () => {
    const c = tracker();
    c.noteDial('alice');
    expect(c.observe('3', { status: 'dialing' }).call).toMatchObject({ status: 'dialing', remote: 'alice' });
    expect(c.observe('3', { status: 'ringing' }).call?.status).toBe('ringing');
    const up = c.observe('3', { status: 'connected' });
    expect(up.call?.status).toBe('connected');
    expect(last(up)).toMatchObject({ number: 'alice', direction: 'outgoing', outcome: 'in-progress' });
    const end = c.end('3');
    expect(end.call).toMatchObject({ status: 'idle' });
    expect(last(end)).toMatchObject({ outcome: 'answered', connectedAt: expect.any(String), endedAt: expect.any(String) });
  });

  it('keeps `since` while nothing visible changes', () => {
    const c = tracker();
    const a = c.observe('1', { status: 'connected', remote: 'x' });
    const b = c.observe('1', { direction: 'outgoing' });
    expect(b.call?.since).toBe(a.call?.since);
  });

  it('maps ringing by direction, even when the direction arrives later', () => {
    const c = tracker();
    expect(c.observe('5', { status: 'ringing' }).call?.status).toBe('ringing');
    expect(c.observe('5', { direction: 'incoming', remote: 'bob' }).call).toMatchObject({ status: 'incoming', remote: 'bob' });
  });

  it.each([
    ['incoming, never answered', { direction: 'incoming' as const, status: 'incoming' as const }, undefined, 'missed'],
    ['incoming, rejected', { direction: 'incoming' as const, status: 'incoming' as const }, 'rejected' as const, 'rejected'],
    ['outgoing, busy', { direction: 'outgoing' as const, status: 'ringing' as const }, 'busy' as const, 'busy'],
    ['outgoing, no cause', { direction: 'outgoing' as const, status: 'dialing' as const }, undefined, 'failed'],
  ])('outcome: %s', (_name, obs, cause, outcome) => {
    const c = tracker();
    c.observe('7', obs);
    if (cause) c.setCause('7', cause);
    expect(last(c.end('7'))?.outcome).toBe(outcome);
  });

  it('a cause reported after the end amends the record', () => {
    const c = tracker();
    c.observe('8', { status: 'ringing', direction: 'outgoing' });
    c.end('8');
    expect(last(c.setCause('8', 'busy'))?.outcome).toBe('busy');
  });

  it('a refused dial is a failed record with the reason', () => {
    const c = tracker();
    c.noteDial('999');
    const p = c.dialFailed('999', 'Invalid number');
    expect(p.call?.status).toBe('idle');
    expect(last(p)).toMatchObject({ number: '999', outcome: 'failed', reason: 'Invalid number' });
  });

  it('keeps only the last N records', () => {
    const c = tracker();
    for (const id of ['1', '2', '3', '4']) {
      c.observe(id, { status: 'connected', remote: `n${id}` });
      c.end(id);
    }
    expect((c.snapshot().calls as CallRecord[]).map((r) => r.number)).toEqual(['n2', 'n3', 'n4']);
  });

  it('shows the most important of several calls and ends calls that vanished', () => {
    const c = tracker();
    c.observe('1', { status: 'connected', remote: 'a' });
    expect(c.observe('2', { status: 'incoming', remote: 'b', direction: 'incoming' }).call?.status).toBe('connected');
    expect(c.currentId('incoming')).toBe('2');
    expect(c.retainOnly(new Set(['2'])).call).toMatchObject({ status: 'incoming', remote: 'b' });
  });
});
