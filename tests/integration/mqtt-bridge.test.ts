import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { deviceDiscovery } from '../../src/api/mqtt/discovery.ts';
import { Topics } from '../../src/api/mqtt/topics.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { schemaProblems } from '../unit/mqtt-ha-schema.ts';
import { TestClient } from './mqtt-test-client.ts';

const ok = requireTool('mosquitto', 'mosquitto');
const B = 'roomd/st-pons';

type DeviceJson = { id: string; online: boolean; state: Record<string, unknown> };
type Result = { id?: string; ok: boolean; device?: string; command?: string; error?: { code: string; message: string }; session?: { id: string } };

describe.skipIf(!ok)('MQTT bridge against a real mosquitto', () => {
  let broker: Mosquitto;
  let daemon: Daemon;
  let dir: string;
  const clients: TestClient[] = [];
  const client = async (topics: string[], options = {}) => {
    const c = await TestClient.connect(broker.url, topics, options);
    clients.push(c);
    return c;
  };
  const rest = async (path: string, body?: unknown) => {
    const res = await fetch(`${daemon.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-mqtt-'));
    broker = await startMosquitto();
    const yaml = `
room: { id: st-pons, name: "Salle St-Pons" }
mqtt: { url: "${broker.url}", role: technician }
sessions: { database: "${join(dir, 's.db')}" }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
  mics: { driver: shure-dcs, transport: { type: sim } }
  camera: { driver: onvif, transport: { type: sim }, options: { presets: { "1": "Salle entière", "2": "Pupitre" } } }
scenes:
  meetingStart: [ { device: display, command: powerOn } ]
  meetingEnd: [ { device: display, command: powerOff } ]
`;
    daemon = await startDaemon(await parseConfig(yaml, 'test.yaml'), { port: 0, log: pino({ level: 'silent' }) });
    // Wait until the bridge has published every device online (a fresh subscriber gets it retained).
    const probe = await client([`${B}/+/availability`]);
    for (const id of ['display', 'mics', 'camera']) await probe.waitFor((m) => m.topic === `${B}/${id}/availability` && m.text === 'online', 8000);
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await daemon?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a new subscriber the retained status, every device, the meeting and the monthly report', async () => {
    const c = await client([`${B}/#`]);
    await c.waitFor((m) => m.topic === `${B}/status` && m.text === 'online' && m.retain);
    for (const id of ['display', 'mics', 'camera']) {
      const state = await c.waitForJson<DeviceJson>(`${B}/${id}/state`);
      expect(state).toMatchObject({ id, online: true });
      expect(c.messages.find((m) => m.topic === `${B}/${id}/state`)!.retain).toBe(true);
    }
    expect(await c.waitForJson(`${B}/meeting/state`)).toMatchObject({ active: false, phase: 'idle' });
    expect(await c.waitForJson(`${B}/report/month`)).toMatchObject({ sessions: 0, kmAvoided: 0, co2Kg: 0 });
    const health = await rest('/api/v1/health');
    expect(health.body.checks).toMatchObject({ mqtt: { ok: true } });
  });

  it('runs commands from both topic forms on the simulators and answers on B/result', async () => {
    const c = await client([`${B}/result`, `${B}/+/state`]);
    let since = c.mark;
    await c.publish(`${B}/display/volume/set`, '37');
    expect(await c.waitForJson<Result>(`${B}/result`, (r) => r.command === 'setVolume', 5000, since)).toMatchObject({ ok: true, device: 'display' });
    await c.waitForJson<DeviceJson>(`${B}/display/state`, (s) => s.state.volume === 37, 5000, since);

    since = c.mark;
    await c.publish(`${B}/display/set`, JSON.stringify({ command: 'powerOn', id: 'req-1' }));
    expect(await c.waitForJson<Result>(`${B}/result`, (r) => r.id === 'req-1', 5000, since)).toMatchObject({ ok: true, command: 'powerOn' });
    await c.waitForJson<DeviceJson>(`${B}/display/state`, (s) => s.state.power === 'on', 5000, since);

    since = c.mark;
    await c.publish(`${B}/mics/micMute/set`, 'ON');
    await c.waitForJson<DeviceJson>(`${B}/mics/state`, (s) => s.state.micMuted === true, 5000, since);

    since = c.mark;
    await c.publish(`${B}/camera/ptz/set`, 'Pupitre'); // a preset by name
    expect(await c.waitForJson<Result>(`${B}/result`, (r) => r.command === 'recallPreset', 5000, since)).toMatchObject({ ok: true });
    await c.waitForJson<DeviceJson>(`${B}/camera/state`, (s) => s.state.preset === 2, 5000, since);

    // The device itself (read back over its protocol by the driver) says so too, through REST.
    const display = await rest('/api/v1/devices/display');
    expect(display.body.state).toMatchObject({ power: 'on', volume: 37 });
  });

  it('honours the MQTT 5 response topic and correlation data', async () => {
    const c = await client(['test/replies/#']);
    const correlationData = Buffer.from('corr-42');
    await c.publish(`${B}/display/set`, JSON.stringify({ command: 'setVolume', args: { level: 12 } }), {
      properties: { responseTopic: 'test/replies/me', correlationData },
    });
    const reply = await c.waitFor((m) => m.topic === 'test/replies/me');
    expect(JSON.parse(reply.text)).toMatchObject({ ok: true, command: 'setVolume' });
    expect(reply.correlationData?.toString()).toBe('corr-42');
  });

  it('answers bad payloads with ok:false and changes nothing', async () => {
    const c = await client([`${B}/result`]);
    const before = (await rest('/api/v1/devices/display')).body.state;
    const cases: Array<[string, string | Buffer, string]> = [
      [`${B}/display/set`, 'not json', 'BadRequest'],
      [`${B}/display/set`, JSON.stringify({ command: 'fly', id: 'x' }), 'UnknownCommand'],
      [`${B}/display/set`, JSON.stringify({ command: 'setVolume', args: { level: 'loud' } }), 'BadArgs'],
      [`${B}/display/set`, JSON.stringify({ command: 'setVolume', args: { level: 500 } }), 'BadArgs'],
      [`${B}/display/set`, Buffer.alloc(17 * 1024, 0x7b), 'PayloadTooLarge'],
      [`${B}/nosuch/set`, JSON.stringify({ command: 'powerOn' }), 'UnknownDevice'],
      [`${B}/display/teleport/set`, 'ON', 'UnknownCommand'],
      [`${B}/display/micMute/set`, 'ON', 'Unsupported'],
      [`${B}/display/power/set`, 'MAYBE', 'BadRequest'],
      [`${B}/meeting/set`, '{"action":"dance"}', 'BadRequest'],
    ];
    for (const [topic, payload, code] of cases) {
      const since = c.mark;
      await c.publish(topic, payload);
      const result = await c.waitForJson<Result>(`${B}/result`, () => true, 5000, since);
      expect({ topic, ok: result.ok, code: result.error?.code }).toEqual({ topic, ok: false, code });
    }
    expect((await rest('/api/v1/devices/display')).body.state).toEqual(before);
    expect((await rest('/api/v1/health')).status).toBe(200);
  });

  it('publishes Home Assistant discovery that matches the documented schema, derived from the capabilities', async () => {
    const c = await client(['homeassistant/#']);
    await c.waitFor((m) => m.topic === 'homeassistant/switch/roomd_st-pons/meeting/config');
    await c.waitFor((m) => m.topic === 'homeassistant/button/roomd_st-pons/camera_preset_2/config');
    await new Promise((r) => setTimeout(r, 200));
    const configs = new Map(c.messages.filter((m) => m.retain && m.text).map((m) => [m.topic, JSON.parse(m.text) as Record<string, unknown>]));
    for (const [topic, config] of configs) expect(schemaProblems(topic, config), topic).toEqual([]);
    for (const id of ['display', 'mics', 'camera']) {
      const record = daemon.room.device(id);
      const expected = deviceDiscovery(
        { prefix: 'homeassistant', topics: new Topics('roomd', 'st-pons'), room: { id: 'st-pons', name: 'Salle St-Pons' }, sessions: true },
        record,
        daemon.room.runtime(id)!.module.manifest,
      );
      for (const m of expected) expect(configs.get(m.topic), m.topic).toEqual(m.config);
    }
    expect(configs.get('homeassistant/switch/roomd_st-pons/display_power/config')!.device).toMatchObject({ identifiers: ['roomd_st-pons_display'], manufacturer: 'Samsung', via_device: 'roomd_st-pons' });
    expect(configs.has('homeassistant/sensor/roomd_st-pons/km_month/config')).toBe(true);

    // Home Assistant restarting (a live `online` on its status topic) brings a fresh announcement.
    const since = c.mark;
    await c.publish('homeassistant/status', 'online', { retain: false });
    await c.waitFor((m) => m.topic === 'homeassistant/switch/roomd_st-pons/display_power/config', 6000, since);
  });

  it('starts and ends the meeting from MQTT, publishing the closed session and the month\'s figures', async () => {
    const c = await client([`${B}/result`, `${B}/meeting/state`, `${B}/sessions`, `${B}/report/month`]);
    let since = c.mark;
    await c.publish(`${B}/meeting/set`, JSON.stringify({ action: 'start', id: 'm1', organisation: 'PNR', title: 'Comité' }));
    const started = await c.waitForJson<Result>(`${B}/result`, (r) => r.id === 'm1', 8000, since);
    expect(started).toMatchObject({ ok: true, command: 'meeting.start' });
    await c.waitForJson(`${B}/meeting/state`, (m: { active: boolean; phase: string }) => m.active && m.phase === 'active', 5000, since);

    since = c.mark;
    await c.publish(`${B}/meeting/set`, 'end');
    expect(await c.waitForJson<Result>(`${B}/result`, (r) => r.command === 'meeting.end', 8000, since)).toMatchObject({ ok: true });
    const session = await c.waitForJson<{ id: string; organisation: string }>(`${B}/sessions`, () => true, 5000, since);
    expect(session).toMatchObject({ id: started.session!.id, organisation: 'PNR' });
    expect(c.messages.find((m) => m.topic === `${B}/sessions`)!.retain).toBe(false);
    await c.waitForJson(`${B}/report/month`, (r: { sessions: number }) => r.sessions === 1, 5000, since);
  });

  it('removes a device\'s discovery entries and retained state when the device is removed', async () => {
    const c = await client(['homeassistant/+/roomd_st-pons/+/config', `${B}/mics/#`]);
    await c.waitFor((m) => m.topic === 'homeassistant/switch/roomd_st-pons/mics_mic_mute/config' && m.text !== '');
    const since = c.mark;
    await daemon.room.removeDevice('mics');
    await c.waitFor((m) => m.topic === 'homeassistant/switch/roomd_st-pons/mics_mic_mute/config' && m.text === '', 5000, since);
    await c.waitFor((m) => m.topic === `${B}/mics/state` && m.text === '', 5000, since);
    // A fresh subscriber no longer sees anything of it.
    const fresh = await client(['homeassistant/+/roomd_st-pons/+/config', `${B}/mics/#`]);
    await fresh.waitFor((m) => m.topic === 'homeassistant/switch/roomd_st-pons/display_power/config');
    expect(fresh.messages.filter((m) => m.topic.includes('mics'))).toEqual([]);
  });

  it('survives a broker restart: REST keeps working, then the bridge reconnects and republishes', async () => {
    await broker.stop();
    const during = await rest('/api/v1/devices/display/commands/setVolume', { level: 55 });
    expect(during.status).toBe(200);
    expect((await rest('/api/v1/health')).body.checks).toMatchObject({ mqtt: { ok: false } });
    await broker.start(); // same port; persistence is off, so the broker comes back empty
    const c = await client([`${B}/#`]);
    await c.waitFor((m) => m.topic === `${B}/status` && m.text === 'online', 10_000);
    await c.waitForJson<DeviceJson>(`${B}/display/state`, (s) => s.state.volume === 55, 5000);
    const since = c.mark;
    await c.publish(`${B}/display/volume/set`, '20');
    expect(await c.waitForJson<Result>(`${B}/result`, (r) => r.command === 'setVolume', 5000, since)).toMatchObject({ ok: true });
    expect((await rest('/api/v1/health')).body.checks).toMatchObject({ mqtt: { ok: true } });
  });
});
