import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/loader.ts';
import { ConfigError, formatProblem } from '../../src/config/problems.ts';
import { DriverRegistry } from '../../src/core/driver-registry.ts';

const registry = new DriverRegistry(fileURLToPath(new URL('../fixtures/drivers', import.meta.url)));

async function problems(yaml: string): Promise<string[]> {
  try {
    await parseConfig(yaml, 'room.yaml', registry);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}

const base = `room:
  id: st-pons
  name: Salle
devices:
  lamp:
    driver: lamp
    transport: { type: tcp, host: 127.0.0.1, port: 9000 }
`;

describe('config loader', () => {
  it('accepts a valid file and applies defaults', async () => {
    const { config } = await parseConfig(base, 'room.yaml', registry);
    expect(config.http.port).toBe(8080);
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.room.locale).toBe('fr');
    expect(config.devices.lamp!.options).toEqual({ address: 1 });
    expect(config.sessions.co2KgPerKm).toBe(0.244);
  });

  it('reports an unknown key with file, line, column and path', async () => {
    expect(await problems(base.replace('  name: Salle', '  name: Salle\n  colour: blue'))).toEqual([
      'room.yaml:4:3 room.colour: unknown key (check the spelling; see docs/configuration.md)',
    ]);
  });

  it('reports a bad driver option at its key', async () => {
    const yaml = `${base}    options:\n      address: 9\n`;
    expect(await problems(yaml)).toEqual(['room.yaml:9:7 devices.lamp.options.address: expected integer to be less or equal to 7']);
  });

  it('reports a transport the driver does not support, and bad transport fields', async () => {
    const yaml = base.replace('{ type: tcp, host: 127.0.0.1, port: 9000 }', '{ type: udp, host: 127.0.0.1, port: 99999 }');
    const out = await problems(yaml);
    expect(out).toContain('room.yaml:7:46 devices.lamp.transport.port: expected integer to be less or equal to 65535');
    expect(out.some((l) => l.includes('devices.lamp.transport.type: driver lamp cannot use \'udp\''))).toBe(true);
  });

  it('reports every problem at once, not just the first', async () => {
    const yaml = `room:\n  id: "Not Valid"\n  name: Salle\n  locale: de\ndevices:\n  tv:\n    driver: nosuch\n`;
    const out = await problems(yaml);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^room\.yaml:2:3 room\.id: must match/);
    expect(out[1]).toBe('room.yaml:4:3 room.locale: must be one of "fr", "en"');
    expect(out[2]).toMatch(/^room\.yaml:7:5 devices\.tv\.driver: unknown driver 'nosuch'/);
  });

  it('a broken driver manifest is a clear error, not a crash', async () => {
    const out = await problems(`room: { id: a, name: b }\ndevices:\n  x: { driver: broken, transport: { type: tcp, host: h, port: 1 } }\n`);
    expect(out).toHaveLength(1);
    expect(out[0]).toContain("driver 'broken' has a broken manifest");
    expect(out[0]).toContain("unknown capability 'teleport'");
    expect(out[0]).toContain('manifest.options must be a TypeBox object schema');
  });

  it('checks scene steps against devices, commands and capabilities', async () => {
    const yaml = `${base}scenes:\n  meetingStart:\n    - { device: lamp, command: powerOn }\n    - { device: tv, command: powerOn }\n    - { device: lamp, command: dial, args: { number: "1" } }\n    - { device: lamp, command: setVolume, args: { level: 150 } }\n`;
    const out = await problems(yaml);
    expect(out).toEqual([
      "room.yaml:11:9 scenes.meetingStart[1].device: unknown device 'tv' (configured: lamp)",
      "room.yaml:12:23 scenes.meetingStart[2].command: lamp (lamp) has no 'call' capability for dial",
      'room.yaml:13:43 scenes.meetingStart[3].args: args.level: Expected integer to be less or equal to 100',
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const out = await problems('room:\n  id: a\n  name: [unclosed\n');
    expect(out[0]).toMatch(/^room\.yaml:\d+:\d+ \(root\): YAML: /);
  });

  it('reads secrets from ...File keys and reports unreadable ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-cfg-'));
    writeFileSync(join(dir, 'tech.token'), 'abcdefghijklmnopqrstuvwxyz\n');
    const yaml = `${base}http:\n  tokens:\n    - { name: tech, role: technician, tokenFile: ${join(dir, 'tech.token')} }\n    - { name: panel, role: panel, tokenFile: ${join(dir, 'missing')} }\n`;
    const out = await problems(yaml);
    expect(out).toEqual([`room.yaml:11:35 http.tokens[1].tokenFile: cannot read secret file ${join(dir, 'missing')}: ENOENT`]);
    const ok = await parseConfig(yaml.replace(/\n    - \{ name: panel.*\n/, '\n'), 'room.yaml', registry);
    expect(ok.config.http.tokens[0]!.token).toBe('abcdefghijklmnopqrstuvwxyz');
  });
});

describe('config loader: MQTT section', () => {
  it('needs exactly one of url or embedded, readable TLS files, and no device named like a room topic', async () => {
    const yaml = `room: { id: a, name: b }\nmqtt:\n  baseTopic: roomd\n  tls: { ca: /nonexistent/ca.pem }\ndevices:\n  status: { driver: lamp, transport: { type: tcp, host: h, port: 1 } }\n`;
    expect(await problems(yaml)).toEqual([
      "room.yaml:6:3 devices.status: 'status' is reserved (it is one of the room's MQTT topics); rename the device",
      'room.yaml:2:1 mqtt: give exactly one of url (an existing broker) or embedded (a broker inside roomd)',
      'room.yaml:4:10 mqtt.tls.ca: cannot read /nonexistent/ca.pem: ENOENT',
    ]);
  });
});
