import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOnvifSimulator, type OnvifSimOperation, type OnvifSimulator } from '../../drivers/onvif/simulator.ts';
import { driver as onvifDriver } from '../../drivers/onvif/index.ts';
import { child, find, parseXml, textOf, type XmlElement } from '../../drivers/onvif/xml.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/**
 * ONVIF cameras through the whole daemon: REST in, the REAL `onvif` npm client underneath, the SOAP
 * simulator on 127.0.0.1 as the far end. Assertions are on what the camera received (its operation
 * log, parsed) and where it actually is, and on the state REST reports back.
 *
 * Four cameras, one per concern, so a fault injected into one never disturbs the others:
 * - `cam`: the main camera (password not the default), `deadmanMs: 0` so a move keeps going until the
 *   test sends stop (with the default 500 ms dead-man timer the daemon would stop it by itself);
 * - `skewed`: its clock is 2 hours ahead of ours;
 * - `locked`: configured with the wrong password;
 * - `flaky`: stops answering, then answers again (short request timeout so polls fail fast).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The operation element of a recorded request (`<ContinuousMove>`…). */
const bodyOf = (op: OnvifSimOperation): XmlElement => find(parseXml(op.body), 'Body')!.children[0]!;
const lastOp = (sim: OnvifSimulator, name: string): XmlElement => {
  const ops = sim.received(name);
  expect(ops.length, `${name} received`).toBeGreaterThan(0);
  return bodyOf(ops.at(-1)!);
};

async function waitIdle(sim: OnvifSimulator, timeoutMs = 3000): Promise<void> {
  await eventually(() => sim.ptz.moveStatus(), (s) => s.panTilt === 'IDLE' && s.zoom === 'IDLE', timeoutMs);
}

