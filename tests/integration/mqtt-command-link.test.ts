import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { TestClient } from './mqtt-test-client.ts';

const ok = requireTool('mosquitto', 'mosquitto');
const B = 'roomd/link';

/** `Received X from <client>` lines of mosquitto's debug log: the packets a client wrote. */
function packetsFrom(log: string, client: string): string[] {
  const escaped = client.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...log.matchAll(new RegExp(`Received (\\w+) from ${escaped}(?:\\s|$)`, 'g'))].map((m) => m[1]!);
}

/**
 * The broker's Nagle (Mosquitto's default) delays a command while its previous segment to roomd
 * is unacknowledged, and Linux delays ACKs on a socket that writes right after it reads. So the
 * connection roomd hears commands on must never write anything back but its subscription and
 * keep-alives: results, state and PUBACKs go on the other one. Observed through the broker's own
 * log of who sent which packet.
 */
describe.skipIf(!ok)('MQTT command link', () => {
  let broker: Mosquitto;
  let daemon: Daemon;
  let dir: string;
  let client: TestClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-mqtt-link-'));
    broker = await startMosquitto({ logTypes: ['debug'] });
    const yaml = `
room: { id: link, name: "Link" }
mqtt: { url: "${broker.url}", clientId: roomd-link }
sessions: { database: "${join(dir, 's.db')}" }
devices:
  camera: { driver: visca, transport: { type: sim }, options: { presets: { "1": "Salle", "2": "Pupitre" } } }
`;
    daemon = await startDaemon(await parseConfig(yaml, 'test.yaml'), { port: 0, log: pino({ level: 'silent' }) });
    client = await TestClient.connect(broker.url, [`${B}/result`, `${B}/status`, `${B}/camera/availability`]);
    await client.waitFor((m) => m.topic === `${B}/camera/availability` && m.text === 'online', 8000);
    await client.waitFor((m) => m.topic === `${B}/status` && m.text === 'online', 8000);
  });

  afterAll(async () => {
    await client?.close();
    await daemon?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hears commands (even QoS 1 ones) on a connection that writes back nothing but its subscription', async () => {
    // The bridge's subscription may trail its status: retry the first command until it is answered.
    const results = () => client.messages.filter((m) => m.topic === `${B}/result`).map((m) => JSON.parse(m.text) as { id?: string; ok: boolean });
    for (let attempt = 0; !results().some((r) => r.id === 'first'); attempt++) {
      expect(attempt).toBeLessThan(50);
      await client.publish(`${B}/camera/set`, JSON.stringify({ id: 'first', command: 'recallPreset', args: { preset: 1 } }), { qos: 1 });
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 5; i++) {
      await client.publish(`${B}/camera/set`, JSON.stringify({ id: `c${i}`, command: 'recallPreset', args: { preset: 1 + (i % 2) } }), { qos: 1 });
    }
    await client.waitFor((m) => m.topic === `${B}/result` && (JSON.parse(m.text) as { id?: string }).id === 'c4', 8000);
    expect(results().filter((r) => r.id?.startsWith('c')).every((r) => r.ok)).toBe(true);

    const log = broker.output();
    // Who the broker delivered the commands to, and who published the results.
    const commandClients = new Set([...log.matchAll(/Sending PUBLISH to (\S+) \([^)]*'roomd\/link\/camera\/set'/g)].map((m) => m[1]!));
    const resultClients = new Set([...log.matchAll(/Received PUBLISH from (\S+) \([^)]*'roomd\/link\/result'/g)].map((m) => m[1]!));
    expect([...commandClients]).toEqual(['roomd-link-cmd']);
    expect([...resultClients]).toEqual(['roomd-link']);
    // Its subscription, then nothing (keep-alive pings aside): no PUBLISH, no PUBACK.
    expect(packetsFrom(log, 'roomd-link-cmd').filter((type) => type !== 'PINGREQ')).toEqual(['SUBSCRIBE']);
    // Delivered at QoS 0: no PUBACK owed, whatever QoS the sender used.
    expect(log).toMatch(/Sending PUBLISH to roomd-link-cmd \(d0, q0,/);
    expect(log).not.toMatch(/Sending PUBLISH to roomd-link-cmd \(d\d, q[12],/);
  });

  it('says offline (retained) while only the command link is down, and online once it is back', async () => {
    const since = client.mark;
    // Another client taking the command link's id makes the broker drop roomd's link (session takeover).
    const impostor = await TestClient.connect(broker.url, [], { clientId: 'roomd-link-cmd' });
    try {
      await client.waitFor((m) => m.topic === `${B}/status` && m.text === 'offline', 8000, since);
      const offlineAt = client.messages.findIndex((m, i) => i >= since && m.topic === `${B}/status` && m.text === 'offline');
      // roomd reconnects with backoff and takes its id back.
      await client.waitFor((m) => m.topic === `${B}/status` && m.text === 'online', 15_000, offlineAt + 1);
    } finally {
      await impostor.close();
    }
  });
});
