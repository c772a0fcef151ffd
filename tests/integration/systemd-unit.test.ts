import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const unitPath = join(root, 'systemd', 'roomd.service');
const unitText = readFileSync(unitPath, 'utf8');

/** `Key=value` lines of the unit (last one wins, except keys that accumulate), comments dropped. */
function directives(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    map.set(key, [...(map.get(key) ?? []), line.slice(eq + 1)]);
  }
  return map;
}

function run(args: string[], cwd: string): { code: number | null; out: string } {
  const r = spawnSync('systemd-analyze', args, { cwd, encoding: 'utf8', env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '', LC_ALL: 'C.UTF-8' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('systemd/roomd.service', () => {
  const d = directives(unitText);

  it('is a notify service with a watchdog that systemd-notify can reach', () => {
    expect(d.get('Type')).toEqual(['notify']);
    // systemd-notify sends with its own PID (src/ops/sd-notify.ts): "main" would drop every message.
    expect(d.get('NotifyAccess')).toEqual(['all']);
    expect(d.get('WatchdogSec')).toEqual(['20s']);
    expect(d.get('Restart')).toEqual(['on-failure']);
    expect(d.get('ExecStart')).toEqual(['/usr/bin/node /opt/roomd/bin/roomd.js --config /etc/roomd/roomd.yaml']);
  });

  it('runs as roomd in dialout, with serial devices and nothing else', () => {
    expect(d.get('User')).toEqual(['roomd']);
    expect(d.get('SupplementaryGroups')).toEqual(['dialout']);
    expect(d.get('DevicePolicy')).toEqual(['closed']);
    expect(d.get('DeviceAllow')).toEqual(['char-ttyUSB rw', 'char-ttyACM rw']);
    // V8's JIT needs writable+executable pages; with this on, node aborts at start.
    expect(d.has('MemoryDenyWriteExecute')).toBe(false);
  });
});

describe.skipIf(!requireTool('systemd-analyze', 'systemd'))('systemd-analyze on roomd.service', () => {
  /**
   * `verify` checks that ExecStart's binary exists. Where /usr/bin/node is missing (a developer's
   * nvm install), the unit is verified as a copy whose only change is that path, pointing at the
   * node running this test; everything else is checked as shipped.
   */
  function verifiableCopy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-unit-'));
    dirs.push(dir);
    let text = unitText;
    try {
      accessSync('/usr/bin/node', constants.X_OK);
    } catch {
      text = text.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `);
    }
    writeFileSync(join(dir, 'roomd.service'), text);
    return dir;
  }

  it('verify reports no error and no warning', () => {
    const dir = verifiableCopy();
    const { code, out } = run(['verify', '--man=no', join(dir, 'roomd.service')], dir);
    expect(out.trim()).toBe('');
    expect(code).toBe(0);
  });

  it('roomd-fleet.service: verify reports nothing, security rates it 3.0 or lower', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-unit-'));
    dirs.push(dir);
    let text = readFileSync(join(root, 'systemd', 'roomd-fleet.service'), 'utf8');
    try {
      accessSync('/usr/bin/node', constants.X_OK);
    } catch {
      text = text.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `);
    }
    writeFileSync(join(dir, 'roomd-fleet.service'), text);
    const verify = run(['verify', '--man=no', join(dir, 'roomd-fleet.service')], dir);
    expect(verify.out.trim()).toBe('');
    expect(verify.code).toBe(0);
    const { out } = run(['security', '--offline=true', '--no-pager', 'roomd-fleet.service'], dir);
    const match = /Overall exposure level for roomd-fleet\.service: (\d+(?:\.\d+)?)/.exec(out);
    expect(match, out).not.toBeNull();
    expect(Number(match![1]), out).toBeLessThanOrEqual(3.0);
    expect(directives(text).get('ExecStart')?.[0]).toMatch(/\/opt\/roomd\/bin\/roomd\.js fleet --config \/etc\/roomd\/fleet\.yaml$/);
  });

  it('verify does catch a broken unit (the check can fail)', () => {
    const dir = verifiableCopy();
    const broken = join(dir, 'roomd.service');
    writeFileSync(broken, readFileSync(broken, 'utf8').replace('ProtectClock=yes', 'ProtectClock=yes\nProtectClok=yes'));
    const { out } = run(['verify', '--man=no', broken], dir);
    expect(out).toMatch(/Unknown key/);
  });

  it('security --offline rates the unit 3.0 or lower', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-unit-'));
    dirs.push(dir);
    copyFileSync(unitPath, join(dir, 'roomd.service'));
    const { out } = run(['security', '--offline=true', '--no-pager', 'roomd.service'], dir);
    const match = /Overall exposure level for roomd\.service: (\d+(?:\.\d+)?) (\S+)/.exec(out);
    expect(match, out).not.toBeNull();
    const score = Number(match![1]);
    expect(score, out).toBeLessThanOrEqual(3.0);
  });

  it('systemd-sysusers creates the roomd user from systemd/sysusers-roomd.conf', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-sysusers-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc', 'group'), 'dialout:x:20:\n');
    const r = spawnSync('systemd-sysusers', ['--dry-run', `--root=${dir}`, join(root, 'systemd', 'sysusers-roomd.conf')], { encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/Creating user 'roomd'/);
    expect(out).not.toMatch(/ignoring|error|invalid/i);
  });
});

describe('systemd/99-roomd.rules', () => {
  const rules = readFileSync(join(root, 'systemd', '99-roomd.rules'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
  /** udev's grammar: comma-separated KEY[{attr}] OP "value" pairs. */
  const PAIR = /^\s*([A-Z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*$/;
  const parse = (line: string) => line.split(/,(?=\s*[A-Z_]+(?:\{[^}]+\})?\s*(?:==|!=|\+=|-=|:=|=)\s*")/).map((p) => {
    const m = PAIR.exec(p);
    if (!m) throw new Error(`not a udev key/value pair: ${p}`);
    return { key: m[1]!, op: m[2]!, value: m[3]! };
  });

  it('every active rule is well formed, matches with == and assigns with = or +=', () => {
    expect(rules.length).toBe(2);
    for (const line of rules) {
      for (const { key, op } of parse(line)) {
        const assignment = ['SYMLINK', 'GROUP', 'MODE'].includes(key) || key.startsWith('ENV{ID_MM');
        expect(assignment ? ['=', '+='] : ['=='], `${key}${op} in ${line}`).toContain(op);
      }
    }
  });

  it.each([
    ['roomd-camera', '0403', '6001|6015'],
    ['roomd-cec', '2548', '1001|1002'],
  ])('/dev/%s: tty %s:%s, group dialout, mode 0660', (name, vendor, product) => {
    const rule = rules.map(parse).find((pairs) => pairs.some((p) => p.key === 'SYMLINK' && p.value === name))!;
    const get = (key: string) => rule.find((p) => p.key === key)?.value;
    expect(get('SUBSYSTEM')).toBe('tty');
    expect(get('ATTRS{idVendor}')).toBe(vendor);
    expect(get('ATTRS{idProduct}')).toBe(product);
    expect(get('GROUP')).toBe('dialout');
    expect(get('MODE')).toBe('0660');
  });
});
