import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const TECH = 'tech-token-0123456789abc';
const READONLY = 'readonly-token-012345678';

/** The rate limit's bucket is who the caller is, not how it spelled its Authorization header. */
describe('rate limit per identity', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startTestDaemon(`room: { id: limits, name: Salle }
http:
  rateLimitPerMinute: 20
  tokens: [{ name: tech, role: technician, token: ${TECH} }, { name: dash, role: readonly, token: ${READONLY} }]
`);
  });
  afterAll(() => daemon?.close());

  const post = (authorization: string) =>
    rawRequest(daemon.url, { method: 'POST', path: '/api/v1/devices/ghost/commands/setVolume', headers: { authorization }, body: '{"level":5}' });

  it('case and whitespace variants of one token share its bucket: 20 answered, then 429', async () => {
    const variants = [`Bearer ${TECH}`, `bearer ${TECH}`, `BEARER ${TECH}`, `Bearer   ${TECH}`, `Bearer\t${TECH}`, `bEaReR \t ${TECH}`];
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await post(variants[i % variants.length]!)).status);
    expect(statuses.filter((s) => s === 404)).toHaveLength(20); // unknown device: answered
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect(statuses.slice(20)).toEqual(Array(10).fill(429));
    // Another identity on the same address has its own bucket.
    expect((await post(`Bearer ${READONLY}`)).status).toBe(403);
  });

  it('made-up tokens buy no buckets either: they count against the address', async () => {
    const fresh = await startTestDaemon(`room: { id: limits2, name: Salle }\nhttp:\n  rateLimitPerMinute: 5\n  tokens: [{ name: tech, role: technician, token: ${TECH} }]\n`);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        statuses.push((await rawRequest(fresh.url, { method: 'POST', path: '/api/v1/meeting/end', headers: { authorization: `Bearer guess-${i}-0123456789` } })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    } finally {
      await fresh.close();
    }
  });
});

/** A reload applies the HTTP settings it can, and names the ones it cannot. */
describe('reload of http settings', () => {
  let daemon: TestDaemon;
  const config = (http: string) => `room: { id: reload-http, name: Salle }\nhttp:\n${http}\n`;
  const login = (pin: string, localAddress?: string) =>
    rawRequest(daemon.url, { method: 'POST', path: '/api/v1/panel/tech/login', body: JSON.stringify({ pin }), ...(localAddress ? { localAddress } : {}) });

  beforeAll(async () => {
    daemon = await startTestDaemon(config('  panelPin: "482915"\n  cors: [https://old.example]\n  rateLimitPerMinute: 1000'));
  });
  afterAll(() => daemon?.close());

  it('a rotated PIN: the old one is refused, the new one accepted, sessions of the old one end', async () => {
    const before = await login('482915');
    expect(before.status).toBe(200);
    const cookie = String(before.headers['set-cookie']).split(';')[0]!;
    daemon.writeConfig(config('  panelPin: "739164"\n  cors: [https://new.example]\n  rateLimitPerMinute: 1000\n  bodyLimitBytes: 2048'));
    const reload = await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/config/reload' });
    expect(reload.status).toBe(200);
    expect(reload.body.needsRestart).toEqual([]);

    expect((await login('482915', '127.0.0.3')).status).toBe(401);
    expect((await login('739164', '127.0.0.3')).status).toBe(200);
    expect((await rawRequest(daemon.url, { path: '/api/v1/panel/tech/devices', headers: { cookie } })).status).toBe(401);
  });

  it('cors and bodyLimitBytes apply at once', async () => {
    const read = (origin: string) => rawRequest(daemon.url, { path: '/api/v1/state', headers: { origin } });
    expect((await read('https://new.example')).headers['access-control-allow-origin']).toBe('https://new.example');
    expect((await read('https://old.example')).headers['access-control-allow-origin']).toBeUndefined();
    const big = JSON.stringify({ organisation: 'x'.repeat(3000) });
    const res = await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/meeting/start', body: big });
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({ code: 'PayloadTooLarge', message: 'body larger than http.bodyLimitBytes (2048 bytes)' });
  });

  it('a body limit above the one the server started with is named in needsRestart', async () => {
    daemon.writeConfig(config('  panelPin: "739164"\n  rateLimitPerMinute: 1000\n  bodyLimitBytes: 4194304'));
    const reload = await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/config/reload' });
    expect(reload.body.needsRestart).toEqual(['http.bodyLimitBytes']);
  });

  it('rateLimitPerMinute applies at once', async () => {
    daemon.writeConfig(config('  rateLimitPerMinute: 3'));
    expect((await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/config/reload' })).status).toBe(200);
    let limited: { status: number; body: any } | undefined;
    for (let i = 0; i < 4 && !limited; i++) {
      const res = await rawRequest(daemon.url, { method: 'POST', path: '/api/v1/devices/ghost/commands/powerOn' });
      if (res.status === 429) limited = res;
    }
    expect(limited?.body.error.message).toMatch(/^too many requests: at most 3 per minute/);
  });
});

describe('technician PIN lockout is per client', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startTestDaemon('room: { id: pin, name: Salle }\nhttp: { panelPin: "482915" }\n');
  });
  afterAll(() => daemon?.close());

  const login = (pin: string, localAddress: string) =>
    rawRequest(daemon.url, { method: 'POST', path: '/api/v1/panel/tech/login', body: JSON.stringify({ pin }), localAddress });

  it('25 wrong PINs from five machines lock those out, not the technician on a sixth', async () => {
    const attackers = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
    for (const address of attackers) {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await login(String(100000 + i), address)).status);
      expect(statuses, address).toEqual([401, 401, 401, 401, 401, 429]);
    }
    const locked = await login('482915', '127.0.0.2'); // even the right PIN waits on a locked machine
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toMatch(/^too many wrong PINs from this client: try again in \d+ s$/);
    expect((await login('482915', '127.0.0.1')).status).toBe(200);
  });
});

