import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/baresip/index.ts';
import { startBaresipSimulator, type BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';
import { isRoomError, type DeviceState } from '../../src/sdk/index.ts';
import type { BaresipOptions } from '../../drivers/baresip/options.ts';

const status = (s: DeviceState): string | undefined => s.call?.status;
const calls = (s: DeviceState): Array<Record<string, unknown>> => (s.calls as Array<Record<string, unknown>>) ?? [];

let sim: BaresipSimulator | undefined;
let h: DriverHarness<BaresipOptions> | undefined;

async function setup(options: Record<string, unknown> = {}): Promise<{ sim: BaresipSimulator; h: DriverHarness<BaresipOptions> }> {
  sim = await startBaresipSimulator({ ringMs: 40, answerMs: 80 });
  h = createDriverHarness(driver, { responseTimeoutMs: 500, ...options }, sim.transport);
  await h.connect();
  return { sim, h };
}

/** Every call status the driver reports, in order, without repeats (wraps ctx.update). */
function recordStatuses(h: DriverHarness<BaresipOptions>): string[] {
  const seen: string[] = [];
  const update = h.ctx.update.bind(h.ctx);
  (h.ctx as { update: typeof update }).update = (patch, reason) => {
    const s = patch.call?.status;
    if (s && seen[seen.length - 1] !== s) seen.push(s);
    update(patch, reason);
  };
  return seen;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

afterEach(async () => {
  await h?.close();
  await sim?.close();
  h = undefined;
  sim = undefined;
});

describe('baresip driver ↔ simulator (ctrl_tcp over TCP)', () => {
  it('handshakes with listcalls and starts idle and un-muted', async () => {
    const { sim, h } = await setup();
    expect(sim.received[0]).toEqual({ command: 'listcalls', token: 'roomd-1' });
    expect(h.state).toMatchObject({ call: { status: 'idle' }, micMuted: false, calls: [] });
  });

  it('dials, follows dialing → ringing → connected, sends DTMF, and hangs up', async () => {
    const { sim, h } = await setup();
    const seen = recordStatuses(h);
    await h.exec('dial', { number: 'far@127.0.0.1' });
    expect(sim.received.at(-1)).toEqual({ command: 'dial', params: 'sip:far@127.0.0.1', token: 'roomd-2' });
    expect(h.state.call).toMatchObject({ status: 'dialing', remote: 'far@127.0.0.1' });
    await h.waitForState((s) => status(s) === 'connected');
    await h.exec('dtmf', { digits: '12#' });
    expect(sim.dtmf).toBe('12#');
    await h.exec('hangup');
    await h.waitForState((s) => status(s) === 'idle');
    expect(seen).toEqual(['dialing', 'ringing', 'connected', 'disconnecting', 'idle']);
    expect(calls(h.state)).toMatchObject([{ number: 'far@127.0.0.1', direction: 'outgoing', outcome: 'answered' }]);
    expect(typeof h.state.call!.since).toBe('string');
  });

  it('returns to idle when the far end hangs up', async () => {
    const { sim, h } = await setup();
    await h.exec('dial', { number: 'sip:far@127.0.0.1' });
    await h.waitForState((s) => status(s) === 'connected');
    sim.farHangup();
    await h.waitForState((s) => status(s) === 'idle');
    expect(calls(h.state)[0]).toMatchObject({ outcome: 'answered', connectedAt: expect.any(String), endedAt: expect.any(String) });
  });

  it('records a busy far end as rejected', async () => {
    const { h } = await setup();
    await h.exec('dial', { number: 'sip:busy@127.0.0.1' });
    // The call is in the history from the dial on (in progress): it is over once it has an end.
    await h.waitForState((s) => calls(s)[0]?.endedAt !== undefined);
    expect(status(h.state)).toBe('idle');
    expect(calls(h.state)).toMatchObject([{ outcome: 'rejected' }]);
  });

  it('shows an incoming call, answers it, and rejects the next one', async () => {
    const { sim, h } = await setup();
    sim.incoming('sip:caller@127.0.0.1');
    await h.waitForState((s) => status(s) === 'incoming');
    expect(h.state.call!.remote).toBe('sip:caller@127.0.0.1');
    await h.exec('answer');
    await h.waitForState((s) => status(s) === 'connected');
    sim.farHangup();
    await h.waitForState((s) => status(s) === 'idle');
    sim.incoming('sip:spam@127.0.0.1');
    await h.waitForState((s) => status(s) === 'incoming');
    await h.exec('reject');
    await h.waitForState((s) => status(s) === 'idle');
    expect(calls(h.state).map((c) => c.outcome)).toEqual(['answered', 'rejected']);
  });

  it('refuses commands that make no sense in the current call state, precisely', async () => {
    const { sim, h } = await setup();
    expect(await rejection(h.exec('answer'))).toMatchObject({ code: 'Conflict', message: 'no incoming call to answer' });
    expect(await rejection(h.exec('dtmf', { digits: '1' }))).toMatchObject({ code: 'Conflict' });
    await h.exec('hangup'); // nothing to hang up: a no-op, so a meeting-end scene never fails on it
    expect(sim.received.some((c) => c.command === 'hangup')).toBe(false);
    expect(await rejection(h.exec('dial', { number: 'sip:a b@c' }))).toMatchObject({ code: 'BadArgs', message: expect.stringMatching(/whitespace/) });
    await h.exec('dial', { number: 'sip:far@127.0.0.1' });
    expect(await rejection(h.exec('dial', { number: 'sip:other@127.0.0.1' }))).toMatchObject({
      code: 'Conflict',
      message: 'already in a call (dialing, sip:far@127.0.0.1); hang up first',
    });
  });

  it('toggles /mute only when needed and re-applies the wish to the next call', async () => {
    const { sim, h } = await setup();
    const mutes = (): number => sim.received.filter((c) => c.command === 'mute').length;
    await h.exec('muteMicrophones'); // no call: remembered, nothing sent
    expect(h.state.micMuted).toBe(true);
    expect(mutes()).toBe(0);
    await h.exec('dial', { number: 'sip:far@127.0.0.1' });
    await h.waitForState((s) => status(s) === 'connected');
    await expect.poll(() => sim.call()?.muted, { timeout: 2000 }).toBe(true);
    expect(mutes()).toBe(1);
    await h.exec('muteMicrophones'); // already muted: no toggle
    expect(mutes()).toBe(1);
    await h.exec('unmuteMicrophones');
    expect(sim.call()?.muted).toBe(false);
    expect(h.state.micMuted).toBe(false);
    expect(mutes()).toBe(2);
  });

  it('resyncs when another controller toggled mute behind its back', async () => {
    const { sim, h } = await setup();
    await h.exec('dial', { number: 'sip:far@127.0.0.1' });
    await h.waitForState((s) => status(s) === 'connected');
    await h.exec('muteMicrophones');
    expect(sim.call()?.muted).toBe(true);
    // someone else un-mutes through their own client: the driver still believes "muted"
    await h.exec('send', { data: 'mute' });
    expect(sim.call()?.muted).toBe(false);
    await h.exec('unmuteMicrophones'); // reply says "muted" → toggles once more
    expect(sim.call()?.muted).toBe(false);
  });

  it('passes raw commands through and reports baresip errors with its own text', async () => {
    const { sim, h } = await setup();
    await h.exec('send', { data: 'answermode auto' });
    expect(sim.received.at(-1)).toMatchObject({ command: 'answermode', params: 'auto' });
    await h.exec('send', { data: '{"command":"listcalls"}' });
    expect(sim.received.at(-1)).toMatchObject({ command: 'listcalls' });
    const err = await rejection(h.exec('send', { data: 'bogus' }));
    expect(isRoomError(err, 'DeviceError')).toBe(true);
    expect((err as Error).message).toBe("baresip refused 'bogus': command not found (bogus)");
  });

  it('sets the answer mode on connect when configured', async () => {
    const { sim } = await setup({ answerMode: 'auto' });
    expect(sim.received[1]).toMatchObject({ command: 'answermode', params: 'auto' });
  });

  it('survives garbage before every reply', async () => {
    const { sim, h } = await setup();
    sim.faults.garbageRate = 1;
    await h.exec('dial', { number: 'sip:far@127.0.0.1' });
    await h.waitForState((s) => status(s) === 'connected');
    for (let i = 0; i < 30; i++) await h.poll(); // 30 replies, each behind a burst of random bytes
    await h.exec('hangup');
    await h.waitForState((s) => status(s) === 'idle');
    expect(h.lost).toEqual([]);
  });

  it('times out with a precise DeviceTimeout when baresip stops answering', async () => {
    const { sim, h } = await setup();
    sim.faults.stalled = true;
    const err = await rejection(h.exec('send', { data: 'about' }));
    expect(err).toMatchObject({ code: 'DeviceTimeout' });
    expect((err as Error).message).toMatch(/did not answer 'about' \(token roomd-\d+\) within 500 ms/);
  });

  it('reports a lost link, and on reconnect recovers the call it missed', async () => {
    const { sim, h } = await setup();
    sim.dropClient();
    await h.waitForState(() => h.lost.length === 1);
    expect(h.lost[0]!.message).toMatch(/ctrl_tcp link lost/);
    sim.incoming('sip:caller@127.0.0.1'); // nobody listening: the event is lost
    await h.close();
    await h.connect();
    expect(h.state.call).toMatchObject({ status: 'incoming', remote: 'sip:caller@127.0.0.1' });
    await h.exec('answer');
    await h.waitForState((s) => status(s) === 'connected');
  });

  it('loses the link when another client connects (ctrl_tcp keeps only the newest)', async () => {
    const { sim, h } = await setup();
    const other = net.connect(sim.transport.port, '127.0.0.1');
    await h.waitForState(() => h.lost.length === 1);
    other.destroy();
    expect(sim.connections).toBe(2);
  });

  it('starts through the manifest hook like the runtime does', async () => {
    const handle = await driver.startSimulator!({ ringMs: 10, farEnd: 'noanswer' }, { historySize: 20, responseTimeoutMs: 4000 });
    try {
      expect(handle.transport).toMatchObject({ type: 'tcp', host: '127.0.0.1' });
    } finally {
      await handle.close();
    }
  });
});
