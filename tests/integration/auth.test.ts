import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { ShureSimulator } from '../../drivers/shure-dcs/simulator.ts';
import { Authenticator } from '../../src/api/auth.ts';
import { eventually, openEvents, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

const PANEL = 'panel-token-0123456789';
const TECH = 'tech-token-0123456789abc';
const READONLY = 'readonly-token-012345678';

/** Roles on every REST route family and on the WebSocket (MQTT's are covered by the MQTT tests). */
describe('authentication and roles', () => {
  let display: MdcSimulator;
  let mics: ShureSimulator;
  let daemon: TestDaemon;

  beforeAll(async () => {
    display = new MdcSimulator();
    mics = new ShureSimulator();
    const [dport, mport] = [await display.listen(0), await mics.listen(0)];
    daemon = await startTestDaemon(`
room: { id: auth, name: Salle }
http:
  rateLimitPerMinute: 60
  tokens:
    - { name: wall-panel, role: panel, tokenFile: $DIR/panel.token }
    - { name: tech, role: technician, token: ${TECH} }
    - { name: dashboard, role: readonly, token: ${READONLY} }
devices:
  display: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${dport} } }
  mics: { driver: shure-dcs, transport: { type: tcp, host: 127.0.0.1, port: ${mport} } }
scenes:
  meetingStart:
    - { device: mics, command: send, args: { data: "< GET DEVICE_AUDIO_MUTE >" } }
`, {}, { 'panel.token': `${PANEL}\n` });
    await eventually(() => daemon.api('GET', '/api/v1/devices/mics', undefined, TECH), (r) => r.body.online === true);
  });
  afterAll(async () => {
    await daemon?.close();
    await display?.close();
    await mics?.close();
  });

  const cases: Array<[string, string, unknown, Record<string, number>]> = [
    // route, method+path, body, expected status per caller
    ['read state', 'GET /api/v1/state', undefined, { none: 401, bad: 401, readonly: 200, panel: 200, technician: 200 }],
    ['read devices', 'GET /api/v1/devices', undefined, { none: 401, bad: 401, readonly: 200, panel: 200, technician: 200 }],
    ['read sessions', 'GET /api/v1/sessions', undefined, { none: 401, readonly: 200, panel: 200, technician: 200 }],
    ['report', 'GET /api/v1/report', undefined, { none: 401, readonly: 200, panel: 200, technician: 200 }],
    ['volume (panel command)', 'POST /api/v1/devices/display/commands/setVolume', { level: 20 }, { none: 401, readonly: 403, panel: 200, technician: 200 }],
    ['mic mute (panel command)', 'POST /api/v1/devices/mics/commands/muteMicrophones', {}, { none: 401, readonly: 403, panel: 200, technician: 200 }],
    ['power (technician command)', 'POST /api/v1/devices/display/commands/powerOn', {}, { none: 401, readonly: 403, panel: 403, technician: 200 }],
    ['raw send', 'POST /api/v1/devices/mics/commands/send', { data: '< GET DEVICE_AUDIO_MUTE >' }, { none: 401, readonly: 403, panel: 403, technician: 200 }],
    ['meeting start', 'POST /api/v1/meeting/start', {}, { none: 401, readonly: 403, panel: 200 }],
    ['meeting end', 'POST /api/v1/meeting/end', {}, { none: 401, readonly: 403, panel: 200 }],
    ['config reload', 'POST /api/v1/config/reload', undefined, { none: 401, readonly: 403, panel: 403, technician: 200 }],
  ];
  const tokens: Record<string, string | undefined> = { none: undefined, bad: 'not-a-real-token-at-all', readonly: READONLY, panel: PANEL, technician: TECH };

  for (const [name, route, body, expected] of cases) {
    for (const [caller, status] of Object.entries(expected)) {
      it(`${name}: ${caller} → ${status}`, async () => {
        const [method, path] = route.split(' ') as [string, string];
        const res = await daemon.api(method, path, body, tokens[caller]);
        expect(res.status).toBe(status);
        if (status === 401) expect(res.body.error.code).toBe('Unauthorized');
        if (status === 403) expect(res.body.error.code).toBe('Forbidden');
      });
    }
  }

  it('a scene\'s technician-only step runs when a panel starts the meeting (the scene was written by a technician)', async () => {
    const res = await daemon.api('POST', '/api/v1/meeting/start', {}, PANEL);
    expect(res.status).toBe(200);
    expect(res.body.steps).toEqual([expect.objectContaining({ device: 'mics', command: 'send', status: 'ok' })]);
    await daemon.api('POST', '/api/v1/meeting/end', {}, PANEL);
  });

  it('health stays open (for monitoring) and shows no secrets', async () => {
    const res = await daemon.api('GET', '/api/v1/health');
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(TECH);
  });

  it('the WebSocket needs a token (query or header) and enforces the role on commands', async () => {
    await expect(openEvents(daemon.url)).rejects.toThrow();
    const readonly = await openEvents(daemon.url, READONLY);
    try {
      expect((await readonly.next(() => true)).snapshot).toBe(true);
      readonly.ws.send(JSON.stringify({ type: 'command', id: 1, device: 'mics', command: 'muteMicrophones' }));
      expect(await readonly.next((m) => m.type === 'result')).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    } finally {
      readonly.close();
    }
    const panel = await openEvents(daemon.url, PANEL);
    try {
      panel.ws.send(JSON.stringify({ type: 'command', id: 2, device: 'mics', command: 'unmuteMicrophones' }));
      expect(await panel.next((m) => m.type === 'result')).toMatchObject({ ok: true });
      panel.ws.send(JSON.stringify({ type: 'command', id: 3, device: 'display', command: 'powerOff' }));
      expect(await panel.next((m) => m.type === 'result' && m.id === 3)).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    } finally {
      panel.close();
    }
  });

  it('mutating routes are rate limited per client: 429 with a clear error', async () => {
    let last = 0;
    let limited: { status: number; body: any } | undefined;
    for (let i = 0; i < 80 && !limited; i++) {
      const res = await daemon.api('POST', '/api/v1/devices/display/commands/setVolume', { level: i % 50 }, PANEL);
      last = res.status;
      if (res.status === 429) limited = res;
    }
    expect(last).toBe(429);
    expect(limited!.body.error.code).toBe('RateLimited');
    // another client (the technician's token) is not affected, nor are reads
    expect((await daemon.api('POST', '/api/v1/devices/display/commands/setVolume', { level: 5 }, TECH)).status).toBe(200);
    expect((await daemon.api('GET', '/api/v1/state', undefined, PANEL)).status).toBe(200);
  });
});

describe('Authenticator', () => {
  it('with no tokens configured, serves loopback clients only', () => {
    const auth = new Authenticator([]);
    expect(auth.identify(undefined, '127.0.0.1')).toEqual({ name: 'local', role: 'technician' });
    expect(auth.identify(undefined, '::ffff:127.0.0.1').role).toBe('technician');
    expect(() => auth.identify(undefined, '192.168.1.20')).toThrow(/only clients on this machine/);
  });

  it('rejects malformed headers and unknown tokens, and never echoes the token', () => {
    const auth = new Authenticator([{ name: 'a', role: 'panel', token: 'x'.repeat(20) }]);
    expect(() => auth.identify('Basic abc', '127.0.0.1')).toThrow(/missing bearer token/);
    try {
      auth.identify('Bearer secret-guess-123', '127.0.0.1');
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-guess');
    }
    expect(auth.identify(`Bearer ${'x'.repeat(20)}`, '10.0.0.1')).toEqual({ name: 'a', role: 'panel' });
  });
});
