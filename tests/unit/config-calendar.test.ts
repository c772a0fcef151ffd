import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { ConfigError, formatProblem } from '../../src/config/problems.ts';
import { DriverRegistry } from '../../src/core/driver-registry.ts';

const registry = new DriverRegistry(fileURLToPath(new URL('../fixtures/drivers', import.meta.url)));
const base = 'room: { id: st-pons, name: Salle }\n';

async function problems(yaml: string, dir?: string): Promise<string[]> {
  try {
    await parseConfig(yaml, 'room.yaml', registry, dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}

describe('calendar config', () => {
  it('applies defaults, reads the password from a file and resolves a path next to the config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-cal-config-'));
    writeFileSync(join(dir, 'cal.password'), 's3cret\n');
    const { config } = await parseConfig(`${base}calendar:\n  url: feeds/salle.ics\n  username: salle\n  passwordFile: cal.password\n`, 'room.yaml', registry, dir);
    expect(config.calendar).toEqual({
      url: `file://${dir}/feeds/salle.ics`,
      username: 'salle',
      passwordFile: 'cal.password',
      password: 's3cret',
      refreshSeconds: 300,
      prepareMinutes: 15,
      noShowMinutes: 15,
      autoEnd: true,
      timeoutSeconds: 20,
    });
  });

  it('reports bad calendar keys with file, line, column and path', async () => {
    expect(await problems(`${base}calendar:\n  url: ftp://cal.example/x.ics\n  refreshSeconds: 1\n  noShow: 10\n`)).toEqual([
      'room.yaml:5:3 calendar.noShow: unknown key (check the spelling; see docs/configuration.md)',
      'room.yaml:4:3 calendar.refreshSeconds: expected integer to be greater or equal to 10',
      'room.yaml:3:3 calendar.url: must be http://, https:// (CalDAV or ICS), file:// or a path; got ftp:',
    ]);
    expect(await problems(`${base}calendar:\n  url: https://cal.example/salle/\n  passwordFile: /nonexistent/cal.password\n`)).toEqual([
      'room.yaml:4:3 calendar.passwordFile: cannot read secret file /nonexistent/cal.password: ENOENT',
    ]);
    expect(await problems(`${base}calendar:\n  url: https://cal.example/salle/\n  password: x\n`)).toEqual(['room.yaml:2:1 calendar: a password needs a username']);
  });
});