describe('discover takes serial devices under /dev only', () => {
  let daemon: TestDaemon;
  let shm: string;
  beforeAll(async () => {
    daemon = await startTestDaemon('room: { id: disc, name: Salle }\n');
    // A regular file under /dev (tmpfs /dev/shm) stands for "something that is not a serial port".
    shm = mkdtempSync('/dev/shm/roomd-discover-');
    writeFileSync(join(shm, 'notes'), '');
  });
  afterAll(async () => {
    await daemon?.close();
    rmSync(shm, { recursive: true, force: true });
  });

  it('refuses paths outside /dev, with .. segments, or naming no terminal device, and writes nothing', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/tmp/ttyUSB0', /body\.serialPorts(\.0)?: /],
      ['/home/roomd/.ssh/authorized_keys', /body\.serialPorts(\.0)?: /],
      ['/dev/../etc/passwd', /body\.serialPorts\.0: '\/dev\/\.\.\/etc\/passwd' has a '\.' or '\.\.' segment/],
      [join(shm, 'notes'), /is not a serial device under \/dev\//],
    ];
    for (const [path, message] of cases) {
      const res = await daemon.api('POST', '/api/v1/discover', { drivers: ['visca'], serialPorts: [path], timeoutMs: 200 });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('BadArgs');
      expect(res.body.error.message).toMatch(message);
    }
    expect(readFileSync(join(shm, 'notes'), 'utf8')).toBe('');
  });
});

describe('health with tokens configured', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startTestDaemon(`room: { id: health, name: Salle }
http: { tokens: [{ name: dash, role: readonly, token: ${READONLY} }] }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
`);
  });
  afterAll(() => daemon?.close());

  it('says only the status to a caller without a valid token, and details to an authenticated one', async () => {
    for (const token of [undefined, 'wrong-token-0123456789']) {
      const res = await daemon.api('GET', '/api/v1/health', undefined, token);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['status']);
      expect(['ok', 'degraded']).toContain(res.body.status);
    }
    const full = await daemon.api('GET', '/api/v1/health', undefined, READONLY);
    expect(full.body).toMatchObject({ status: expect.any(String), devices: { display: expect.any(Boolean) }, checks: { sessions: { ok: true } } });
  });
});

describe('roomd --check and short PINs', () => {
  const ROOMD = fileURLToPath(new URL('../../bin/roomd.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'roomd-pin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const check = (pin: string) => {
    const file = join(dir, `pin-${pin.length}.yaml`);
    writeFileSync(file, `room: { id: pin, name: Salle }\nhttp:\n  panelPin: "${pin}"\n`);
    return new Promise<{ code: number; stdout: string; stderr: string; file: string }>((resolve) => {
      execFile(process.execPath, [ROOMD, '--config', file, '--check'], { timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr, file }));
    });
  };

  it('warns (FILE:LINE:COL) below 6 digits and still exits 0; says nothing at 6', async () => {
    const short = await check('4829');
    expect(short.code).toBe(0);
    expect(short.stderr).toContain(`${short.file}:3:3 http.panelPin: warning: a 4-digit PIN is short: use at least 6 digits`);
    const good = await check('482915');
    expect(good.code).toBe(0);
    expect(good.stderr).toBe('');
  }, 60_000);
});
