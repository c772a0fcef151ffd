import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDaemon } from '../helpers/child-daemon.ts';

const ROOMD = fileURLToPath(new URL('../../bin/roomd.js', import.meta.url));
const DEMO = fileURLToPath(new URL('../../config/demo.yaml', import.meta.url));

function roomd(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ROOMD, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) ?? 1 : 0, stdout, stderr });
    });
  });
}

/** The `roomd` binary itself: --check, and start-up with a bad config (same messages, exit 2, no stack trace). */
describe('roomd command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, `room:
  id: st-pons
  name: Salle
  colour: blue
devices:
  camera:
    driver: visca
    transport: { type: serial, path: /dev/ttyUSB0 }
    options: { address: 9 }
`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--check on the demo config exits 0', async () => {
    const run = await roomd(['--config', DEMO, '--check']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/demo\.yaml: ok \(5 devices\)/);
  });

  it('--check prints every problem as FILE:LINE:COL path: message and exits 2', async () => {
    const run = await roomd(['--config', bad, '--check']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      `${bad}:4:3 room.colour: unknown key (check the spelling; see docs/configuration.md)`,
      `${bad}:9:16 devices.camera.options.address: expected integer to be less or equal to 7`,
    ]);
  });

  it('starting with a bad config gives the same lines and exit 2, never a stack trace', async () => {
    const run = await roomd(['--config', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('devices.camera.options.address');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing file is one clear line', async () => {
    const run = await roomd(['--config', join(dir, 'nope.yaml'), '--check']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nope\.yaml:1:1 \(root\): cannot read config: ENOENT/);
  });

  it('ROOMD_CONFIG names the file when --config is absent', async () => {
    const run = await roomd(['--check'], { ROOMD_CONFIG: bad });
    expect(run.code).toBe(2);
  });

  it('SIGHUP reloads the file: a device added to it comes up, a bad edit changes nothing', async () => {
    const config = join(dir, 'live.yaml');
    const base = `room: { id: live, name: Salle }\nhttp: { port: 0 }\nsessions: { database: ${join(dir, 'live.db')} }\ndevices:\n  display: { driver: samsung-mdc, transport: { type: sim } }\n`;
    writeFileSync(config, base);
    const daemon = await spawnDaemon(config);
    try {
      writeFileSync(config, `${base}  mics: { driver: shure-dcs, transport: { type: sim } }\n`);
      daemon.child.kill('SIGHUP');
      const until = Date.now() + 10_000;
      let devices: Array<{ id: string; online: boolean }> = [];
      while (Date.now() < until) {
        devices = (await fetch(`${daemon.url}/api/v1/devices`).then((r) => r.json())) as typeof devices;
        if (devices.find((d) => d.id === 'mics')?.online) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(devices.map((d) => d.id).sort()).toEqual(['display', 'mics']);
      writeFileSync(config, `${base}  broken: { driver: nosuch }\n`);
      daemon.child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 500));
      const after = (await fetch(`${daemon.url}/api/v1/devices`).then((r) => r.json())) as typeof devices;
      expect(after.map((d) => d.id).sort()).toEqual(['display', 'mics']);
      expect(daemon.output()).toMatch(/SIGHUP: configuration has problems; nothing changed/);
      expect(daemon.child.exitCode).toBeNull();
    } finally {
      expect(await daemon.kill('SIGTERM')).toBe(0);
    }
  });
});
