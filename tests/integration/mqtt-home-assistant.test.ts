import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaresipSimulator, type BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { schemaProblems } from '../unit/mqtt-ha-schema.ts';
import { HomeAssistantEmulator, type HaEntity } from './ha-emulator.ts';
import { TestClient } from './mqtt-test-client.ts';

/**
 * Home Assistant's side of discovery, over a real mosquitto (default settings): for every config
 * roomd publishes, render its templates against the state roomd publishes, send what HA would send
 * on its command topic, and check that the room changed and that the rendered state followed. No
 * entity may be offered whose command roomd refuses.
 */

const ok = requireTool('mosquitto', 'mosquitto');
const B = 'roomd/st-pons';
const NODE = 'roomd_st-pons';
type Result = { ok: boolean; device?: string; command?: string; error?: { code: string; message: string } };

// `panel` is the default role (no power control); `technician` gets everything.
describe.skipIf(!ok).each(['technician', 'panel'] as const)('Home Assistant over a real mosquitto, mqtt.role %s: every entity works', (role) => {
  let broker: Mosquitto;
  let codecSim: BaresipSimulator;
  let daemon: TestDaemon;
  let ha: HomeAssistantEmulator;
  let results: TestClient;
  const exercised = new Set<string>();

  /** Sends what HA sends, and returns roomd's one answer to it. */
  const call = async (entity: HaEntity, action: string | number): Promise<Result> => {
    const since = results.mark;
    await ha.command(entity, action);
    exercised.add(entity.topic);
    const result = await results.waitForJson<Result>(`${B}/result`, () => true, 10_000, since);
    expect(result, `${entity.objectId} ${action}: ${JSON.stringify(result.error)}`).toMatchObject({ ok: true });
    return result;
  };
  const shows = (entity: HaEntity, expected: string, timeoutMs = 8000) => eventually(() => ha.state(entity), (s) => s === expected, timeoutMs);
  const device = async (id: string) => (await daemon.api('GET', `/api/v1/devices/${id}`)).body;

  beforeAll(async () => {
    broker = await startMosquitto();
    codecSim = await startBaresipSimulator({ answerMs: 100 });
    const t = codecSim.transport as { host: string; port: number };
    daemon = await startTestDaemon(`
room: { id: st-pons, name: "Maison du Tourisme — salle de visioconférence", locale: fr, organisations: [PNR, Mairie] }
mqtt: { url: "${broker.url}", role: ${role} }
sessions:
  database: $DIR/sessions.db
  sites: { montpellier: { name: Montpellier, roundTripKm: 220 } }
directory:
  - { name: "PNR — siège", number: "sip:siege@pnr.example" }
devices:
  tv: { name: "Écran", driver: cec, transport: { type: sim }, options: { inputs: { codec: "1.0.0.0", pc: "2.0.0.0" } } }
  display: { name: "Moniteur", driver: samsung-mdc, transport: { type: sim }, options: { inputs: { salle: hdmi1, pc: hdmi2 } } }
  camera: { name: "Caméra", driver: visca, transport: { type: sim }, options: { address: 1, presets: { "1": "Salle entière", "2": "Pupitre" } } }
  codec: { name: "Visioconférence", driver: baresip, transport: { type: tcp, host: "${t.host}", port: ${t.port} } }
  mics: { name: "Micros", driver: shure-dcs, transport: { type: sim } }
`);
    for (const id of ['tv', 'display', 'camera', 'codec', 'mics']) await eventually(() => device(id), (d) => d.online === true, 15_000);
    ha = await HomeAssistantEmulator.connect(broker.url, 'homeassistant', NODE, `${B}/#`);
    results = await TestClient.connect(broker.url, [`${B}/result`]);
    await eventually(() => ha.entities().map((e) => e.objectId), (ids) => ['tv_input', 'codec_dial', 'camera_preset_2', 'km_last', 'microphones'].every((id) => ids.includes(id)), 10_000);
  }, 60_000);

  afterAll(async () => {
    await ha?.close();
    await results?.close();
    await daemon?.close();
    await codecSim?.close();
    await broker?.close();
  });

  it('holds only valid configs whose templates all render against the published state', () => {
    const entities = ha.entities();
    expect(entities.length).toBeGreaterThan(30);
    for (const e of entities) {
      expect(schemaProblems(e.topic, e.config), e.topic).toEqual([]);
      expect(() => ha.state(e), e.topic).not.toThrow();
      if (e.config.json_attributes_template) expect(ha.attributes(e)).toMatchObject({ status: 'idle' });
    }
    // The CEC display has volume keys, no slider: its driver declares no setVolume.
    expect(entities.filter((e) => e.objectId.startsWith('tv_')).map((e) => `${e.component} ${e.objectId}`)).toEqual([
      'button tv_volume_down', 'button tv_volume_up',
      // selectInput and power are technician-only (as over REST): the panel role gets read-only sensors.
      ...(role === 'technician' ? ['select tv_input'] : ['sensor tv_input', 'sensor tv_power']),
      'sensor tv_volume', 'switch tv_mute', ...(role === 'technician' ? ['switch tv_power'] : []),
    ]);
  });

  it('switches: payload_on/payload_off change the room, and the rendered state follows', async () => {
    for (const e of ha.entities().filter((x) => x.component === 'switch')) {
      for (const action of ['on', 'off'] as const) {
        await call(e, action);
        await shows(e, action);
      }
    }
    if (role === 'technician') expect((await device('tv')).state.power).toMatch(/off|cooling/);
  }, 120_000);

  it('numbers and the input selects: a value and an option reach the device and come back rendered', async () => {
    for (const e of ha.entities().filter((x) => x.component === 'number')) {
      await call(e, 37);
      await shows(e, '37');
    }
    expect((await device('display')).state.volume).toBe(37);
    for (const e of ha.entities().filter((x) => x.component === 'select' && x.objectId.endsWith('_input'))) {
      for (const option of [...(e.config.options as string[])].reverse()) {
        await call(e, option);
        await shows(e, option);
      }
    }
    // The options were walked in reverse: the first one is where the display ends up.
    if (role === 'technician') expect((await device('display')).state.input).toBe('salle');
  }, 60_000);

  it('buttons: presets, home and volume keys are accepted and move the device', async () => {
    // A camera in standby refuses to move (VISCA "not executable"): switch it on first, as a user would.
    if (role === 'technician') {
      const power = ha.entity('switch', 'camera_power');
      await call(power, 'on');
      await shows(power, 'on');
    }
    for (const e of ha.entities().filter((x) => x.component === 'button' && /^(camera_|tv_volume)/.test(x.objectId))) {
      await call(e, 'press');
      const preset = /_preset_(\d+)$/.exec(e.objectId)?.[1];
      if (preset) await eventually(() => device('camera'), (d) => d.state.preset === Number(preset));
    }
  }, 60_000);

  it('calls: dial from the directory select, answer, reject and hang up, with the call sensor following', async () => {
    const status = ha.entity('sensor', 'codec_call');
    const dial = ha.entity('select', 'codec_dial');
    const hangup = ha.entity('button', 'codec_hangup');
    await call(dial, 'PNR — siège');
    await shows(dial, 'PNR — siège');
    await shows(status, 'connected');
    expect(ha.attributes(status)).toMatchObject({ status: 'connected', remote: 'sip:siege@pnr.example' });
    await call(hangup, 'press');
    await shows(status, 'idle');
    await shows(dial, 'unknown');
    codecSim.incoming('sip:caller@127.0.0.1');
    await shows(status, 'incoming');
    await call(ha.entity('button', 'codec_answer'), 'press');
    await shows(status, 'connected');
    await call(hangup, 'press');
    await shows(status, 'idle');
    codecSim.incoming('sip:spam@127.0.0.1');
    await shows(status, 'incoming');
    await call(ha.entity('button', 'codec_reject'), 'press');
    await shows(status, 'idle');
  }, 60_000);

  it('the meeting: start/end buttons, organisation, and the last meeting\'s km and CO₂', async () => {
    const meeting = ha.entity('switch', 'meeting');
    const organisation = ha.entity('sensor', 'meeting_organisation');
    const km = ha.entity('sensor', 'km_last');
    const co2 = ha.entity('sensor', 'co2_last');
    const count = ha.entity('sensor', 'meetings_month');
    const before = Number(ha.state(count));
    await call(ha.entity('button', 'meeting_start'), 'press');
    await shows(meeting, 'on');
    await call(ha.entity('button', 'meeting_end'), 'press');
    await shows(meeting, 'off');
    // A meeting started elsewhere (the panel's form), with who and the travel it saved.
    const other = await TestClient.connect(broker.url, []);
    await other.publish(`${B}/meeting/set`, JSON.stringify({ action: 'start', organisation: 'PNR', avoidedTravel: [{ site: 'montpellier', people: 2 }] }));
    await other.close();
    await shows(organisation, 'PNR');
    await call(ha.entity('button', 'meeting_end'), 'press');
    await shows(organisation, 'unknown');
    await eventually(() => Number(ha.state(km)), (v) => v > 0);
    expect(Number(ha.state(co2))).toBeGreaterThan(0);
    await eventually(() => Number(ha.state(count)), (v) => v >= before + 2);
  }, 60_000);

  it('exercised the command topic of every entity that has one, and roomd accepted each', () => {
    const commandable = ha.entities().filter((e) => typeof e.config.command_topic === 'string').map((e) => e.topic);
    expect(commandable.filter((topic) => !exercised.has(topic))).toEqual([]);
  });
});
