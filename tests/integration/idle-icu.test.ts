import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViscaSerialSimulator } from '../../drivers/visca/simulator.ts';
import { spawnDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { TestClient } from './mqtt-test-client.ts';

const ok = requireTool('mosquitto', 'mosquitto');

/**
 * The first Intl object a process builds pages in ICU's locale data (~8 MiB resident for good):
 * an idle room whose PC runs in the room's zone must build none — not at start, not for the
 * monthly figures it publishes over MQTT, not when a meeting is logged. Observed from outside: a
 * preload given to node records every Intl constructor and locale method called in the daemon.
 */
describe.skipIf(!ok)('an idle room builds no Intl object', () => {
  let dir: string;
  let sim: ViscaSerialSimulator;
  let broker: Mosquitto;
  let daemon: ChildDaemon;
  let client: TestClient;
  let trapFile: string;
  let trap: string;
  const calls = () => readFileSync(trapFile, 'utf8').split('\n').filter(Boolean);

  beforeAll(async () => {
    if (!existsSync('/usr/share/zoneinfo/Europe/Paris')) throw new Error('/usr/share/zoneinfo/Europe/Paris not found: install the Debian package tzdata');
    dir = mkdtempSync(join(tmpdir(), 'roomd-icu-'));
    trapFile = join(dir, 'intl.txt');
    writeFileSync(trapFile, '');
    trap = join(dir, 'trap.mjs');
    writeFileSync(
      trap,
      `import { appendFileSync } from 'node:fs';
const note = (what) => appendFileSync(process.env.INTL_TRAP_FILE, what + '\\n');
for (const name of Object.getOwnPropertyNames(Intl)) {
  const Original = Intl[name];
  if (typeof Original !== 'function') continue;
  const Trapped = function (...args) { note('Intl.' + name); return new Original(...args); };
  Object.setPrototypeOf(Trapped, Original);
  Trapped.prototype = Original.prototype;
  Intl[name] = Trapped;
}
for (const [owner, method] of [[String.prototype, 'localeCompare'], [String.prototype, 'toLocaleLowerCase'], [String.prototype, 'toLocaleUpperCase'], [Number.prototype, 'toLocaleString'], [Date.prototype, 'toLocaleString'], [Date.prototype, 'toLocaleDateString'], [Date.prototype, 'toLocaleTimeString']]) {
  const original = owner[method];
  owner[method] = function (...args) { note(method); return original.apply(this, args); };
}
`,
    );
    sim = await ViscaSerialSimulator.start({ link: 'tcp' });
    broker = await startMosquitto();
    const t = sim.transport as { host: string; port: number };
    const file = join(dir, 'room.yaml');
    writeFileSync(
      file,
      `
room: { id: icu, name: ICU }
http: { host: 127.0.0.1, port: 0 }
mqtt: { url: "${broker.url}", clientId: roomd-icu }
sessions: { database: "${join(dir, 's.db')}" }
devices:
  camera: { driver: visca, transport: { type: tcp, host: ${t.host}, port: ${t.port} } }
`,
    );
    client = await TestClient.connect(broker.url, ['roomd/icu/report/month']);
    // The room's PC runs in the room's zone (TZ names it; /usr/share/zoneinfo comes with tzdata).
    daemon = await spawnDaemon(file, { TZ: 'Europe/Paris', INTL_TRAP_FILE: trapFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(trap).href}`.trim() });
  });

  afterAll(async () => {
    await client?.close();
    await daemon?.kill();
    await broker?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the trap sees what it guards', () => {
    const sanity = join(dir, 'sanity.txt');
    execFileSync(process.execPath, ['--import', pathToFileURL(trap).href, '-e', "new Intl.Collator('fr'); (1).toLocaleString('fr')"], { env: { ...process.env, INTL_TRAP_FILE: sanity } });
    expect(readFileSync(sanity, 'utf8').split('\n').filter(Boolean)).toEqual(['Intl.Collator', 'toLocaleString']);
  });

  it('through start, the monthly figures on connect, and a meeting logged and reported', async () => {
    await client.waitFor((m) => m.topic === 'roomd/icu/report/month', 10_000);
    const post = (path: string, body: object) => fetch(`${daemon.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/api/v1/meeting/start', { organisation: 'Mairie' })).status).toBe(200);
    expect((await post('/api/v1/meeting/end', {})).status).toBe(200);
    const report = await client.waitFor((m) => m.topic === 'roomd/icu/report/month' && (JSON.parse(m.text) as { sessions: number }).sessions === 1, 10_000);
    expect(JSON.parse(report.text)).toMatchObject({ sessions: 1 });
    const sessions = (await (await fetch(`${daemon.url}/api/v1/sessions`)).json()) as { sessions: Array<{ organisation: string }> };
    expect(sessions.sessions.map((s) => s.organisation)).toEqual(['Mairie']);
    expect(calls()).toEqual([]);
  });
});
