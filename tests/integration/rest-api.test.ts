import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { ShureSimulator } from '../../drivers/shure-dcs/simulator.ts';
import { driver as mdcDriver } from '../../drivers/samsung-mdc/index.ts';
import { eventually, openEvents, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/**
 * The REST API end to end: a daemon in-process, real drivers, simulators on loopback TCP.
 * Asserts HTTP answers, the bytes/commands the simulators received, and state.
 */
describe('REST API', () => {
  let display: MdcSimulator;
  let mics: ShureSimulator;
  let daemon: TestDaemon;

  beforeAll(async () => {
    display = new MdcSimulator();
    mics = new ShureSimulator({ model: 'MXA910' });
    const [dport, mport] = [await display.listen(0), await mics.listen(0)];
    daemon = await startTestDaemon(`
room: { id: test-room, name: "Salle de test", helpLine: "04 00 00 00 00" }
devices:
  display:
    driver: samsung-mdc
    transport: { type: tcp, host: 127.0.0.1, port: ${dport} }
  mics:
    driver: shure-dcs
    transport: { type: tcp, host: 127.0.0.1, port: ${mport} }
  ghost:
    driver: samsung-mdc
    transport: { type: tcp, host: 127.0.0.1, port: 1 }
`);
    await eventually(() => daemon.api('GET', '/api/v1/devices/display'), (r) => r.body.online === true);
    await eventually(() => daemon.api('GET', '/api/v1/devices/mics'), (r) => r.body.online === true);
  });
  afterAll(async () => {
    await daemon?.close();
    await display?.close();
    await mics?.close();
  });

  it('health is degraded while a device is offline, and says which', async () => {
    const { status, body } = await daemon.api('GET', '/api/v1/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'degraded', devices: { display: true, mics: true, ghost: false }, checks: { sessions: { ok: true } } });
  });

  it('GET /api/v1/state and /devices read the store and never touch a device', async () => {
    const before = display.received.length;
    const state = await daemon.api('GET', '/api/v1/state');
    const devices = await daemon.api('GET', '/api/v1/devices');
    const one = await daemon.api('GET', '/api/v1/devices/mics');
    expect(state.body.room).toMatchObject({ id: 'test-room', name: 'Salle de test' });
    expect(Object.keys(state.body.devices).sort()).toEqual(['display', 'ghost', 'mics']);
    expect(state.body.meeting).toMatchObject({ active: false });
    expect(devices.body.map((d: { id: string }) => d.id).sort()).toEqual(['display', 'ghost', 'mics']);
    expect(one.body).toMatchObject({ id: 'mics', driver: 'shure-dcs', online: true, capabilities: ['micMute', 'raw'] });
    expect(display.received.length).toBe(before);
  });

  it('a command reaches the device, answers once acknowledged, and returns the new state', async () => {
    const res = await daemon.api('POST', '/api/v1/devices/display/commands/setVolume', { level: 37 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, state: { volume: 37 } });
    expect(display.state.volume).toBe(37);
    expect(display.received.at(-1)).toBe('AA 12 00 01 25 38');
  });

  it('a command with no body means no arguments', async () => {
    const res = await daemon.api('POST', '/api/v1/devices/mics/commands/muteMicrophones');
    expect(res.status).toBe(200);
    expect(mics.state.muted).toBe(true);
    expect((await daemon.api('GET', '/api/v1/devices/mics')).body.state.micMuted).toBe(true);
    await daemon.api('POST', '/api/v1/devices/mics/commands/unmuteMicrophones', {});
    expect(mics.state.muted).toBe(false);
  });

  it.each([
    ['malformed JSON', 'display', 'setVolume', '{"level": 4', 400, 'BadRequest', /body is not valid JSON/],
    ['a wrong type names the field', 'display', 'setVolume', { level: 'loud' }, 400, 'BadArgs', /^args\.level: Expected integer/],
    ['an out-of-range value', 'display', 'setVolume', { level: 101 }, 400, 'BadArgs', /args\.level/],
    ['an unknown argument', 'display', 'setVolume', { level: 5, levle: 5 }, 400, 'BadArgs', /levle/],
    ['args that are not an object', 'display', 'setVolume', [1, 2], 400, 'BadArgs', /object/],
    ['an unknown device', 'projector', 'powerOn', {}, 404, 'UnknownDevice', /projector/],
    ['an unknown command', 'display', 'selfDestruct', {}, 404, 'UnknownCommand', /selfDestruct/],
    ['a capability the device lacks', 'display', 'recallPreset', { preset: 1 }, 409, 'Unsupported', /no 'ptz' capability/],
    ['an offline device', 'ghost', 'powerOn', {}, 503, 'DeviceOffline', /ghost is offline/],
  ])('%s', async (_name, device, command, body, status, code, message) => {
    const res = await daemon.api('POST', `/api/v1/devices/${device}/commands/${command}`, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });

  it('a device error is a 502 carrying the device\'s own words, and the daemon keeps going', async () => {
    const res = await daemon.api('POST', '/api/v1/devices/display/commands/selectInput', { input: 'hdmi9' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/hdmi9/);
    expect((await daemon.api('GET', '/api/v1/health')).status).toBe(200);
  });

  it('an offline device answers 503 at once, not after a timeout', async () => {
    const t0 = performance.now();
    const res = await daemon.api('POST', '/api/v1/devices/ghost/commands/powerOff');
    expect(res.status).toBe(503);
    // Refused before the queue: well inside the driver's command timeout, which a command waiting
    // on the dead link would take in full (and answer 504).
    expect(performance.now() - t0).toBeLessThan(mdcDriver.manifest.commandTimeoutMs! / 2);
  });

  it('a body over the limit is a 413', async () => {
    const big = JSON.stringify({ data: 'x'.repeat(3 * 1024 * 1024) });
    const res = await daemon.api('POST', '/api/v1/devices/mics/commands/send', big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PayloadTooLarge');
  });

  it('unknown routes are JSON 404s', async () => {
    const res = await daemon.api('GET', '/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NotFound');
  });

  it('/openapi.json documents every command with its argument schema', async () => {
    const { body } = await daemon.api('GET', '/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    const setVolume = body.paths['/api/v1/devices/{id}/commands/setVolume'].post;
    const schema = setVolume.requestBody.content['application/json'].schema;
    expect(schema.properties.level).toMatchObject({ type: 'integer', minimum: 0, maximum: 100 });
    expect(body.paths['/api/v1/meeting/start']).toBeDefined();
    expect(body.paths['/api/v1/state']).toBeDefined();
    const docs = await fetch(`${daemon.url}/docs`);
    expect(docs.status).toBe(200);
  });

  it('the WebSocket sends a snapshot first, then changes as they happen', async () => {
    const events = await openEvents(daemon.url);
    try {
      const first = await events.next(() => true);
      expect(first).toMatchObject({ type: 'state', snapshot: true, room: { id: 'test-room' } });
      expect(first.devices.display.online).toBe(true);
      mics.pressMuteButton(); // someone presses the array's own button
      const change = await events.next((m) => m.type === 'state' && m.device?.id === 'mics' && m.changed.includes('micMuted'));
      expect(change.device.state.micMuted).toBe(true);
      // commands over the WebSocket (what the panel uses for the joystick)
      events.ws.send(JSON.stringify({ type: 'command', id: 'c1', device: 'mics', command: 'unmuteMicrophones' }));
      const result = await events.next((m) => m.type === 'result' && m.id === 'c1');
      expect(result).toMatchObject({ ok: true, state: { micMuted: false } });
      events.ws.send('not json');
      expect(await events.next((m) => m.type === 'result' && m.ok === false)).toMatchObject({ error: { code: 'BadRequest' } });
    } finally {
      events.close();
    }
  });

  it('health turns degraded when the session store stops answering (runs last: closes it)', async () => {
    daemon.ctx.sessions!.close();
    const { body } = await daemon.api('GET', '/api/v1/health');
    expect(body.checks.sessions).toEqual({ ok: false, detail: 'closed' });
  });
});
