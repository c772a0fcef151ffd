import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { TestClient } from './mqtt-test-client.ts';

const ok = requireTool('mosquitto', 'mosquitto');
const root = fileURLToPath(new URL('../..', import.meta.url));
const B = 'roomd/st-pons';

describe.skipIf(!ok)('MQTT status when the daemon goes away (roomd as a child process)', () => {
  let broker: Mosquitto;
  let dir: string;
  let child: ChildProcess | undefined;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'roomd-mqtt-will-'));
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  afterAll(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `node bin/roomd.js --config FILE` and waits for its retained `online`. */
  async function startChild(name: string): Promise<{ proc: ChildProcess; watcher: TestClient; exited: Promise<NodeJS.Signals | number | null> }> {
    const config = join(dir, `${name}.yaml`);
    writeFileSync(config, `
room: { id: st-pons, name: Salle }
http: { port: 0 }
mqtt: { url: "${broker.url}" }
sessions: { database: "${join(dir, `${name}.db`)}" }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
`);
    const watcher = await TestClient.connect(broker.url, [`${B}/status`]);
    clients.push(watcher);
    const proc = spawn(process.execPath, ['bin/roomd.js', '--config', config], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ROOMD_LOG_LEVEL: 'error' } });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code)));
    await watcher.waitFor((m) => m.topic === `${B}/status` && m.text === 'online', 15_000).catch((err: Error) => {
      throw new Error(`${err.message}\nroomd stderr: ${stderr}`);
    });
    return { proc, watcher, exited };
  }

  it('a SIGKILLed daemon leaves a retained "offline" through its last will', async () => {
    const { proc, watcher, exited } = await startChild('killed');
    const since = watcher.mark;
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await watcher.waitFor((m) => m.topic === `${B}/status` && m.text === 'offline', 5000, since);
    // Retained: someone who subscribes later learns it too.
    const late = await TestClient.connect(broker.url, [`${B}/status`]);
    clients.push(late);
    const status = await late.waitFor((m) => m.topic === `${B}/status`);
    expect({ text: status.text, retain: status.retain }).toEqual({ text: 'offline', retain: true });
  });

  it('a daemon stopped with SIGTERM says "offline" itself before disconnecting', async () => {
    const { proc, watcher, exited } = await startChild('stopped');
    const since = watcher.mark;
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await watcher.waitFor((m) => m.topic === `${B}/status` && m.text === 'offline', 5000, since);
  });
});
