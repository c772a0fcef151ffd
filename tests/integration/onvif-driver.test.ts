import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/onvif/index.ts';
import { startOnvifSimulator, type OnvifSimOperation, type OnvifSimulator } from '../../drivers/onvif/simulator.ts';
import { child, find, parseXml, textOf, type XmlElement } from '../../drivers/onvif/xml.ts';
import { RoomError } from '../../src/core/errors.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';

/**
 * The onvif driver through the REAL `onvif` npm client against the SOAP simulator on 127.0.0.1.
 */

let sims: OnvifSimulator[] = [];
let harnesses: Array<DriverHarness<unknown>> = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await Promise.all(harnesses.map((h) => h.close()));
  await Promise.all(sims.map((s) => s.close()));
  harnesses = [];
  sims = [];
});

async function setup(simOptions: Record<string, unknown> = {}, options: Record<string, unknown> = {}, deviceOptions = {}) {
  const sim = await startOnvifSimulator(simOptions, deviceOptions);
  sims.push(sim);
  const h = createDriverHarness(driver, { requestTimeoutMs: 1000, ...options }, sim.transport);
  harnesses.push(h as DriverHarness<unknown>);
  return { sim, h };
}

/** The operation element of a recorded request (`<ContinuousMove>`...). */
const bodyOf = (op: OnvifSimOperation): XmlElement => find(parseXml(op.body), 'Body')!.children[0]!;
const last = (sim: OnvifSimulator, name: string): XmlElement => {
  const ops = sim.received(name);
  expect(ops.length, `${name} received`).toBeGreaterThan(0);
  return bodyOf(ops[ops.length - 1]!);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitIdle(sim: OnvifSimulator, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const s = sim.ptz.moveStatus();
    if (s.panTilt === 'IDLE' && s.zoom === 'IDLE') return;
    await sleep(25);
  }
  throw new Error('simulated camera never stopped moving');
}

async function rejection(p: Promise<unknown>): Promise<RoomError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RoomError);
  return err as RoomError;
}

