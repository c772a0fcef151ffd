import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { httpStatusOf, type ErrorCode } from '../../src/core/errors.ts';
import { eventually, openEvents, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { params, timeoutFor } from './fuzz-helpers.ts';

/**
 * The routes api-inputs.test.ts does not reach, under arbitrary input: PATCH sessions, discover,
 * reload, meeting/microphones, the audit, the technician page's routes, arbitrary Host and Origin
 * headers on every route, and WebSocket messages over a real socket. For every answer: no 5xx
 * but the device outcomes, and a 4xx is `{ error: { code, message } }` with its code's status.
 */
const YAML = `
room: { id: fuzz-routes, name: "Fuzz routes" }
http: { rateLimitPerMinute: 1000000, allowedHosts: [salle.lan] }
sessions: { sites: { nimes: { name: Nîmes, roundTripKm: 120 } } }
devices:
  display: { driver: samsung-mdc, transport: { type: sim }, options: { replyTimeoutMs: 300 } }
  mics: { driver: shure-dcs, transport: { type: sim }, options: { replyTimeoutMs: 300 } }
scenes:
  meetingStart: [{ device: mics, command: unmuteMicrophones }]
  meetingEnd: [{ device: mics, command: muteMicrophones }]
`;
const DEVICE_OUTCOMES = new Set(['DeviceError', 'DeviceOffline', 'DeviceTimeout']);

/** JSON values, broken JSON, prototype keys, deep nesting: what any body field may receive. */
const rawBody: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).filter((v) => !isPlainEmptyObject(v)).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom('', 'null', '[]', '"x"', '{"a":1', '\u0000', '{"__proto__":{"polluted":true}}', `${'['.repeat(3000)}${']'.repeat(3000)}`) },
);
function isPlainEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}
const travel = fc.array(
  fc.record({ site: fc.oneof(fc.constant('nimes'), fc.string({ maxLength: 6 })), people: fc.oneof(fc.integer({ min: -1, max: 600 }), fc.constant('2')), carpool: fc.oneof(fc.boolean(), fc.integer({ min: -1, max: 3 })) }, { requiredKeys: ['site'] }),
  { maxLength: 3 },
);

