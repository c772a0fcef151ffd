import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../src/core/room.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { rawRequest, upgradeStatus } from '../helpers/raw-http.ts';

const DEVICES = `
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
  mics: { driver: shure-dcs, transport: { type: sim } }
`;
const REBIND = 'rebind.evil.example:8080';
const EVIL = 'http://evil.example';

/**
 * A web page open on the room PC must not drive the room: not by DNS rebinding (a foreign Host),
 * not by a cross-site request (a foreign Origin). Over real HTTP, token-less mode first.
 */
describe('Host and Origin, token-less mode', () => {
  let daemon: TestDaemon;
  let commands: CommandResult[];
  let self: string;

  beforeAll(async () => {
    daemon = await startTestDaemon(`room: { id: guard, name: Salle }\nhttp: { allowedHosts: [salle.mairie.lan] }\n${DEVICES}`);
    await eventually(() => daemon.room.devices().every((d) => d.online), Boolean, 10_000);
    daemon.room.events.on('command', (r) => commands.push(r), {});
    self = new URL(daemon.url).host;
  });
  beforeEach(() => {
    commands = [];
  });
  afterAll(() => daemon?.close());

  it('refuses a DNS-rebinding Host with 421 on reads, raw sends, the session log and reload', async () => {
    const attempts = [
      { method: 'GET', path: '/api/v1/state' },
      { method: 'GET', path: '/api/v1/sessions' },
      { method: 'POST', path: '/api/v1/devices/mics/commands/send', body: '{"data":"< SET DEVICE_AUDIO_MUTE OFF >"}' },
      { method: 'POST', path: '/api/v1/config/reload' },
      { method: 'GET', path: '/tech' },
      { method: 'POST', path: '/api/v1/panel/tech/devices/mics/commands/unmuteMicrophones', body: '{}' },
      { method: 'GET', path: '/' },
      { method: 'GET', path: '/openapi.json' },
      { method: 'GET', path: '/docs/' },
      { method: 'GET', path: '/metrics' },
    ];
    for (const a of attempts) {
      const res = await rawRequest(daemon.url, { ...a, headers: { host: REBIND } });
      expect(res.status, `${a.method} ${a.path}`).toBe(421);
      expect(res.body.error.code).toBe('ForeignHost');
      expect(res.body.error.message).toContain("Host 'rebind.evil.example:8080' does not name this machine");
      expect(res.body.error.message).toContain('http.allowedHosts');
    }
    expect(await upgradeStatus(daemon.url, '/api/v1/events', { host: REBIND })).toBe(421);
    expect(commands).toEqual([]);
  });

  it('serves the names of this machine: loopback addresses, localhost, http.host and http.allowedHosts', async () => {
    const port = new URL(daemon.url).port;
    for (const host of [self, `localhost:${port}`, `LocalHost.:${port}`, `127.0.0.2:${port}`, `[::1]:${port}`, `salle.mairie.lan:${port}`, 'salle.mairie.lan']) {
      const res = await rawRequest(daemon.url, { path: '/api/v1/state', headers: { host } });
      expect(res.status, host).toBe(200);
    }
    expect((await rawRequest(daemon.url, { path: '/api/v1/state', headers: { host: `other.mairie.lan:${port}` } })).status).toBe(421);
  });

  it('refuses bodiless cross-site POSTs (mics, meeting end) with 403, and nothing reaches a device', async () => {
    for (const path of ['/api/v1/devices/mics/commands/unmuteMicrophones', '/api/v1/meeting/end', '/api/v1/meeting/microphones', '/api/v1/config/reload', '/api/v1/panel/tech/devices/mics/commands/unmuteMicrophones']) {
      const res = await rawRequest(daemon.url, { method: 'POST', path, headers: { origin: EVIL } });
      expect(res.status, path).toBe(403);
      expect(res.body.error).toEqual({ code: 'Forbidden', message: "cross-site request refused: Origin 'http://evil.example' is not this server's (list it in http.cors to allow it)" });
    }
    // Sandboxed frames and file: pages send "null"; a same-host origin on another port is another site.
    const port = Number(new URL(daemon.url).port);
    for (const origin of ['null', `http://127.0.0.1:${port + 1}`, `http://${REBIND}`]) {
      expect((await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/meeting/end', headers: { origin } })).status, origin).toBe(403);
    }
    expect(commands).toEqual([]);
    // Reads stay open to any Origin: without CORS headers the page cannot read the answer anyway.
    expect((await rawRequest(daemon.url, { path: '/api/v1/state', headers: { origin: EVIL } })).status).toBe(200);
  });

  it('refuses cross-site WebSocket upgrades (events and the technician log), serves same-origin ones', async () => {
    expect(await upgradeStatus(daemon.url, '/api/v1/events', { origin: EVIL })).toBe(403);
    expect(await upgradeStatus(daemon.url, '/api/v1/panel/tech/events', { origin: EVIL })).toBe(403);
    expect(await upgradeStatus(daemon.url, '/api/v1/events', { origin: `http://${self}` })).toBe(101);
    expect(await upgradeStatus(daemon.url, '/api/v1/panel/tech/events', { origin: `http://${self}` })).toBe(101);
    expect(await upgradeStatus(daemon.url, '/api/v1/events', {})).toBe(101);
  });

  it('lets the panel (same origin) and curl or roomctl (no Origin) change things', async () => {
    const panel = await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/devices/mics/commands/muteMicrophones', headers: { origin: `http://${self}` }, body: '{}' });
    expect(panel.status).toBe(200);
    const curl = await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/devices/mics/commands/unmuteMicrophones', body: '{}' });
    expect(curl.status).toBe(200);
    expect(commands.map((c) => [c.command.command, c.ok])).toEqual([['muteMicrophones', true], ['unmuteMicrophones', true]]);
  });
});

describe('Host and Origin with tokens and CORS', () => {
  const TECH = 'tech-token-0123456789abc';
  let daemon: TestDaemon;

  beforeAll(async () => {
    daemon = await startTestDaemon(`room: { id: guard-tokens, name: Salle }
http:
  cors: [https://dashboard.example]
  tokens: [{ name: tech, role: technician, token: ${TECH} }]
${DEVICES}`);
    await eventually(() => daemon.room.devices().every((d) => d.online), Boolean, 10_000);
  });
  afterAll(() => daemon?.close());

  const auth = { authorization: `Bearer ${TECH}` };

  it('a valid token does not make a foreign Host or Origin acceptable', async () => {
    expect((await rawRequest(daemon.url, { path: '/api/v1/state', headers: { ...auth, host: REBIND } })).status).toBe(421);
    expect((await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/meeting/end', headers: { ...auth, origin: EVIL } })).status).toBe(403);
    expect(await upgradeStatus(daemon.url, `/api/v1/events?token=${TECH}`, { origin: EVIL })).toBe(403);
  });

  it('an origin listed in http.cors may change things (with its token) and read the answer', async () => {
    const res = await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/devices/mics/commands/muteMicrophones', headers: { ...auth, origin: 'https://dashboard.example' }, body: '{}' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://dashboard.example');
    expect(await upgradeStatus(daemon.url, `/api/v1/events?token=${TECH}`, { origin: 'https://dashboard.example' })).toBe(101);
  });
});