describe('ONVIF cameras through the daemon', () => {
  let cam: OnvifSimulator;
  let skewed: OnvifSimulator;
  let locked: OnvifSimulator;
  let flaky: OnvifSimulator;
  let daemon: TestDaemon;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  const device = async (id: string) => (await daemon.api('GET', `/api/v1/devices/${id}`)).body;
  const command = (id: string, name: string, args?: unknown) => daemon.api('POST', `/api/v1/devices/${id}/commands/${name}`, args);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    [cam, skewed, locked, flaky] = await Promise.all([
      startOnvifSimulator({ username: 'tech', password: 'Salle-42' }),
      startOnvifSimulator({ clockOffsetMs: 2 * 3600_000 }),
      startOnvifSimulator({ password: 'the-right-one' }),
      startOnvifSimulator(),
    ]);
    const http = (sim: OnvifSimulator, password = sim.options.password) =>
      `{ type: http, url: "${sim.transport.url}", username: ${sim.options.username}, password: "${password}" }`;
    daemon = await startTestDaemon(`
room: { id: onvif, name: Salle }
devices:
  cam:
    driver: onvif
    transport: ${http(cam)}
    options: { presets: { "1": "Salle entière", "2": "Pupitre" }, requestTimeoutMs: 1500 }
    deadmanMs: 0
  skewed:
    driver: onvif
    transport: ${http(skewed)}
    options: { requestTimeoutMs: 1500 }
    deadmanMs: 0
  locked:
    driver: onvif
    transport: ${http(locked, 'a-wrong-one')}
  flaky:
    driver: onvif
    transport: ${http(flaky)}
    options: { requestTimeoutMs: 300 }
`);
    await eventually(() => daemon.api('GET', '/api/v1/devices'), (r) => ['cam', 'skewed', 'flaky'].every((id) => r.body.find?.((d: { id: string }) => d.id === id)?.online), 8000);
  }, 15_000);

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await daemon?.close();
    await Promise.all([cam, skewed, locked, flaky].map((s) => s?.close()));
  });

  it('connects with the real client: clock read unauthenticated first, then signed requests the camera accepts', async () => {
    expect(cam.operations[0]!.name).toBe('GetSystemDateAndTime');
    expect(cam.operations[0]!.body).not.toContain('UsernameToken');
    expect(cam.operations.map((o) => o.name)).toEqual(expect.arrayContaining(['GetProfiles', 'GetPresets', 'GetStatus']));
    expect(cam.operations.filter((o) => o.authError)).toEqual([]);
    const d = await device('cam');
    expect(d).toMatchObject({ online: true, driver: 'onvif', capabilities: ['ptz'] });
    expect(d.state).toMatchObject({ pan: 0, tilt: 0, zoom: 0, presets: { 1: 'Salle entière', 2: 'Pupitre' } });
  });

  it('continuous move then stop: ContinuousMove, the camera moves; Stop, it stays put; REST state follows', async () => {
    const before = cam.operations.length;
    const move = await command('cam', 'move', { pan: 1, tilt: -0.5 });
    expect(move.status).toBe(200);
    const cm = lastOp(cam, 'ContinuousMove');
    expect(textOf(child(cm, 'ProfileToken'))).toBe('profile_main');
    expect(child(child(cm, 'Velocity'), 'PanTilt')!.attrs).toMatchObject({ x: '1', y: '-0.5' });
    const started = cam.ptz.position();
    await sleep(600); // past the default 500 ms dead-man delay: only deadmanMs: 0 keeps it moving
    expect(cam.received('Stop').length).toBe(0);
    const moving = cam.ptz.position();
    expect(moving.pan).toBeGreaterThan(started.pan + 0.1);
    expect(moving.tilt).toBeLessThan(started.tilt - 0.05);

    expect((await command('cam', 'stop')).status).toBe(200);
    const names = cam.operations.slice(before).map((o) => o.name).filter((n) => n === 'ContinuousMove' || n === 'Stop');
    expect(names).toEqual(['ContinuousMove', 'Stop']);
    const stoppedAt = cam.ptz.position();
    expect(cam.ptz.moveStatus()).toEqual({ panTilt: 'IDLE', zoom: 'IDLE' });
    await sleep(300);
    expect(cam.ptz.position()).toEqual(stoppedAt);
    // The next GetStatus poll (every second) carries the real position into REST.
    const d = await eventually(() => device('cam'), (r) => Math.abs(r.state.pan - stoppedAt.pan) < 1e-3, 3000);
    expect(d.state.tilt).toBeCloseTo(stoppedAt.tilt, 3);
  });

  it('goto: AbsoluteMove with the position asked; the camera gets there and GET /devices/cam reads it back', async () => {
    const res = await command('cam', 'goto', { pan: 0.5, tilt: -0.25, zoom: 0.3 });
    expect(res.status).toBe(200);
    const position = child(lastOp(cam, 'AbsoluteMove'), 'Position');
    expect(child(position, 'PanTilt')!.attrs).toMatchObject({ x: '0.5', y: '-0.25' });
    expect(child(position, 'Zoom')!.attrs.x).toBe('0.3');
    await waitIdle(cam);
    expect(cam.ptz.position()).toEqual({ pan: 0.5, tilt: -0.25, zoom: 0.3 });
    const d = await eventually(() => device('cam'), (r) => r.state.pan === 0.5 && r.state.tilt === -0.25 && r.state.zoom === 0.3, 3000);
    expect(d.state.preset ?? null).toBeNull();
  });

  it('presets: storePreset by number, recallPreset by number and by name → GotoPreset with the camera’s token', async () => {
    const salle = { pan: -0.6, tilt: 0.2, zoom: 0 };
    const pupitre = { pan: 0.4, tilt: -0.1, zoom: 0.5 };
    for (const [n, pos] of [[1, salle], [2, pupitre]] as const) {
      expect((await command('cam', 'goto', pos)).status).toBe(200);
      await waitIdle(cam);
      const stored = await command('cam', 'storePreset', { preset: n });
      expect(stored.status).toBe(200);
      expect(textOf(child(lastOp(cam, 'SetPreset'), 'PresetName'))).toBe(String(n));
    }
    const tokenOf = (name: string) => [...cam.presets.values()].find((p) => p.name === name)!.token;
    expect(cam.presets.get(tokenOf('1'))!.position).toEqual(salle);
    expect(cam.presets.get(tokenOf('2'))!.position).toEqual(pupitre);

    const byNumber = await command('cam', 'recallPreset', { preset: 1 });
    expect(byNumber.status).toBe(200);
    expect(textOf(child(lastOp(cam, 'GotoPreset'), 'PresetToken'))).toBe(tokenOf('1'));
    expect(byNumber.body.state.preset).toBe(1);
    await waitIdle(cam);
    expect(cam.ptz.position()).toEqual(salle);

    const byName = await command('cam', 'recallPreset', { preset: 'Pupitre' });
    expect(byName.status).toBe(200);
    expect(textOf(child(lastOp(cam, 'GotoPreset'), 'PresetToken'))).toBe(tokenOf('2'));
    await waitIdle(cam);
    expect(cam.ptz.position()).toEqual(pupitre);
    const d = await eventually(() => device('cam'), (r) => r.state.pan === pupitre.pan && r.state.zoom === pupitre.zoom, 3000);
    expect(d.state).toMatchObject({ preset: 2, presets: { 1: 'Salle entière', 2: 'Pupitre' } });

    const unknown = await command('cam', 'recallPreset', { preset: 'Tableau' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('BadArgs');
  });

  it('home: GotoHomePosition; the camera returns to its home position and REST reads it', async () => {
    cam.ptz.home = { pan: -0.3, tilt: 0.1, zoom: 0.2 };
    const count = cam.received('GotoHomePosition').length;
    expect((await command('cam', 'home')).status).toBe(200);
    expect(cam.received('GotoHomePosition')).toHaveLength(count + 1);
    await waitIdle(cam);
    expect(cam.ptz.position()).toEqual({ pan: -0.3, tilt: 0.1, zoom: 0.2 });
    await eventually(() => device('cam'), (r) => r.state.pan === -0.3 && r.state.tilt === 0.1 && r.state.zoom === 0.2, 3000);
  });

  it('a camera whose clock is 2 hours ahead comes online and moves: every request signed with its time', async () => {
    expect((await device('skewed')).online).toBe(true);
    const zoomBefore = skewed.ptz.position().zoom;
    expect((await command('skewed', 'move', { zoom: 0.5 })).status).toBe(200);
    await sleep(300);
    expect((await command('skewed', 'stop')).status).toBe(200);
    expect(skewed.ptz.position().zoom).toBeGreaterThan(zoomBefore + 0.02);
    expect(skewed.operations.filter((o) => o.authError)).toEqual([]);
    const created = textOf(find(parseXml(skewed.received('Stop').at(-1)!.body), 'Created'))!;
    // Signed with the camera's clock (2 h ahead of ours), not with ours.
    expect(Math.abs(Date.parse(created) - skewed.deviceNow().getTime())).toBeLessThan(3000);
    expect(Date.parse(created) - Date.now()).toBeGreaterThan(3600_000);
  });

  it('a wrong password: offline with the camera’s own words, commands 503 at once, the daemon keeps serving', async () => {
    const d = await eventually(() => device('locked'), (r) => r.lastError !== undefined, 5000);
    expect(d.online).toBe(false);
    expect(d.lastError.message).toContain('Sender not Authorized (ter:NotAuthorized)');
    expect(locked.operations.some((o) => o.authError === 'wrong password digest')).toBe(true);

    const t0 = performance.now();
    const res = await command('locked', 'home');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('DeviceOffline');
    expect(res.body.error.message).toContain('Sender not Authorized');
    // Refused before the queue: well inside the driver's command timeout, which a command sent to
    // the camera would wait out in full.
    expect(performance.now() - t0).toBeLessThan(onvifDriver.manifest.commandTimeoutMs! / 2);
    expect(locked.received('GotoHomePosition')).toEqual([]);

    const health = await daemon.api('GET', '/api/v1/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.devices).toMatchObject({ locked: false, cam: true, skewed: true });
    // It keeps trying (backoff) and keeps being refused, without taking anything else down.
    const tries = locked.received('GetSystemDateAndTime').length;
    await eventually(() => locked.received('GetSystemDateAndTime').length, (n) => n > tries, 3000);
    expect((await device('locked')).online).toBe(false);
    expect((await command('cam', 'stop')).status).toBe(200);
    expect(unhandled).toEqual([]);
  });

  it('a camera that stops answering goes offline within seconds (failed polls), 503s, and comes back by itself', async () => {
    flaky.faults.stalled = true;
    const t0 = Date.now();
    const off = await eventually(() => device('flaky'), (r) => r.online === false, 6000);
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(off.lastError.message).toMatch(/did not answer GetStatus within 300 ms/);
    const res = await command('flaky', 'home');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('DeviceOffline');
    expect((await daemon.api('GET', '/api/v1/health')).body.devices.flaky).toBe(false);
    expect((await device('cam')).online).toBe(true);

    flaky.faults.stalled = false;
    await eventually(() => device('flaky'), (r) => r.online === true, 6000);
    const homes = flaky.received('GotoHomePosition').length;
    expect((await command('flaky', 'home')).status).toBe(200);
    expect(flaky.received('GotoHomePosition')).toHaveLength(homes + 1);
    expect(unhandled).toEqual([]);
  });

  it('a camera that refuses connections (switched off) goes offline, then back online on the same port', async () => {
    await flaky.setReachable(false);
    const off = await eventually(() => device('flaky'), (r) => r.online === false, 6000);
    expect(off.lastError.message).toMatch(/ECONNREFUSED/);
    expect((await command('flaky', 'stop')).status).toBe(503);
    await flaky.setReachable(true);
    await eventually(() => device('flaky'), (r) => r.online === true, 6000);
    expect((await command('flaky', 'stop')).status).toBe(200);
    expect(unhandled).toEqual([]);
  });
});
