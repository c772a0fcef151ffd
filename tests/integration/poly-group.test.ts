import { afterEach, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/poly-group/index.ts';
import { startPolySimulator, type PolySimOptions, type PolySimulator } from '../../drivers/poly-group/simulator.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';
import { isRoomError } from '../../src/sdk/index.ts';

/** Driver ↔ simulator over real TCP (Telnet negotiation, echo on, `-> ` prompt). */

const FAST = { pacingMs: 20, bannerQuietMs: 100, commandTimeoutMs: 1500 };

let sim: PolySimulator | undefined;
let harness: DriverHarness<Record<string, unknown>> | undefined;

afterEach(async () => {
  await harness?.close();
  await sim?.close();
  harness = sim = undefined;
});

async function setup(simOptions: PolySimOptions = {}, options: Record<string, unknown> = FAST) {
  sim = await startPolySimulator({ connectDelayMs: 40, ...simOptions });
  harness = createDriverHarness(driver, options, sim.transport) as DriverHarness<Record<string, unknown>>;
  await harness.connect();
  return { sim, h: harness };
}

const calls = (h: DriverHarness<unknown>) => h.state.calls as Array<Record<string, unknown>>;

describe('poly-group over tcp', () => {
  it('answers the telnet offers, registers and reads state at connect', async () => {
    const { sim, h } = await setup();
    // WILL ECHO / WILL SGA from the codec are accepted, so the codec echoes and never waits on us.
    expect(sim.telnetReplies).toEqual(['DO 1', 'DO 3']);
    expect(sim.received.map((r) => r.line)).toEqual([
      'callstate register',
      'notify callstatus',
      'mute register',
      'sleep register',
      'mute near get',
      'getcallstate',
    ]);
    expect(sim.device.registrations).toEqual(new Set(['callstate', 'callstatus', 'mute', 'sleep']));
    expect(h.state).toMatchObject({ micMuted: false, call: { status: 'idle' } });
  });

  it('dials: `dial manual` on the wire, call state notifications → connected; hangup → idle', async () => {
    const { sim, h } = await setup({}, { ...FAST, callRate: 768 });
    await h.exec('dial', { number: '10.0.0.5' });
    expect(sim.linesMatching(/^dial /)).toEqual(['dial manual 768 "10.0.0.5"']);
    await h.waitForState((s) => s.call?.status === 'connected');
    expect(h.state.call).toMatchObject({ status: 'connected', remote: '10.0.0.5' });
    await h.exec('hangup');
    expect(sim.linesMatching(/^hangup/)).toEqual(['hangup all']);
    await h.waitForState((s) => s.call?.status === 'idle');
    expect(calls(h).at(-1)).toMatchObject({ number: '10.0.0.5', direction: 'outgoing', outcome: 'answered' });
  });

  it('a remote hang-up (cleared/ended) returns to idle', async () => {
    const { sim, h } = await setup();
    await h.exec('dial', { number: 'room@example.com' });
    await h.waitForState((s) => s.call?.status === 'connected');
    sim.remoteHangup();
    await h.waitForState((s) => s.call?.status === 'idle');
  });

  it('a call that fails after `dialing auto` is recorded as failed', async () => {
    const { sim, h } = await setup();
    sim.failNextDial();
    await h.exec('dial', { number: '555' });
    await h.waitForState((s) => s.call?.status === 'idle' && (s.calls as unknown[]).length > 0);
    expect(calls(h).at(-1)).toMatchObject({ number: '555', outcome: 'failed' });
  });

  it('incoming call: answer, DTMF via gendial, hang up', async () => {
    const { sim, h } = await setup();
    sim.incomingCall('192.168.1.101');
    await h.waitForState((s) => s.call?.status === 'incoming');
    expect(h.state.call?.remote).toBe('192.168.1.101');
    await h.exec('answer');
    await h.waitForState((s) => s.call?.status === 'connected');
    await h.exec('dtmf', { digits: '1#' });
    expect(sim.linesMatching(/^gendial/)).toEqual(['gendial 1', 'gendial #']);
    await h.exec('hangup');
    await h.waitForState((s) => s.call?.status === 'idle');
    expect(calls(h).at(-1)).toMatchObject({ direction: 'incoming', outcome: 'answered' });
  });

  it('reject hangs up the ringing call and records it', async () => {
    const { sim, h } = await setup();
    sim.incomingCall('bob');
    await h.waitForState((s) => s.call?.status === 'incoming');
    await h.exec('reject');
    expect(sim.linesMatching(/^hangup/)).toEqual(['hangup video']);
    await h.waitForState((s) => s.call?.status === 'idle');
    expect(calls(h).at(-1)).toMatchObject({ number: 'bob', outcome: 'rejected' });
  });

  it('answer with nothing ringing is a DeviceError with the codec text', async () => {
    const { h } = await setup();
    const err = await h.exec('answer').catch((e: unknown) => e);
    expect(isRoomError(err, 'DeviceError')).toBe(true);
    expect((err as Error).message).toBe('answer incoming video call failed');
  });

  it('mute: the echo is not taken for the acknowledgement', async () => {
    const { sim, h } = await setup();
    // Delay only the replies: the echo arrives at once, the ack 150 ms later. If the echo
    // settled the command, exec would resolve before the codec changed state.
    sim.faults.delayMs = 150;
    const started = Date.now();
    await h.exec('muteMicrophones');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(sim.device.micMuted).toBe(true);
    expect(h.state.micMuted).toBe(true);
    await h.exec('unmuteMicrophones');
    expect(h.state.micMuted).toBe(false);
  });

  it('without echo, the repeat is the acknowledgement', async () => {
    const { sim, h } = await setup({ echo: false, prompt: false });
    await h.exec('muteMicrophones');
    expect(h.state.micMuted).toBe(true);
    await h.exec('powerOff');
    expect(h.state.power).toBe('off');
    expect(sim.device.asleep).toBe(true);
  });

  it('sleep / wake', async () => {
    const { sim, h } = await setup();
    await h.exec('powerOff');
    expect(h.state.power).toBe('off');
    expect(sim.device.asleep).toBe(true);
    await h.exec('powerOn');
    expect(h.state.power).toBe('on');
    expect(sim.linesMatching(/^(sleep|wake)$/)).toEqual(['sleep', 'wake']);
  });

  it('answers a password prompt', async () => {
    const { h } = await setup({ password: 'p4ss' }, { ...FAST, password: 'p4ss' });
    expect(h.state.call?.status).toBe('idle');
  });

  it('keeps the default 200 ms pacing between its own commands', async () => {
    const { sim } = await setup({}, { bannerQuietMs: 100 });
    const at = sim.received.map((r) => r.at);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(195);
  });

  it('survives line noise; reconnects after a drop with registrations already active', async () => {
    const { sim, h } = await setup();
    sim.faults.garbageRate = 1;
    await h.exec('muteMicrophones');
    expect(h.state.micMuted).toBe(true);
    sim.faults.garbageRate = 0;
    sim.dropConnections();
    await new Promise<void>((resolve) => {
      const t = setInterval(() => h.lost.length > 0 && (clearInterval(t), resolve()), 10);
    });
    await h.close();
    await h.connect(); // "info: event/notification already active:..." counts as registered
    expect(sim.linesMatching(/^callstate register$/)).toHaveLength(2);
    sim.incomingCall('carol');
    await h.waitForState((s) => s.call?.status === 'incoming');
  });

  it('refuses DTMF letters and unquotable numbers before sending', async () => {
    const { sim, h } = await setup();
    const before = sim.received.length;
    await expect(h.exec('dtmf', { digits: 'A' })).rejects.toMatchObject({ code: 'BadArgs' });
    await expect(h.exec('dial', { number: 'x"y' })).rejects.toMatchObject({ code: 'BadArgs' });
    expect(sim.received.length).toBe(before);
  });

  it('a stalled codec times out without dropping the link', async () => {
    const { sim, h } = await setup({}, { ...FAST, commandTimeoutMs: 200 });
    sim.faults.stalled = true;
    await expect(h.exec('muteMicrophones')).rejects.toMatchObject({ code: 'DeviceTimeout' });
    expect(h.lost).toHaveLength(0);
  });
});
