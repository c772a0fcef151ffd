import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { roomDiscovery } from '../../src/api/mqtt/discovery.ts';
import { Topics } from '../../src/api/mqtt/topics.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { schemaProblems } from '../unit/mqtt-ha-schema.ts';
import { TestClient } from './mqtt-test-client.ts';

const ok = requireTool('mosquitto', 'mosquitto');
const B = 'roomd/st-pons';
const RO = 'roomd/st-pons-ro';

type Microphones = { muted: boolean | null; devices: Record<string, boolean | null>; disagree: string[] };
type Result = {
  id?: string;
  ok: boolean;
  command?: string;
  error?: { code: string; message: string };
  microphones?: Microphones;
  results?: Array<{ device: string; command: string; status: string }>;
};
type MeetingJson = { active: boolean; microphones: Microphones };

/** The room-wide microphone mute over MQTT: a Shure array and a baresip codec (both simulators), a real mosquitto. */
describe.skipIf(!ok)('MQTT room-wide microphone mute against a real mosquitto', () => {
  let broker: Mosquitto;
  let dir: string;
  const daemons: Daemon[] = [];
  const clients: TestClient[] = [];
  const client = async (topics: string[]) => {
    const c = await TestClient.connect(broker.url, topics);
    clients.push(c);
    return c;
  };
  const device = async (daemon: Daemon, id: string) => {
    const res = await fetch(`${daemon.url}/api/v1/devices/${id}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { state: Record<string, unknown> }).state;
  };
  const start = async (roomId: string, role: string, devices: string) => {
    const yaml = `
room: { id: ${roomId}, name: "Salle St-Pons" }
mqtt: { url: "${broker.url}", role: ${role} }
sessions: { database: "${join(dir, `${roomId}.db`)}" }
devices:
${devices}
`;
    const d = await startDaemon(await parseConfig(yaml, 'test.yaml'), { port: 0, log: pino({ level: 'silent' }) });
    daemons.push(d);
    return d;
  };
  let daemon: Daemon;
  let readonly: Daemon;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-mqtt-mics-'));
    broker = await startMosquitto();
    daemon = await start('st-pons', 'panel', `
  mics: { driver: shure-dcs, transport: { type: sim } }
  codec: { driver: baresip, transport: { type: sim } }`);
    readonly = await start('st-pons-ro', 'readonly', `
  mics: { driver: shure-dcs, transport: { type: sim } }`);
    const probe = await client([`${B}/+/availability`, `${RO}/+/availability`]);
    for (const topic of [`${B}/mics`, `${B}/codec`, `${RO}/mics`]) await probe.waitFor((m) => m.topic === `${topic}/availability` && m.text === 'online', 8000);
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const d of daemons) await d.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mutes both microphone devices from a plain ON, answers on B/result and the response topic, and retains the room state', async () => {
    expect(await device(daemon, 'mics')).toMatchObject({ micMuted: false });
    const c = await client([`${B}/result`, `${B}/meeting/state`, 'test/mics/#']);
    const since = c.mark;
    await c.publish(`${B}/meeting/microphones/set`, 'ON', { properties: { responseTopic: 'test/mics/reply', correlationData: Buffer.from('mics-1') } });
    const result = await c.waitForJson<Result>(`${B}/result`, (r) => r.command === 'meeting.microphones', 8000, since);
    expect(result).toMatchObject({ ok: true, command: 'meeting.microphones' });
    expect(result.results!.map((r) => [r.device, r.command, r.status]).sort()).toEqual([
      ['codec', 'muteMicrophones', 'ok'],
      ['mics', 'muteMicrophones', 'ok'],
    ]);
    const reply = await c.waitFor((m) => m.topic === 'test/mics/reply', 5000, since);
    expect(JSON.parse(reply.text)).toEqual(result);
    expect(reply.correlationData?.toString()).toBe('mics-1');

    // The devices say so (the Shure state is read back from the simulator over its protocol).
    expect(await device(daemon, 'mics')).toMatchObject({ micMuted: true });
    expect(await device(daemon, 'codec')).toMatchObject({ micMuted: true });

    // The room's state follows; then a fresh subscriber gets it retained, as its very first message.
    await c.waitForJson<MeetingJson>(`${B}/meeting/state`, (s) => s.microphones.muted === true, 5000, since);
    const fresh = await client([`${B}/meeting/state`]);
    const first = await fresh.waitFor(() => true, 5000);
    expect(first.retain).toBe(true);
    expect((JSON.parse(first.text) as MeetingJson).microphones).toEqual({ muted: true, devices: { mics: true, codec: true }, disagree: [] });
  });

  it('unmutes from JSON with an id, and answers bad payloads with ok:false and a precise error, changing nothing', async () => {
    const c = await client([`${B}/result`, `${B}/meeting/state`]);
    let since = c.mark;
    await c.publish(`${B}/meeting/microphones/set`, JSON.stringify({ muted: false, id: 'u1' }));
    expect(await c.waitForJson<Result>(`${B}/result`, (r) => r.id === 'u1', 8000, since)).toMatchObject({ ok: true, command: 'meeting.microphones' });
    await c.waitForJson<MeetingJson>(`${B}/meeting/state`, (s) => s.microphones.muted === false, 5000, since);
    expect(await device(daemon, 'mics')).toMatchObject({ micMuted: false });
    expect(await device(daemon, 'codec')).toMatchObject({ micMuted: false });

    const cases: Array<[string, string, string]> = [
      ['MAYBE', 'BadRequest', 'meeting/microphones/set: expected ON, OFF or { "muted": true|false }, got "MAYBE"'],
      ['{"muted":"yes","id":"b1"}', 'BadArgs', 'muted: expected true or false, got "yes"'],
      ['{"muted":true,"device":"mics"}', 'BadRequest', "unknown key 'device' (expected muted, id)"],
      ['{"muted":', 'BadRequest', 'meeting/microphones/set: payload is not JSON'],
    ];
    for (const [payload, code, message] of cases) {
      since = c.mark;
      await c.publish(`${B}/meeting/microphones/set`, payload);
      const r = await c.waitForJson<Result>(`${B}/result`, () => true, 5000, since);
      expect({ payload, ok: r.ok, command: r.command, code: r.error?.code }).toEqual({ payload, ok: false, command: 'meeting.microphones', code });
      expect(r.error!.message.startsWith(message), r.error!.message).toBe(true);
    }
    expect(c.messages.find((m) => m.topic === `${B}/result` && m.text.includes('"b1"'))).toBeDefined();
    expect(await device(daemon, 'mics')).toMatchObject({ micMuted: false });
  });

  it('announces the room\'s "Microphones muted" switch, valid against HA\'s switch schema', async () => {
    const c = await client(['homeassistant/+/roomd_st-pons/+/config']);
    const m = await c.waitFor((m) => m.topic === 'homeassistant/switch/roomd_st-pons/microphones/config' && m.text !== '', 5000);
    const config = JSON.parse(m.text) as Record<string, unknown>;
    expect(m.retain).toBe(true);
    expect(schemaProblems(m.topic, config)).toEqual([]);
    const expected = roomDiscovery(
      { prefix: 'homeassistant', topics: new Topics('roomd', 'st-pons'), room: { id: 'st-pons', name: 'Salle St-Pons' }, sessions: true },
      daemon.room.devices(),
    ).find((e) => e.topic === m.topic)!;
    expect(config).toEqual(expected.config);
    expect(config).toMatchObject({ state_topic: `${B}/meeting/state`, command_topic: `${B}/meeting/microphones/set`, payload_on: 'ON', payload_off: 'OFF' });
  });

  it('refuses a readonly bridge with Forbidden and offers it only a read-only sensor', async () => {
    const c = await client([`${RO}/result`, 'homeassistant/+/roomd_st-pons-ro/+/config']);
    const since = c.mark;
    await c.publish(`${RO}/meeting/microphones/set`, JSON.stringify({ muted: true, id: 'ro-1' }));
    const r = await c.waitForJson<Result>(`${RO}/result`, (r) => r.id === 'ro-1', 5000, since);
    expect(r).toEqual({ id: 'ro-1', ok: false, command: 'meeting.microphones', error: { code: 'Forbidden', message: "the readonly role may not mute or unmute the room's microphones (set mqtt.role)" } });
    await c.publish(`${RO}/meeting/microphones/set`, 'ON');
    expect(await c.waitForJson<Result>(`${RO}/result`, (r) => r.id === undefined, 5000, since)).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await device(readonly, 'mics')).toMatchObject({ micMuted: false });

    await c.waitFor((m) => m.topic === 'homeassistant/sensor/roomd_st-pons-ro/microphones/config' && m.text !== '', 5000);
    expect(c.messages.some((m) => m.topic === 'homeassistant/switch/roomd_st-pons-ro/microphones/config')).toBe(false);
  });

  it('withdraws the room\'s switch (empty retained config) once no micMute device is left', async () => {
    const topic = 'homeassistant/switch/roomd_st-pons/microphones/config';
    const c = await client([topic]);
    await c.waitFor((m) => m.topic === topic && m.text !== '', 5000);
    let since = c.mark;
    await daemon.room.removeDevice('codec');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(c.messages.slice(since).filter((m) => m.topic === topic && m.text === '')).toEqual([]);
    since = c.mark;
    await daemon.room.removeDevice('mics');
    await c.waitFor((m) => m.topic === topic && m.text === '', 5000, since);
    // Nothing retained is left: a new subscriber gets no config (a late copy of the withdrawal, live
    // and empty, may still pass by).
    const fresh = await client([topic]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fresh.messages.filter((m) => m.retain || m.text !== '')).toEqual([]);
  });
});