describe('onvif driver ↔ simulator', () => {
  it('connects (GetSystemDateAndTime first, unauthenticated), reads status and copies preset names', async () => {
    const { sim, h } = await setup({}, { presets: { 1: 'Salle entière' } });
    await h.connect();
    expect(sim.operations[0]!.name).toBe('GetSystemDateAndTime');
    expect(sim.operations[0]!.body).not.toContain('UsernameToken');
    expect(sim.operations.map((o) => o.name)).toEqual(expect.arrayContaining(['GetServices', 'GetProfiles', 'GetPresets', 'GetStatus']));
    expect(sim.operations.filter((o) => o.authError)).toEqual([]);
    expect(h.state).toMatchObject({ pan: 0, tilt: 0, zoom: 0, presets: { 1: 'Salle entière' } });
    expect(unhandled).toEqual([]);
  });

  it('continuous move then stop: the camera moves, Stop arrives on the PTZ XAddr, the camera stops', async () => {
    const { sim, h } = await setup();
    await h.connect();
    await h.exec('move', { pan: 1, tilt: -0.5 });
    const move = last(sim, 'ContinuousMove');
    expect(textOf(child(move, 'ProfileToken'))).toBe('profile_main');
    expect(child(child(move, 'Velocity'), 'PanTilt')!.attrs).toMatchObject({ x: '1', y: '-0.5' });
    expect(textOf(child(move, 'Timeout'))).toBe('PT10S');
    expect(sim.received('ContinuousMove')[0]!.path).toBe('/onvif/ptz_service');
    await sleep(300);
    await h.exec('stop');
    expect(sim.received('Stop')).toHaveLength(1);
    const stoppedAt = sim.ptz.position();
    expect(stoppedAt.pan).toBeGreaterThan(0.1);
    expect(stoppedAt.tilt).toBeLessThan(-0.05);
    await sleep(150);
    expect(sim.ptz.position()).toEqual(stoppedAt);
    await h.poll();
    expect(h.state.pan).toBeCloseTo(stoppedAt.pan, 3);
    expect(h.state.tilt).toBeCloseTo(stoppedAt.tilt, 3);
  });

  it('a move with all speeds zero is a Stop', async () => {
    const { sim, h } = await setup();
    await h.connect();
    await h.exec('move', { pan: 0, tilt: 0, zoom: 0 });
    expect(sim.received('Stop')).toHaveLength(1);
    expect(sim.received('ContinuousMove')).toHaveLength(0);
  });

  it('goto → AbsoluteMove; the polled state follows; without zoom only PanTilt is sent', async () => {
    const { sim, h } = await setup();
    await h.connect();
    await h.exec('goto', { pan: 0.5, tilt: -0.25, zoom: 0.3 });
    expect(child(child(last(sim, 'AbsoluteMove'), 'Position'), 'Zoom')!.attrs.x).toBe('0.3');
    await waitIdle(sim);
    await h.poll();
    expect(h.state).toMatchObject({ pan: 0.5, tilt: -0.25, zoom: 0.3 });
    await h.exec('goto', { pan: -1, tilt: 1 });
    expect(child(child(last(sim, 'AbsoluteMove'), 'Position'), 'Zoom')).toBeUndefined();
    await waitIdle(sim);
    await h.poll();
    expect(h.state).toMatchObject({ pan: -1, tilt: 1, zoom: 0.3 });
  });

  it('presets by number: SetPreset, then GotoPreset with the token the camera returned', async () => {
    const { sim, h } = await setup({}, { presets: { 3: 'Tableau' } });
    await h.connect();
    await h.exec('goto', { pan: 0.4, tilt: 0.2, zoom: 0.1 });
    await waitIdle(sim);
    await h.exec('storePreset', { preset: 3 });
    expect(textOf(child(last(sim, 'SetPreset'), 'PresetName'))).toBe('3');
    const stored = [...sim.presets.values()].find((p) => p.name === '3')!;
    expect(stored.position).toEqual({ pan: 0.4, tilt: 0.2, zoom: 0.1 });
    await h.exec('home');
    await waitIdle(sim);
    await h.exec('recallPreset', { preset: 'Tableau' });
    expect(textOf(child(last(sim, 'GotoPreset'), 'PresetToken'))).toBe(stored.token);
    expect(h.state.preset).toBe(3);
    await waitIdle(sim);
    expect(sim.ptz.position()).toEqual({ pan: 0.4, tilt: 0.2, zoom: 0.1 });
    // Storing it again overwrites the same token.
    await h.exec('storePreset', { preset: 3 });
    expect(textOf(child(last(sim, 'SetPreset'), 'PresetToken'))).toBe(stored.token);
    const err = await rejection(h.exec('recallPreset', { preset: 9 }));
    expect(err.code).toBe('BadArgs');
    expect(err.message).toBe('preset 9 is not stored on the camera (stored: 3)');
  });

  it('discovers tokens with GetPresets (by numeric Name) and honours explicit presetTokens', async () => {
    const { sim, h } = await setup({}, { presetTokens: { 7: 'preset_1' } }, { presets: { 1: 'Salle', 2: 'Tableau' } });
    await h.connect();
    await h.exec('recallPreset', { preset: 2 });
    expect(textOf(child(last(sim, 'GotoPreset'), 'PresetToken'))).toBe('preset_2');
    await h.exec('recallPreset', { preset: 7 });
    expect(textOf(child(last(sim, 'GotoPreset'), 'PresetToken'))).toBe('preset_1');
  });

  it('home → GotoHomePosition', async () => {
    const { sim, h } = await setup();
    await h.connect();
    sim.ptz.home = { pan: -0.3, tilt: 0.1, zoom: 0.2 };
    await h.exec('home');
    expect(sim.received('GotoHomePosition')).toHaveLength(1);
    await waitIdle(sim);
    await h.poll();
    expect(h.state).toMatchObject({ pan: -0.3, tilt: 0.1, zoom: 0.2 });
  });

  it('a camera whose clock is 2 hours off still accepts our signatures', async () => {
    const { sim, h } = await setup({ clockOffsetMs: 2 * 3600_000 });
    await h.connect();
    await h.exec('move', { zoom: 0.5 });
    await h.exec('stop');
    await h.poll();
    expect(sim.operations.filter((o) => o.authError)).toEqual([]);
    const created = textOf(find(parseXml(sim.received('Stop')[0]!.body), 'Created'))!;
    expect(Math.abs(Date.parse(created) - sim.deviceNow().getTime())).toBeLessThan(3000);
  });

  it('a camera clock that jumps after connect: one NotAuthorized, the clock is re-read, the request retried', async () => {
    const { sim, h } = await setup();
    await h.connect();
    sim.options.clockOffsetMs = 3600_000;
    await h.poll();
    const statuses = sim.received('GetStatus');
    expect(statuses.at(-2)!.authError).toMatch(/^stale Created/);
    expect(statuses.at(-1)!.authError).toBeUndefined();
    expect(sim.operations.at(-2)!.name).toBe('GetSystemDateAndTime');
  });

  it('a wrong password: connect rejects with the camera’s fault text, nothing unhandled', async () => {
    const sim = await startOnvifSimulator({ password: 'right' });
    sims.push(sim);
    const h = createDriverHarness(driver, { requestTimeoutMs: 1000 }, { ...sim.transport, password: 'wrong' });
    harnesses.push(h as DriverHarness<unknown>);
    const err = await rejection(h.connect());
    expect(err.code).toBe('DeviceError');
    expect(err.message).toBe('camera refused: Sender not Authorized (ter:NotAuthorized)');
    expect(sim.operations.some((o) => o.authError === 'wrong password digest')).toBe(true);
    const notConnected = await rejection(h.exec('stop'));
    expect(notConnected.code).toBe('DeviceOffline');
    await sleep(50);
    expect(unhandled).toEqual([]);
  });

  it('a camera that stops answering: polls time out, ctx.lost once; when it answers again, connect succeeds', async () => {
    const { sim, h } = await setup({}, { requestTimeoutMs: 300 });
    await h.connect();
    sim.faults.stalled = true;
    for (let i = 0; i < 3; i++) expect((await rejection(h.poll())).code).toBe('DeviceTimeout');
    expect(h.lost).toHaveLength(1);
    expect(h.lost[0]!.message).toMatch(/^camera stopped answering \(3 failed polls\): camera at 127\.0\.0\.1:\d+ did not answer GetStatus within 300 ms$/);
    await rejection(h.poll());
    expect(h.lost).toHaveLength(1);
    await h.close();
    sim.faults.stalled = false;
    await h.connect();
    await h.poll();
    expect(h.lost).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });

  it('an unreachable camera: connect rejects DeviceOffline; back on the same port, connect succeeds', async () => {
    const { sim, h } = await setup();
    await sim.setReachable(false);
    const err = await rejection(h.connect());
    expect(err.code).toBe('DeviceOffline');
    expect(err.message).toMatch(/^camera unreachable at 127\.0\.0\.1:\d+ \(GetSystemDateAndTime\): .*ECONNREFUSED/);
    await sim.setReachable(true);
    await h.connect();
    await h.poll();
  });

  it('garbage instead of SOAP: the poll fails with a clear error and the driver survives', async () => {
    const { sim, h } = await setup();
    await h.connect();
    sim.faults.garbageRate = 1;
    const err = await rejection(h.poll());
    expect(err.code).toBe('DeviceError');
    expect(err.message).toMatch(/^camera sent an unreadable answer to GetStatus/);
    sim.faults.garbageRate = 0;
    await h.poll();
    expect(unhandled).toEqual([]);
  });

  it('an answer cut off mid-body: the library never calls back, the request still fails in bounded time', async () => {
    const { sim, h } = await setup({}, { requestTimeoutMs: 300 });
    await h.connect();
    sim.options.truncateReplies = true;
    const t0 = performance.now();
    const err = await rejection(h.poll());
    expect(err.code).toBe('DeviceTimeout');
    expect(performance.now() - t0).toBeLessThan(2500);
    sim.options.truncateReplies = false;
    await h.poll();
    expect(unhandled).toEqual([]);
  });

  it('quirk stopWithZeroMove: Stop then a zero-velocity ContinuousMove, which stops a camera that ignores Stop', async () => {
    const { sim, h } = await setup({ ignoreStop: true }, { quirks: { stopWithZeroMove: true } });
    await h.connect();
    await h.exec('move', { pan: 1 });
    await h.exec('stop');
    expect(sim.received('Stop')).toHaveLength(1);
    const zero = last(sim, 'ContinuousMove');
    expect(child(child(zero, 'Velocity'), 'PanTilt')!.attrs).toMatchObject({ x: '0', y: '0' });
    expect(child(child(zero, 'Velocity'), 'Zoom')!.attrs.x).toBe('0');
    expect(child(zero, 'Timeout')).toBeUndefined();
    const at = sim.ptz.position();
    await sleep(100);
    expect(sim.ptz.position()).toEqual(at);
  });

  it('without the quirk, a camera that ignores Stop keeps moving (why the quirk exists)', async () => {
    const { sim, h } = await setup({ ignoreStop: true });
    await h.connect();
    await h.exec('move', { pan: 1 });
    await h.exec('stop');
    const at = sim.ptz.position().pan;
    await sleep(100);
    expect(sim.ptz.position().pan).toBeGreaterThan(at);
  });

  it('quirk noTimeout: a camera that refuses Timeout accepts the move without it', async () => {
    const strict = await setup({ rejectTimeout: true });
    await strict.h.connect();
    const err = await rejection(strict.h.exec('move', { pan: 0.5 }));
    expect(err.message).toBe('camera refused: The requested timeout is not supported (ter:TimeoutNotSupported)');
    const { sim, h } = await setup({ rejectTimeout: true }, { quirks: { noTimeout: true } });
    await h.connect();
    await h.exec('move', { pan: 0.5 });
    expect(child(last(sim, 'ContinuousMove'), 'Timeout')).toBeUndefined();
  });

  it('options.profile picks the profile; a profile without PTZ is refused at connect', async () => {
    const { sim, h } = await setup({}, { profile: 'profile_sub' });
    await h.connect();
    await h.exec('stop');
    expect(textOf(child(last(sim, 'Stop'), 'ProfileToken'))).toBe('profile_sub');
    const bad = await setup({}, { profile: 'profile_snapshot' });
    const err = await rejection(bad.h.connect());
    expect(err.message).toBe("profile 'profile_snapshot' has no PTZ configuration (profiles: profile_main, profile_sub, profile_snapshot)");
  });

  it('an old camera without GetServices: falls back to GetCapabilities', async () => {
    const { sim, h } = await setup({ noGetServices: true });
    await h.connect();
    expect(sim.received('GetCapabilities')).toHaveLength(1);
    await h.exec('home');
    expect(sim.received('GotoHomePosition')[0]!.path).toBe('/onvif/ptz_service');
  });

  it('disconnect while moving sends a Stop', async () => {
    const { sim, h } = await setup();
    await h.connect();
    await h.exec('move', { tilt: 0.3 });
    await h.close();
    expect(sim.received('Stop')).toHaveLength(1);
    expect(sim.ptz.moveStatus().panTilt).toBe('IDLE');
  });

  it('camera fault on a command surfaces the camera’s own text', async () => {
    const { sim, h } = await setup({}, { presetTokens: { 5: 'ghost' } });
    await h.connect();
    const err = await rejection(h.exec('recallPreset', { preset: 5 }));
    expect(err.code).toBe('DeviceError');
    expect(err.message).toBe('camera refused: The requested preset token does not exist (ter:NoToken)');
    expect(sim.received('GotoPreset')).toHaveLength(1);
  });
});

describe('onvif driver policy and config', () => {
  it('move and stop share the latest-wins key "move"; stop outranks move', async () => {
    const { h } = await setup();
    const cmd = (command: string, args: Record<string, unknown> = {}) =>
      ({ id: 'x', device: 'dev', command, args, source: { surface: 'test' }, receivedAt: 0, capability: 'ptz' }) as const;
    const move = h.driver.policy!(cmd('move', { pan: 0.2 }));
    const stop = h.driver.policy!(cmd('stop'));
    const zeroMove = h.driver.policy!(cmd('move', { pan: 0 }));
    expect(move.key).toBe('move');
    expect(stop.key).toBe('move');
    expect(stop.priority!).toBeGreaterThan(move.priority ?? 0);
    expect(zeroMove.priority).toBe(stop.priority);
    expect(h.driver.policy!(cmd('recallPreset', { preset: 1 })).key).toBeUndefined();
  });

  it('refuses a non-http transport with a ConfigError', async () => {
    const h = createDriverHarness(driver, {}, { type: 'tcp', host: '127.0.0.1', port: 9 });
    const err = await rejection(h.connect());
    expect(err.code).toBe('ConfigError');
  });
});
