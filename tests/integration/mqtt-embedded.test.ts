import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/api/mqtt/embedded-broker.ts';
import { freePort } from '../helpers/mosquitto.ts';
import { TestClient } from './mqtt-test-client.ts';

const B = 'roomd/st-pons';

describe('MQTT with the embedded broker (aedes, MQTT 3.1.1)', () => {
  let daemon: Daemon | undefined;
  let broker: EmbeddedBroker | undefined;
  let dir: string | undefined;
  const clients: TestClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await daemon?.stop();
    await broker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    daemon = broker = dir = undefined;
  });

  async function start(mqttYaml: string, log = pino({ level: 'silent' })): Promise<Daemon> {
    dir = mkdtempSync(join(tmpdir(), 'roomd-mqtt-embedded-'));
    const yaml = `
room: { id: st-pons, name: Salle }
mqtt: ${mqttYaml}
sessions: { database: "${join(dir, 's.db')}" }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
`;
    daemon = await startDaemon(await parseConfig(yaml, 'test.yaml'), { port: 0, log });
    return daemon;
  }

  it('serves the room on its own broker, with the configured credentials required', async () => {
    const port = await freePort();
    await start(`{ embedded: { host: 127.0.0.1, port: ${port} }, username: roomd, password: pw, role: technician }`);
    const url = `mqtt://127.0.0.1:${port}`;
    await expect(TestClient.connect(url, [], { protocolVersion: 4 })).rejects.toThrow(/bad username or password|not authorized/i);
    const c = await TestClient.connect(url, [`${B}/#`, 'homeassistant/#'], { protocolVersion: 4, username: 'roomd', password: 'pw' });
    clients.push(c);
    await c.waitFor((m) => m.topic === `${B}/status` && m.text === 'online' && m.retain, 5000);
    await c.waitForJson<{ online: boolean }>(`${B}/display/state`, (s) => s.online, 8000);
    await c.waitFor((m) => m.topic === 'homeassistant/switch/roomd_st-pons/display_power/config' && m.retain);
    const since = c.mark;
    await c.publish(`${B}/display/power/set`, 'ON');
    expect(await c.waitForJson(`${B}/result`, () => true, 5000, since)).toMatchObject({ ok: true, command: 'powerOn' });
    await c.waitForJson<{ state: { power: string } }>(`${B}/display/state`, (s) => s.state.power === 'on', 5000, since);
  });

  it('falls back from MQTT 5 to 3.1.1 when a broker at mqtt.url refuses 5', async () => {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 }, silentLogger);
    const lines: string[] = [];
    const d = await start(`{ url: "${broker.url}" }`, pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }));
    const c = await TestClient.connect(broker.url, [`${B}/status`], { protocolVersion: 4 });
    clients.push(c);
    await c.waitFor((m) => m.topic === `${B}/status` && m.text === 'online', 8000);
    expect((await (await fetch(`${d.url}/api/v1/health`)).json()).checks).toMatchObject({ mqtt: { ok: true } });
    expect(lines.some((l) => l.includes('falling back to MQTT 3.1.1'))).toBe(true);
    expect(lines.some((l) => l.includes('MQTT connected') && l.includes('"protocolVersion":4'))).toBe(true);
  });
});
