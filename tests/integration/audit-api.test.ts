import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler, type MqttResult } from '../../src/api/mqtt/commands.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { eventually, openEvents, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const PANEL = 'panel-token-0123456789';
const TECH = 'tech-token-0123456789abc';
const READONLY = 'readonly-token-012345678';

/**
 * Every command received leaves an audit row, refusals included, whatever the surface; the
 * technician reads them at GET /api/v1/audit. Each case goes from the surface to the row.
 */
describe('audit of every command, and GET /api/v1/audit', () => {
  let daemon: TestDaemon;

  beforeAll(async () => {
    daemon = await startTestDaemon(`room: { id: audit, name: Salle }
http:
  panelPin: "482915"
  tokens:
    - { name: wall-panel, role: panel, token: ${PANEL} }
    - { name: tech, role: technician, token: ${TECH} }
    - { name: dash, role: readonly, token: ${READONLY} }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
  mics: { driver: shure-dcs, transport: { type: sim } }
`);
    await eventually(() => daemon.room.devices().every((d) => d.online), Boolean, 10_000);
  });
  afterAll(() => daemon?.close());

  /** The newest audit row, as the technician reads it over HTTP. */
  async function newest(): Promise<Record<string, unknown>> {
    const res = await daemon.api('GET', '/api/v1/audit?limit=1', undefined, TECH);
    expect(res.status).toBe(200);
    return res.body.entries[0];
  }

  it('REST: a role refusal (403), bad args (400), an unknown command or device (404), no token (401)', async () => {
    const cases: Array<[string, unknown, string | undefined, number, Record<string, unknown>]> = [
      ['/api/v1/devices/display/commands/powerOn', {}, PANEL, 403, { who: 'wall-panel', device: 'display', command: 'powerOn', outcome: 'Forbidden' }],
      ['/api/v1/devices/display/commands/setVolume', { level: 'loud' }, TECH, 400, { who: 'tech', device: 'display', command: 'setVolume', outcome: 'BadArgs' }],
      ['/api/v1/devices/display/commands/selfDestruct', {}, TECH, 404, { who: 'tech', command: 'selfDestruct', outcome: 'UnknownCommand' }],
      ['/api/v1/devices/ghost/commands/powerOn', {}, TECH, 404, { who: 'tech', device: 'ghost', outcome: 'UnknownDevice' }],
      ['/api/v1/devices/mics/commands/unmuteMicrophones', {}, undefined, 401, { who: 'anonymous', device: 'mics', outcome: 'Unauthorized' }],
      ['/api/v1/devices/mics/commands/muteMicrophones', {}, PANEL, 200, { who: 'wall-panel', device: 'mics', command: 'muteMicrophones', outcome: 'ok' }],
    ];
    for (const [path, body, token, status, row] of cases) {
      expect((await daemon.api('POST', path, body, token)).status, path).toBe(status);
      expect(await newest(), path).toMatchObject({ surface: 'rest', ...row, at: expect.any(String), ms: expect.any(Number) });
    }
  });

  it('REST room-wide commands: a readonly meeting start and a bad meeting body are audited without a device', async () => {
    expect((await daemon.api('POST', '/api/v1/meeting/start', {}, READONLY)).status).toBe(403);
    expect(await newest()).toMatchObject({ who: 'dash', surface: 'rest', device: null, command: 'meeting.start', outcome: 'Forbidden' });
    expect((await daemon.api('POST', '/api/v1/meeting/microphones', { muted: 'yes' }, PANEL)).status).toBe(400);
    expect(await newest()).toMatchObject({ who: 'wall-panel', device: null, command: 'meeting.microphones', outcome: 'BadArgs' });
  });

  it('WebSocket: a panel sending powerOff is refused and audited', async () => {
    const panel = await openEvents(daemon.url, PANEL);
    try {
      panel.ws.send(JSON.stringify({ type: 'command', id: 7, device: 'display', command: 'powerOff' }));
      expect(await panel.next((m) => m.type === 'result' && m.id === 7)).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    } finally {
      panel.close();
    }
    expect(await newest()).toMatchObject({ who: 'wall-panel', surface: 'ws', device: 'display', command: 'powerOff', outcome: 'Forbidden' });
  });

  it('panel technician routes: a command without a PIN session is refused and audited', async () => {
    const res = await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/panel/tech/devices/display/commands/powerOn', body: '{}' });
    expect(res.status).toBe(401);
    expect(await newest()).toMatchObject({ who: 'anonymous', surface: 'panel', device: 'display', command: 'powerOn', outcome: 'Unauthorized' });
  });

  it('MQTT (the command handler on the same bus): a panel-role powerOn is refused and audited', async () => {
    const results: MqttResult[] = [];
    const handler = new CommandHandler(daemon.ctx, 'panel', (r) => results.push(r), silentLogger);
    handler.handle({ kind: 'device', device: 'display' }, Buffer.from('{"command":"powerOn"}'), {});
    await eventually(() => results.length, (n) => n === 1);
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(await newest()).toMatchObject({ who: 'mqtt', surface: 'mqtt', device: 'display', command: 'powerOn', outcome: 'Forbidden' });
  });

  it('is for technicians only, filters by from/to/limit, and refuses a bad query with 400', async () => {
    expect((await daemon.api('GET', '/api/v1/audit', undefined, PANEL)).status).toBe(403);
    expect((await daemon.api('GET', '/api/v1/audit')).status).toBe(401);
    const all = await daemon.api('GET', '/api/v1/audit', undefined, TECH);
    expect(all.body.entries.length).toBeGreaterThanOrEqual(11);
    for (const e of all.body.entries) expect(Object.keys(e).sort()).toEqual(['at', 'command', 'device', 'ms', 'outcome', 'surface', 'who']);
    const times = all.body.entries.map((e: { at: string }) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times); // newest first
    expect((await daemon.api('GET', '/api/v1/audit?limit=3', undefined, TECH)).body.entries).toHaveLength(3);
    expect((await daemon.api('GET', '/api/v1/audit?from=2999-01-01', undefined, TECH)).body.entries).toEqual([]);
    expect((await daemon.api('GET', '/api/v1/audit?to=2000-01', undefined, TECH)).body.entries).toEqual([]);
    const bad = await daemon.api('GET', '/api/v1/audit?from=yesterday', undefined, TECH);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/query\.from/);
    expect((await daemon.api('GET', '/api/v1/audit?limit=-1', undefined, TECH)).status).toBe(400);
  });

  it('is in the OpenAPI document with its entry schema', async () => {
    const doc = (await daemon.api('GET', '/openapi.json')).body;
    const op = doc.paths['/api/v1/audit'].get;
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['from', 'limit', 'to']);
    const entry = op.responses['200'].content['application/json'].schema.properties.entries.items;
    expect(Object.keys(entry.properties).sort()).toEqual(['at', 'command', 'device', 'ms', 'outcome', 'surface', 'who']);
  });
});
