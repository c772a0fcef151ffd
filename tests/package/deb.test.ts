import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ViscaSerialSimulator } from '../../drivers/visca/simulator.ts';
import { requireTool } from '../helpers/tools.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

function sh(command: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, timeout: options.timeoutMs ?? 240_000, maxBuffer: 64 << 20, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }));
  });
}

async function ok(command: string, args: string[], options?: { cwd?: string }): Promise<string> {
  const run = await sh(command, args, options);
  if (run.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.code}:\n${run.stderr}\n${run.stdout}`);
  return run.stdout;
}

const out = mkdtempSync(join(tmpdir(), 'roomd-deb-'));
chmodSync(out, 0o755); // apt reads local .deb files as its unprivileged _apt user
let deb = '';
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** `npm run package`: a .deb built with dpkg-deb, checked as a file (anywhere dpkg-deb exists). */
describe('the Debian package', () => {
  const hasDpkg = requireTool('dpkg-deb', 'dpkg');
  beforeAll(async () => {
    if (!hasDpkg) return;
    deb = (await ok(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--out', out], { cwd: ROOT })).trim().split('\n').at(-1)!;
  }, 900_000);

  it.skipIf(!hasDpkg)('declares what Debian needs: name, version, arch, nodejs >= 20.10, the config as a conffile', async () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    const arch = (await ok('dpkg', ['--print-architecture'])).trim();
    expect(deb).toBe(join(out, `roomd_${version}_${arch}.deb`));
    const field = async (name: string) => (await ok('dpkg-deb', ['--field', deb, name])).trim();
    expect(await field('Package')).toBe('roomd');
    expect(await field('Version')).toBe(version);
    expect(await field('Architecture')).toBe(arch);
    expect(await field('Depends')).toBe('nodejs (>= 20.10)');
    // tzdata: the room's own zone is then read without ICU (src/core/zoned-time.ts).
    expect(await field('Recommends')).toBe('cec-utils, tzdata');
    const control = join(out, 'control');
    await ok('dpkg-deb', ['--control', deb, control]);
    expect(readFileSync(join(control, 'conffiles'), 'utf8')).toBe('/etc/roomd/roomd.yaml\n');
    for (const script of ['postinst', 'prerm', 'postrm']) {
      expect(statSync(join(control, script)).mode & 0o111).not.toBe(0);
      await ok('sh', ['-n', join(control, script)]);
    }
  });

  it.skipIf(!hasDpkg)('ships the compiled daemon, production modules only, and the system files where packages put them', async () => {
    const files = (await ok('dpkg-deb', ['--contents', deb])).split('\n').map((line) => line.split(/\s+/).slice(5).join(' ').replace(/^\.\//, '/').replace(/ -> .*/, ''));
    for (const path of ['/usr/bin/roomd', '/usr/bin/roomctl', '/opt/roomd/bin/roomd.js', '/opt/roomd/dist/src/main.js', '/opt/roomd/dist/src/init/run.js',
      '/opt/roomd/dist/src/api/panel/public/index.html', '/lib/systemd/system/roomd.service', '/lib/systemd/system/roomd-fleet.service', '/opt/roomd/config/fleet.example.yaml', '/usr/lib/sysusers.d/roomd.conf',
      '/lib/udev/rules.d/99-roomd.rules', '/usr/lib/modules-load.d/roomd.conf', '/etc/roomd/roomd.yaml', '/opt/roomd/node_modules/better-sqlite3/build/Release/better_sqlite3.node']) {
      expect(files, path).toContain(path);
    }
    expect(files.filter((f) => f.startsWith('/opt/roomd/dist/') && f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('/opt/roomd/src/'))).toEqual([]);
    for (const devOnly of ['typescript', 'vitest', 'playwright-core', 'fast-check']) {
      expect(files.some((f) => f.startsWith(`/opt/roomd/node_modules/${devOnly}/`)), devOnly).toBe(false);
    }
  });
});

/**
 * The package on this machine, as a technician would use it: install, verify, commission with
 * `roomd init`, edit, upgrade, remove, purge. It changes the system (a user, /etc, /opt), so it runs
 * as root under CI=true, or when ROOMD_PACKAGE_TEST=1 asks for it on a machine one may change.
 */
const installable = process.getuid?.() === 0 && (process.env.CI === 'true' || process.env.ROOMD_PACKAGE_TEST === '1');
describe.runIf(installable)('installing the package with apt-get', () => {
  let camera: ViscaSerialSimulator;
  beforeAll(async () => {
    requireTool('apt-get', 'apt');
    requireTool('socat', 'socat');
    requireTool('systemd-analyze', 'systemd');
    await sh('dpkg', ['--purge', 'roomd']); // a run interrupted earlier must not decide this one
    camera = await ViscaSerialSimulator.start({ link: 'pty' });
  });
  afterAll(async () => {
    await camera?.close();
    await sh('dpkg', ['--purge', 'roomd']);
  });

  it('installs, commissions, upgrades keeping the edited config and the session log, removes, then purges without a trace', async () => {
    expect(deb).not.toBe('');
    await ok('apt-get', ['install', '-y', '-qq', deb]);
    expect((await ok('dpkg-query', ['-W', '-f=${Status}', 'roomd']))).toBe('install ok installed');
    expect(await ok('id', ['-nG', 'roomd'])).toMatch(/\bdialout\b/);
    expect(statSync('/var/lib/roomd').mode & 0o777).toBe(0o700);
    expect(existsSync('/etc/systemd/system/multi-user.target.wants/roomd.service')).toBe(true); // enabled, not started

    const verify = await sh('systemd-analyze', ['verify', '/lib/systemd/system/roomd.service']);
    expect(verify.stderr.trim()).toBe('');
    expect(verify.code).toBe(0);
    expect((await ok('/usr/bin/roomd', ['--config', '/etc/roomd/roomd.yaml', '--check'])).trim()).toBe('/etc/roomd/roomd.yaml: ok (0 devices)');

    // Commission: the starter file is replaced only because --force says so.
    const pty = (camera.transport as { path: string }).path;
    const init = await sh('/usr/bin/roomd', ['init', '--yes', '--force', '--serial', pty, '--no-onvif', '--timeout', '1500']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    const config = parse(readFileSync('/etc/roomd/roomd.yaml', 'utf8'));
    expect(config.devices.camera.transport).toEqual({ type: 'serial', path: pty, baudRate: 9600 });
    expect(config.sessions.database).toBe('/var/lib/roomd/sessions.db');
    expect(config.http.tokens.map((t: { tokenFile: string }) => t.tokenFile)).toEqual(['/etc/roomd/panel.token', '/etc/roomd/tech.token']);
    expect((await ok('stat', ['-c', '%U:%G %a', '/etc/roomd/roomd.yaml', '/etc/roomd/panel.token'])).trim().split('\n')).toEqual(['root:roomd 640', 'root:roomd 640']);
    expect((await ok('/usr/bin/roomd', ['--config', '/etc/roomd/roomd.yaml', '--check'])).trim()).toBe('/etc/roomd/roomd.yaml: ok (1 devices)');

    // The room's own edit, and a session log, must both survive an upgrade.
    const edited = readFileSync('/etc/roomd/roomd.yaml', 'utf8').replace('name: Salle de visioconférence', 'name: Salle du conseil');
    writeFileSync('/etc/roomd/roomd.yaml', edited);
    writeFileSync('/var/lib/roomd/sessions.db', 'the room\'s history');
    const next = await repackWithVersion(deb, `${await ok('dpkg-deb', ['--field', deb, 'Version']).then((v) => v.trim())}+1`);
    await ok('apt-get', ['install', '-y', '-qq', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', next]);
    expect((await ok('dpkg-query', ['-W', '-f=${Version}', 'roomd'])).endsWith('+1')).toBe(true);
    expect(readFileSync('/etc/roomd/roomd.yaml', 'utf8')).toBe(edited);
    expect(readFileSync('/var/lib/roomd/sessions.db', 'utf8')).toBe('the room\'s history');
    expect(await ok('/usr/bin/roomctl', ['--help'])).toContain('roomctl');

    // Remove keeps the room's data; purge takes everything.
    await ok('apt-get', ['remove', '-y', '-qq', 'roomd']);
    expect(existsSync('/usr/bin/roomd')).toBe(false);
    expect(existsSync('/var/lib/roomd/sessions.db')).toBe(true);
    await ok('apt-get', ['purge', '-y', '-qq', 'roomd']);
    for (const path of ['/usr/bin/roomd', '/usr/bin/roomctl', '/opt/roomd', '/lib/systemd/system/roomd.service',
      '/etc/systemd/system/multi-user.target.wants/roomd.service', '/etc/roomd', '/var/lib/roomd', '/lib/udev/rules.d/99-roomd.rules']) {
      expect(existsSync(path), path).toBe(false);
    }
    expect((await sh('dpkg-query', ['-W', 'roomd'])).code).not.toBe(0);
  }, 600_000);
});

/** The same package under a newer version (an upgrade without building twice). */
async function repackWithVersion(from: string, version: string): Promise<string> {
  const tree = join(out, `tree-${version}`);
  await ok('dpkg-deb', ['--raw-extract', from, tree]);
  const control = join(tree, 'DEBIAN/control');
  writeFileSync(control, readFileSync(control, 'utf8').replace(/^Version: .*$/m, `Version: ${version}`));
  const target = join(out, `roomd_${version}.deb`);
  await ok('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, target]);
  rmSync(tree, { recursive: true, force: true });
  return target;
}