describe('fuzz: the other routes', () => {
  let daemon: TestDaemon;
  let sessionId: string;

  async function inject(method: string, url: string, body?: string, headers: Record<string, string> = {}) {
    const res = await daemon.app.inject({
      method: method as 'GET',
      url,
      ...(body !== undefined ? { payload: body } : {}),
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    });
    const where = `${method} ${url.slice(0, 100)} ${JSON.stringify(headers).slice(0, 100)} ${JSON.stringify((body ?? '').slice(0, 100))} → ${res.statusCode} ${res.body.slice(0, 200)}`;
    if (res.statusCode >= 400) {
      let parsed: { error?: { code?: unknown; message?: unknown } };
      try {
        parsed = res.json();
      } catch {
        throw new Error(`error answer is not JSON: ${where}`);
      }
      expect(typeof parsed.error?.message, where).toBe('string');
      expect(httpStatusOf(parsed.error?.code as ErrorCode), where).toBe(res.statusCode);
      if (res.statusCode >= 500) expect(DEVICE_OUTCOMES.has(String(parsed.error?.code)), where).toBe(true);
    }
    return res;
  }

  beforeAll(async () => {
    daemon = await startTestDaemon(YAML);
    await eventually(() => daemon.room.devices().every((d) => d.online), Boolean, 10_000);
    const start = await inject('POST', '/api/v1/meeting/start', '{}');
    sessionId = start.json().session.id;
    await inject('POST', '/api/v1/meeting/end', '{}');
  });
  afterAll(async () => {
    await daemon?.close();
  });

  it('PATCH /sessions/:id, POST /meeting/microphones and POST /config/reload', async () => {
    const id = fc.oneof({ weight: 3, arbitrary: fc.constant(() => sessionId) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => () => s) });
    const patchBody = fc.oneof(rawBody, fc.record({ avoidedTravel: travel }, { requiredKeys: [] }).map((o) => JSON.stringify(o)));
    const micBody = fc.oneof(rawBody, fc.record({ muted: fc.oneof(fc.boolean(), fc.constantFrom('true', 1, null)) }).map((o) => JSON.stringify(o)));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('patch', 'mics', 'reload'), id, patchBody, micBody, async (route, sid, pbody, mbody) => {
        if (route === 'patch') await inject('PATCH', `/api/v1/sessions/${encodeURIComponent(sid())}`, pbody);
        else if (route === 'mics') await inject('POST', '/api/v1/meeting/microphones', mbody);
        else await inject('POST', '/api/v1/config/reload', pbody);
      }),
      params(150),
    );
  }, timeoutFor(150, 150));

  it('POST /discover: only ever probes what it may (nonexistent ports, no network), never a 500', async () => {
    // No generated body that passes validation names onvif or leaves `drivers` out: discovery
    // must not multicast from a test, nor write to a real serial port of this machine.
    const port = fc.oneof(
      fc.stringMatching(/^[a-z0-9]{1,8}$/).map((s) => `/dev/roomd-fuzz-${s}`),
      fc.constantFrom('/tmp/ttyUSB0', '/dev/../etc/passwd', '/dev/./ttyS0', '/dev/null', '/dev/zero', '/dev/shm', '/etc/passwd', '', 'ttyUSB0', '/dev/tty\u0000', '/dev/ttyUSB0/..'),
      fc.string({ maxLength: 12 }),
    );
    const body = fc.oneof(
      rawBody.filter((b) => b === undefined || !/"drivers"|^\s*\{/.test(b)),
      fc.record({
        drivers: fc.array(fc.constantFrom('visca', 'nosuch', 'VISCA', '../visca', '', '__proto__'), { maxLength: 3 }),
        serialPorts: fc.oneof(fc.array(port, { maxLength: 3 }), fc.constant('x')),
        timeoutMs: fc.oneof(fc.integer({ min: -5, max: 250 }), fc.constantFrom('100', 1e9, 0.5)),
        wsDiscoveryAddress: fc.constantFrom('127.0.0.1', '192.168.1.255', 'x'),
        wsDiscoveryPort: fc.integer({ min: -1, max: 70000 }),
      }, { requiredKeys: ['drivers'] }).map((o) => JSON.stringify(o)),
    );
    // Fewer runs: a valid body waits its timeoutMs for answers that never come.
    await fc.assert(fc.asyncProperty(body, async (b) => void (await inject('POST', '/api/v1/discover', b))), params(60));
  }, timeoutFor(60, 1000));

  it('GET /audit and the technician routes: arbitrary queries, PINs and commands', async () => {
    const query = fc.array(fc.tuple(fc.constantFrom('from', 'to', 'limit', 'x', '__proto__'), fc.oneof(fc.constantFrom('2026-11', '2026-13-01', '-1', '0', '100000', '1e3', ''), fc.string({ maxLength: 10 }))), { maxLength: 3 })
      .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));
    const tech = fc.oneof(
      query.map((q) => ['GET', `/api/v1/audit?${q}`, undefined] as const),
      rawBody.map((b) => ['POST', '/api/v1/panel/tech/login', b] as const),
      fc.constantFrom(['GET', '/api/v1/panel/tech/session', undefined] as const, ['GET', '/api/v1/panel/tech/devices', undefined] as const, ['POST', '/api/v1/panel/tech/logout', undefined] as const, ['GET', '/tech', undefined] as const),
      fc.tuple(fc.constantFrom('display', 'mics', 'ghost', '__proto__'), fc.constantFrom('setVolume', 'muteMicrophones', 'powerOn', 'send', 'nosuch', 'toString'), rawBody)
        .map(([d, c, b]) => ['POST', `/api/v1/panel/tech/devices/${d}/commands/${c}`, b] as const),
    );
    await fc.assert(fc.asyncProperty(tech, async ([method, url, body]) => void (await inject(method, url, body))), params(200));
  }, timeoutFor(200, 150));

  it('arbitrary Host and Origin headers on any route: 421 or 403 with the error body, never a 5xx', async () => {
    const host = fc.oneof(
      fc.constantFrom('localhost', '127.0.0.1:1', '[::1]:8080', 'salle.lan', 'SALLE.LAN.', 'rebind.evil.example:8080', '', ':', '[', '[::1', '127.0.0.1.evil.example', 'localhost.evil.example', '0x7f000001', '2130706433', 'évil.example'),
      fc.string({ maxLength: 20 }).filter((s) => /^[\x21-\x7e]*$/.test(s)),
    );
    const origin = fc.option(fc.oneof(fc.constantFrom('null', 'http://evil.example', 'http://localhost', 'http://localhost:80', 'file://', 'http://[::1]', 'javascript:alert(1)'), fc.webUrl()), { nil: undefined });
    const route = fc.constantFrom(
      ['GET', '/api/v1/state'], ['POST', '/api/v1/meeting/end'], ['POST', '/api/v1/devices/mics/commands/muteMicrophones'], ['PATCH', '/api/v1/sessions/x'],
      ['DELETE', '/api/v1/state'], ['PUT', '/api/v1/state'], ['OPTIONS', '/api/v1/state'], ['GET', '/'], ['GET', '/tech'], ['POST', '/api/v1/config/reload'],
    );
    await fc.assert(
      fc.asyncProperty(route, host, origin, async ([method, url], h, o) => {
        const res = await inject(method!, url!, method === 'GET' || method === 'OPTIONS' ? undefined : '{}', { host: h, ...(o !== undefined ? { origin: o } : {}) });
        if (/evil\.example/.test(h)) expect(res.statusCode).toBe(421);
      }),
      params(300),
    );
  }, timeoutFor(300, 100));

  it('WebSocket messages over a real socket: exactly one answer each, with a known error code', async () => {
    const events = await openEvents(daemon.url);
    try {
      await events.next((m) => m.snapshot === true);
      const message = fc.oneof(
        rawBody.map((b) => b ?? ''),
        fc.record({
          type: fc.oneof(fc.constantFrom('command', 'ping', 'state', '__proto__'), fc.string({ maxLength: 6 })),
          id: fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)),
          device: fc.oneof(fc.constantFrom('display', 'mics', 'ghost'), fc.integer()),
          command: fc.oneof(fc.constantFrom('setVolume', 'muteMicrophones', 'unmuteMicrophones', 'powerOn', 'move', 'nosuch', 'constructor'), fc.string({ maxLength: 6 })),
          args: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ level: fc.integer({ min: -5, max: 105 }) })),
        }, { requiredKeys: ['type'] }).map((o) => JSON.stringify(o)),
      );
      let answers = 0;
      const counted = () => events.messages.filter((m) => m.type === 'result' || m.type === 'pong').length;
      await fc.assert(
        fc.asyncProperty(message, fc.boolean(), async (text, binary) => {
          events.ws.send(binary ? Buffer.from(text) : text);
          await eventually(counted, (n) => n > answers, 10_000);
          answers += 1;
          expect(counted()).toBe(answers);
          const last = events.messages.filter((m) => m.type === 'result' || m.type === 'pong').at(-1);
          if (last.type === 'result' && !last.ok) {
            expect(typeof last.error.message).toBe('string');
            expect(httpStatusOf(last.error.code), JSON.stringify(last)).toBeGreaterThanOrEqual(400);
            expect(last.error.code).not.toBe('Internal');
          }
        }),
        params(200),
      );
    } finally {
      events.close();
    }
  }, timeoutFor(200, 150));

  it('the daemon is still healthy afterwards, with nothing polluted', async () => {
    const res = await inject('GET', '/api/v1/health');
    expect(res.statusCode).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await eventually(() => daemon.room.devices().every((d) => d.online), Boolean, 10_000);
  });
});
