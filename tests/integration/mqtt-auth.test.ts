import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { makeTestCertificates, startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { TestClient } from './mqtt-test-client.ts';

const ok = requireTool('mosquitto', 'mosquitto') && requireTool('mosquitto_passwd', 'mosquitto');
const okTls = ok && requireTool('openssl', 'openssl');
const B = 'roomd/st-pons';

// The bridge may write its own tree and discovery; Home Assistant may read them and set the volume only.
const ACL = `user roomd
topic readwrite roomd/#
topic readwrite homeassistant/#

user ha
topic read roomd/#
topic read homeassistant/#
topic write roomd/st-pons/display/volume/set
`;

describe.skipIf(!ok)('MQTT bridge with a password file and an ACL (mosquitto)', () => {
  let broker: Mosquitto;
  let daemon: Daemon;
  let dir: string;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-mqtt-auth-'));
    broker = await startMosquitto({ users: { roomd: 's3cret-roomd', ha: 'ha-pass' }, acl: ACL });
    const passwordFile = join(dir, 'mqtt.password');
    writeFileSync(passwordFile, 's3cret-roomd\n', { mode: 0o600 });
    const yaml = `
room: { id: st-pons, name: Salle }
mqtt: { url: "${broker.url}", username: roomd, passwordFile: "${passwordFile}" }
sessions: { database: "${join(dir, 's.db')}" }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
`;
    daemon = await startDaemon(await parseConfig(yaml, 'test.yaml'), { port: 0, log: pino({ level: 'silent' }) });
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await daemon?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the password read from passwordFile and publishes under the ACL', async () => {
    const ha = await TestClient.connect(broker.url, [`${B}/#`, 'homeassistant/#'], { username: 'ha', password: 'ha-pass' });
    clients.push(ha);
    await ha.waitFor((m) => m.topic === `${B}/status` && m.text === 'online', 8000);
    await ha.waitForJson<{ online: boolean }>(`${B}/display/state`, (s) => s.online, 8000);
    await ha.waitFor((m) => m.topic.startsWith('homeassistant/number/roomd_st-pons/display_volume'));
  });

  it('lets an allowed client set the volume and refuses (at the broker) what the ACL forbids', async () => {
    const ha = clients[0]!;
    let since = ha.mark;
    await ha.publish(`${B}/display/volume/set`, '61');
    expect(await ha.waitForJson<{ ok: boolean; command: string }>(`${B}/result`, () => true, 5000, since)).toMatchObject({ ok: true, command: 'setVolume' });

    since = ha.mark;
    // MQTT 5: mosquitto answers the QoS 1 publish with PUBACK "not authorized"; the bridge never sees it.
    const denied = await ha.publish(`${B}/display/power/set`, 'ON').then(() => 'delivered', (err: Error) => err.message);
    expect(denied).toMatch(/not authorized/i);
    await new Promise((r) => setTimeout(r, 400));
    expect(ha.messages.slice(since).filter((m) => m.topic === `${B}/result`)).toEqual([]);
    expect(daemon.room.device('display').state.power).not.toBe('on');
  });

  it('refuses a client with a wrong password', async () => {
    await expect(TestClient.connect(broker.url, [], { username: 'ha', password: 'nope' })).rejects.toThrow(/not authori[sz]ed|bad user name or password/i);
  });
});

describe.skipIf(!okTls)('MQTT bridge over TLS (mosquitto, mqtts://)', () => {
  let broker: Mosquitto;
  let dir: string;
  const daemons: Daemon[] = [];
  const clients: TestClient[] = [];
  let certs: { cafile: string; certfile: string; keyfile: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-mqtt-tls-'));
    certs = makeTestCertificates(dir);
    broker = await startMosquitto({ tls: certs });
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const d of daemons) await d.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(name: string, tls: string): Promise<Daemon> {
    const yaml = `
room: { id: st-pons, name: Salle }
mqtt: { url: "${broker.url}", tls: ${tls} }
sessions: { database: "${join(dir, `${name}.db`)}" }
devices: {}
`;
    const d = await startDaemon(await parseConfig(yaml, 'test.yaml'), { port: 0, log: pino({ level: 'silent' }) });
    daemons.push(d);
    return d;
  }

  it('verifies the broker with the configured CA file and connects', async () => {
    await start('good', `{ ca: "${certs.cafile}" }`);
    const c = await TestClient.connect(broker.url, [`${B}/status`], { ca: readFileSync(certs.cafile) });
    clients.push(c);
    await c.waitFor((m) => m.topic === `${B}/status` && m.text === 'online', 8000);
  });

  it('refuses a broker it cannot verify, and says why in /api/v1/health', async () => {
    const d = await start('untrusted', '{ rejectUnauthorized: true }');
    let checks: { mqtt?: { ok: boolean; detail?: string } } = {};
    for (let i = 0; i < 40 && !checks.mqtt?.detail?.match(/certificate/i); i++) {
      await new Promise((r) => setTimeout(r, 100));
      checks = ((await (await fetch(`${d.url}/api/v1/health`)).json()) as { checks: typeof checks }).checks;
    }
    expect(checks.mqtt?.ok).toBe(false);
    expect(checks.mqtt?.detail).toMatch(/certificate/i);
  });
});
