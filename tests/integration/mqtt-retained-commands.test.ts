import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { TestClient } from './mqtt-test-client.ts';

/**
 * Retained messages on command topics are never executed: a retained `start` would open a phantom
 * meeting at every daemon start, a retained preset would move the camera at every reconnect. Each
 * gets its one result saying why (`RetainedCommand`) and is logged once per topic. And every
 * message on a `set` topic gets exactly one result, even `B//set` and `B/camera//set`.
 */

const ok = requireTool('mosquitto', 'mosquitto');
const B = 'roomd/st-pons';
type Result = { id?: string | number; ok: boolean; device?: string; command?: string; error?: { code: string; message: string } };

describe.skipIf(!ok)('MQTT command topics on a real mosquitto', () => {
  let broker: Mosquitto;
  let daemon: TestDaemon | undefined;
  let results: TestClient;
  let publisher: TestClient;
  const lines: Array<{ msg?: string; topic?: string }> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as { msg?: string });
      done();
    },
  });
  const yaml = (url: string) => `
room: { id: st-pons, name: Salle }
mqtt: { url: "${url}", role: technician }
devices:
  camera: { driver: visca, transport: { type: sim }, options: { address: 1, presets: { "2": "Pupitre" } } }
`;
  const state = async () => (await daemon!.api('GET', '/api/v1/state')).body;
  const retainedWarnings = () => lines.filter((l) => l.msg?.startsWith('retained MQTT message on a command topic'));

  beforeAll(async () => {
    broker = await startMosquitto();
    publisher = await TestClient.connect(broker.url, []);
    results = await TestClient.connect(broker.url, [`${B}/result`]);
    // Left behind by some client before roomd starts: exactly what replayed at every start.
    await publisher.publish(`${B}/meeting/set`, 'start', { retain: true });
    await publisher.publish(`${B}/camera/ptz/set`, '2', { retain: true });
    await publisher.publish(`${B}/camera/set`, JSON.stringify({ command: 'home', id: 'r1' }), { retain: true });
    daemon = await startTestDaemon(yaml(broker.url), { log: pino({ level: 'info' }, sink) });
    await eventually(() => state(), (s) => s.devices.camera.online === true, 15_000);
  }, 30_000);

  afterAll(async () => {
    await publisher?.close();
    await results?.close();
    await daemon?.close();
    await broker?.close();
  });

  it('never executes a retained command found at connect: one RetainedCommand result each, nothing moves', async () => {
    const retained = async (match: (r: Result) => boolean) => results.waitForJson<Result>(`${B}/result`, (r) => r.error?.code === 'RetainedCommand' && match(r), 10_000);
    expect(await retained((r) => r.device === undefined)).toMatchObject({ ok: false, error: { message: expect.stringContaining('never executed') } });
    expect(await retained((r) => r.device === 'camera' && r.id === undefined)).toMatchObject({ ok: false });
    expect(await retained((r) => r.id === 'r1')).toMatchObject({ ok: false, device: 'camera' });
    const s = await state();
    expect(s.meeting).toMatchObject({ active: false });
    expect(s.devices.camera.state.preset).toBeNull();
    expect(results.messages.filter((m) => m.topic === `${B}/result`)).toHaveLength(3);
    expect(retainedWarnings().map((l) => l.topic).sort()).toEqual(['camera/ptz/set', 'camera/set', 'meeting/set']);
  });

  it('refuses a command published retained while roomd listens (MQTT 5 retain-as-published), logging it only once', async () => {
    const since = results.mark;
    await publisher.publish(`${B}/camera/ptz/set`, '2', { retain: true });
    expect(await results.waitForJson<Result>(`${B}/result`, () => true, 10_000, since)).toMatchObject({ ok: false, device: 'camera', error: { code: 'RetainedCommand' } });
    expect((await state()).devices.camera.state.preset).toBeNull();
    expect(retainedWarnings().filter((l) => l.topic === 'camera/ptz/set')).toHaveLength(1);
    // The same command without the flag runs.
    const live = results.mark;
    await publisher.publish(`${B}/camera/ptz/set`, '2');
    expect(await results.waitForJson<Result>(`${B}/result`, () => true, 10_000, live)).toMatchObject({ ok: true, command: 'recallPreset' });
    expect((await state()).devices.camera.state.preset).toBe(2);
  });

  it('still does not run them after a restart of roomd', async () => {
    await daemon!.close();
    const since = results.mark;
    daemon = await startTestDaemon(yaml(broker.url), { log: pino({ level: 'silent' }) });
    await eventually(() => state(), (s) => s.devices.camera.online === true, 15_000);
    const refused = await eventually(
      () => results.messages.slice(since).filter((m) => m.topic === `${B}/result`).map((m) => JSON.parse(m.text) as Result),
      (r) => r.length >= 3,
      10_000,
    );
    expect(refused.map((r) => r.error?.code)).toEqual(['RetainedCommand', 'RetainedCommand', 'RetainedCommand']);
    expect((await state()).meeting).toMatchObject({ active: false });
  }, 30_000);

  it('answers B//set and B/camera//set with exactly one BadRequest result each', async () => {
    const since = results.mark;
    await publisher.publish(`${B}//set`, '{"command":"home"}');
    await publisher.publish(`${B}/camera//set`, 'HOME');
    const answers = await eventually(
      () => results.messages.slice(since).filter((m) => m.topic === `${B}/result`).map((m) => JSON.parse(m.text) as Result),
      (r) => r.length >= 2,
      10_000,
    );
    expect(answers).toEqual([
      { ok: false, error: { code: 'BadRequest', message: `empty device id in topic ${B}//set` } },
      { ok: false, device: 'camera', error: { code: 'BadRequest', message: `empty capability in topic ${B}/camera//set` } },
    ]);
    // Exactly one each: nothing else arrives.
    await publisher.publish(`${B}/camera/ptz/set`, 'HOME');
    await results.waitForJson<Result>(`${B}/result`, (r) => r.command === 'home', 10_000, since);
    expect(results.messages.slice(since).filter((m) => m.topic === `${B}/result`)).toHaveLength(3);
  });
});
