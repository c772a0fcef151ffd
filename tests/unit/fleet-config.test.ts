import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFleetConfig, parseFleetConfig } from '../../src/fleet/config.ts';
import { ConfigError, formatProblem } from '../../src/config/problems.ts';

const EXAMPLE = fileURLToPath(new URL('../../config/fleet.example.yaml', import.meta.url));

/** The problems a config text gives, as `FILE:LINE:COL path: message` lines. */
function problems(text: string, dir = process.cwd()): string[] {
  try {
    parseFleetConfig(text, 'fleet.yaml', dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}

const MINIMAL = 'mqtt: { url: "mqtt://127.0.0.1:1883" }\ndatabase: fleet.db\n';

describe('the fleet collector\'s config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-fleet-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the shipped example once its secret files exist', () => {
    const text = readFileSync(EXAMPLE, 'utf8').replaceAll('/etc/roomd/', `${dir}/`).replace('/var/lib/roomd/', `${dir}/`);
    writeFileSync(join(dir, 'fleet-mqtt.secret'), 's3cret-broker-password\n');
    writeFileSync(join(dir, 'fleet-direction.token'), 'a-token-of-at-least-sixteen-characters\n');
    writeFileSync(join(dir, 'fleet.yaml'), text);
    const config = loadFleetConfig(join(dir, 'fleet.yaml'));
    expect(config.mqtt).toMatchObject({ url: 'mqtts://broker.territoire.example:8883', baseTopic: 'roomd', clientId: 'roomd-fleet', password: 's3cret-broker-password' });
    expect(config.http.port).toBe(8090);
    expect(config.http.tokens[0]).toMatchObject({ name: 'direction', role: 'readonly', token: 'a-token-of-at-least-sixteen-characters' });
    expect(config.rooms?.['maison-du-parc']?.name).toBe('Maison du Parc');
    expect(config.timezone).toBe('Europe/Paris');
  });

  it('fills the defaults: port 8090 (a room daemon has 8080), French, a fixed client id; a relative database is beside the file', () => {
    const config = parseFleetConfig(MINIMAL, 'fleet.yaml', dir);
    expect(config.http.port).toBe(8090);
    expect(config.locale).toBe('fr');
    expect(config.mqtt.clientId).toBe('roomd-fleet');
    expect(config.mqtt.baseTopic).toBe('roomd');
    expect(config.database).toBe(join(dir, 'fleet.db'));
  });

  it('names the line, the field and what is wrong', () => {
    expect(problems('mqtt: { url: "http://broker" }\ndatabase: fleet.db\n')).toEqual([expect.stringMatching(/^fleet\.yaml:1:\d+ mqtt\.url: must match/)]);
    expect(problems(`${MINIMAL}timezone: Europe/Parsi\n`)).toEqual([expect.stringMatching(/^fleet\.yaml:3:\d+ timezone: unknown time zone "Europe\/Parsi"/)]);
    expect(problems(`${MINIMAL}rooms: { "Salle 1": { name: Une } }\n`)).toEqual([expect.stringMatching(/^fleet\.yaml:3:\d+ rooms/)]);
    expect(problems(`${MINIMAL}locale: de\n`)).toEqual([expect.stringMatching(/^fleet\.yaml:3:\d+ locale/)]);
    expect(problems('mqtt: { url: "mqtt://b", password: a, passwordFile: /x }\ndatabase: f.db\n')).toEqual([expect.stringMatching(/mqtt: give password or passwordFile, not both/)]);
    expect(problems('database: f.db\n')[0]).toMatch(/^fleet\.yaml:1:1 mqtt: expected required property/);
  });

  it('says which secret file it cannot read', () => {
    const lines = problems(`mqtt: { url: "mqtt://b", passwordFile: ${join(dir, 'missing.secret')} }\ndatabase: f.db\n`, dir);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('missing.secret');
  });
});
