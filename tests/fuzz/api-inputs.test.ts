import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COMMANDS } from '../../src/core/capabilities.ts';
import { httpStatusOf, type ErrorCode } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { CommandHandler, type MqttResult } from '../../src/api/mqtt/commands.ts';
import type { IncomingTopic } from '../../src/api/mqtt/topics.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { params, timeoutFor } from './fuzz-helpers.ts';

/**
 * The REST surface (and, at the end, the MQTT command handler) under arbitrary input, in-process
 * through fastify's `inject` (no sockets): a daemon with a simulated Samsung display and Shure
 * mics. For every answer: no 500 ever; a 4xx
 * is `{ error: { code, message } }` with the status the code maps to; a 5xx is only the
 * contract's device outcomes (DeviceError 502, DeviceOffline 503, DeviceTimeout 504) — the
 * simulated devices are real enough to refuse or time out a fuzzed raw command. The daemon must
 * still answer GET /api/v1/health with 200 afterwards.
 */
const YAML = `
room: { id: fuzz-room, name: "Fuzz room", organisations: [PNR] }
http: { rateLimitPerMinute: 1000000 }
devices:
  display: { driver: samsung-mdc, transport: { type: sim }, options: { replyTimeoutMs: 300 } }
  mics: { driver: shure-dcs, transport: { type: sim }, options: { replyTimeoutMs: 300 } }
scenes:
  meetingStart:
    - { device: display, command: powerOn }
    - { device: mics, command: unmuteMicrophones }
  meetingEnd:
    - { device: mics, command: muteMicrophones }
    - { device: display, command: powerOff }
`;

const ERROR_CODES: readonly ErrorCode[] = [
  'BadRequest', 'BadArgs', 'Unauthorized', 'Forbidden', 'ForeignHost', 'UnknownDevice', 'UnknownCommand', 'NotFound', 'Unsupported', 'Conflict',
  'PayloadTooLarge', 'RateLimited', 'DeviceError', 'DeviceOffline', 'DeviceTimeout', 'Superseded', 'ConfigError', 'Internal',
];
const DEVICE_OUTCOMES = new Set(['DeviceError', 'DeviceOffline', 'DeviceTimeout']);
const COMMAND_NAMES = [...COMMANDS.keys()];

/** Raw request bodies: JSON values, broken JSON, deep nesting, huge numbers, unicode, prototype keys. */
const rawBody: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', 'null', '{}', '[]', '"x"', '{"level":50}', '{"level":1e999}', '{"level":-0}', '{"level":50.5}', '{"level":"50"}',
      '{"level":123456789012345678901234567890}', '{"input":"hdmi1"}', '{"input":"constructor"}', '{"input":"__proto__"}',
      '{"__proto__":{"level":50}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"__proto__":{"polluted":true},"level":5}',
      '{"preset":"__proto__"}', '{"preset":1e308}', '{"number":"\\u0000\\u202e"}', '{"data":"< GET DEVICE_AUDIO_MUTE >"}',
      '{"data":"AA 11 00 01 01 13"}', '{"digits":"1#*"}', `${'['.repeat(5000)}${']'.repeat(5000)}`, `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
      '{"a":1', '\u0000', '\ufeff{}', `{"level":${'9'.repeat(400)}}`,
    ),
  },
);

/** Per command, bodies that pass its schema often enough to reach the device queue and driver. */
function plausibleArgs(command: string): fc.Arbitrary<string> {
  const unit = fc.double({ min: -1.2, max: 1.2, noNaN: true });
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    setVolume: fc.record({ level: fc.oneof(fc.integer({ min: -5, max: 105 }), fc.double()) }),
    selectInput: fc.record({ input: fc.oneof(fc.constantFrom('hdmi1', 'hdmi2', 'dp', 'HDMI 1', 'tv', 'nosuch', 'toString', 'constructor'), fc.string({ maxLength: 10 })) }),
    recallPreset: fc.record({ preset: fc.oneof(fc.integer({ min: -1, max: 300 }), fc.string({ maxLength: 8 })) }),
    storePreset: fc.record({ preset: fc.oneof(fc.integer({ min: -1, max: 300 }), fc.string({ maxLength: 8 })) }),
    goto: fc.record({ pan: unit, tilt: unit, zoom: unit }, { requiredKeys: ['pan', 'tilt'] }),
    move: fc.record({ pan: unit, tilt: unit, zoom: unit }, { requiredKeys: [] }),
    dial: fc.record({ number: fc.string({ maxLength: 20 }) }),
    dtmf: fc.record({ digits: fc.stringMatching(/^[0-9*#A-Da-dx]{0,4}$/) }),
    send: fc.record({ data: fc.oneof(fc.constantFrom('< GET DEVICE_AUDIO_MUTE >', '< SET DEVICE_AUDIO_MUTE ON >', 'AA 00 00 00 00', 'AA 11 00 01 01 13', 'nonsense'), fc.string({ maxLength: 12 })) }),
  };
  const args = Object.hasOwn(fields, command) ? fields[command]! : fc.constant({});
  // Now and then an extra key, which the schemas refuse (additionalProperties: false).
  return fc.tuple(args, fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('extra', '__proto__') })).map(([a, extra]) => {
    const text = JSON.stringify(a);
    return extra ? text.replace(/^\{/, `{"${extra}":1${text === '{}' ? '' : ','}`) : text;
  });
}

const deviceId = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('display', 'mics') }, { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', '..', '%2e%2e', 'ghost')) });
const commandName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...COMMAND_NAMES) }, { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'toString', 'constructor')) });
/** A command name and its body: arbitrary, or plausible for that very command. */
const request: fc.Arbitrary<[string, string | undefined]> = commandName.chain((name) =>
  fc.oneof({ weight: 1, arbitrary: rawBody }, { weight: 1, arbitrary: plausibleArgs(name) }).map((body): [string, string | undefined] => [name, body]),
);
const contentType = fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined) });

describe('fuzz: REST inputs', () => {
  let daemon: TestDaemon;
  const statuses = new Map<number, number>();

  async function inject(method: 'GET' | 'POST', url: string, body?: string, type?: string) {
    const res = await daemon.app.inject({ method, url, ...(body !== undefined ? { payload: body } : {}), headers: type ? { 'content-type': type } : {} });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const where = `${method} ${url.slice(0, 120)} ${JSON.stringify((body ?? '').slice(0, 120))} → ${res.statusCode} ${res.body.slice(0, 200)}`;
    expect(res.statusCode, where).not.toBe(500);
    if (res.statusCode >= 400) {
      let parsed: { error?: { code?: unknown; message?: unknown } };
      try {
        parsed = res.json();
      } catch {
        throw new Error(`error answer is not JSON: ${where}`);
      }
      expect(typeof parsed.error?.message, where).toBe('string');
      const code = parsed.error?.code as ErrorCode;
      expect(ERROR_CODES, where).toContain(code);
      expect(httpStatusOf(code), where).toBe(res.statusCode);
      if (res.statusCode >= 500) expect(DEVICE_OUTCOMES.has(code), where).toBe(true);
    }
    return res;
  }

  beforeAll(async () => {
    daemon = await startTestDaemon(YAML);
    await eventually(() => daemon.room.devices().every((d) => d.online), Boolean, 10_000);
  });

  afterAll(async () => {
    if (daemon) {
      // Whatever the fuzzing did, no meeting is left running and the daemon still answers.
      await daemon.app.inject({ method: 'POST', url: '/api/v1/meeting/end', payload: '{}', headers: { 'content-type': 'application/json' } });
      await daemon.close();
    }
  });

  it('POST /devices/:id/commands/:command: arbitrary bodies never give a 500 or a malformed error', async () => {
    await fc.assert(
      fc.asyncProperty(deviceId, request, contentType, async (id, [command, body], type) => {
        const res = await inject('POST', `/api/v1/devices/${encodeURIComponent(id)}/commands/${encodeURIComponent(command)}`, body, type);
        if (res.statusCode === 200) expect(res.json()).toMatchObject({ ok: true });
      }),
      params(300),
    );
  }, timeoutFor(300, 100));

  it('POST /meeting/start and /end: arbitrary bodies never give a 500; any meeting started is ended', async () => {
    const travel = fc.array(fc.record({ site: fc.string({ maxLength: 8 }), people: fc.integer({ min: -1, max: 600 }), carpool: fc.oneof(fc.boolean(), fc.integer({ min: 0, max: 3 })) }, { requiredKeys: ['site'] }), { maxLength: 3 });
    const meetingBody = fc.oneof(
      { weight: 3, arbitrary: rawBody },
      { weight: 1, arbitrary: fc.record({ organisation: fc.string({ maxLength: 130 }), title: fc.string({ maxLength: 10 }), dial: fc.string({ maxLength: 5 }), avoidedTravel: travel }, { requiredKeys: [] }).map((o) => JSON.stringify(o)) },
    );
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('start', 'end'), meetingBody, contentType, async (action, body, type) => {
          await inject('POST', `/api/v1/meeting/${action}`, body, type);
        }),
        params(150),
      );
    } finally {
      await inject('POST', '/api/v1/meeting/end', '{}', 'application/json');
    }
    const state = await inject('GET', '/api/v1/state');
    expect(state.json().meeting).toMatchObject({ active: false });
  }, timeoutFor(150, 200));

  it('GET /sessions, /sessions.csv and /report: arbitrary query strings never give a 500', async () => {
    const date = fc.oneof(
      fc.stringMatching(/^\d{4}-\d{2}(-\d{2}(T[0-9:.]{1,12}(Z|[+-]\d{2}:?\d{2})?)?)?$/),
      fc.constantFrom('2026-11', '2026-13', '2026-00', '2026-02-31', '0000-01-01', '9999-12-31', '2026-11-03T99:99', '2026-11-03T::', '2026-11-03T10:00:00.000Z', '1970-01-01T00:00+14:00'),
      fc.string({ maxLength: 12 }),
    );
    const value = fc.oneof(date, fc.nat().map(String), fc.constantFrom('0', '-1', '99999', '1e3', '', '1', 'true', ';', ','), fc.string({ unit: 'binary', maxLength: 12 }));
    const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('from', 'to', 'organisation', 'limit', 'offset', 'bom', 'delimiter') }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'from[]', 'x', '') });
    const query = fc.oneof(
      { weight: 4, arbitrary: fc.array(fc.tuple(key, value), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')) },
      { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('%', '%zz', 'from=%E0%A4%A', '&&==&', 'from=2026-11&from=2026-12', 'limit=1&limit=2', '__proto__[x]=1')) },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/v1/sessions', '/api/v1/sessions.csv', '/api/v1/report'), query, async (path, q) => {
        await inject('GET', `${path}?${q.replace(/[#\s]/g, '')}`);
      }),
      params(300),
    );
  }, timeoutFor(300, 100));

  it('MQTT CommandHandler on the same daemon: every message gets exactly one result, ok:false with a known code for garbage', async () => {
    const results: MqttResult[] = [];
    const handler = new CommandHandler(daemon.ctx, 'technician', (r) => results.push(r), silentLogger);
    const incoming: fc.Arbitrary<IncomingTopic> = fc.oneof(
      fc.constant({ kind: 'meeting' as const }),
      deviceId.map((device) => ({ kind: 'device' as const, device })),
      fc.tuple(deviceId, fc.oneof(fc.constantFrom('power', 'volume', 'input', 'micMute', 'raw', 'ptz', 'call'), fc.string({ maxLength: 8 }))).map(([device, capability]) => ({ kind: 'capability' as const, device, capability })),
    );
    const payload = fc.oneof(
      rawBody.map((b) => b ?? ''),
      request.map(([command, body]) => `{"command":${JSON.stringify(command)},"args":${body ?? '{}'},"id":"r1"}`),
      fc.constantFrom('ON', 'OFF', 'on', '42', '101', '-1', 'MUTE', 'UP', 'HOME', '3', 'hdmi2', 'start', 'end', '{"action":"end"}', '{"action":"start","dial":"x"}'),
    );
    try {
      await fc.assert(
        fc.asyncProperty(incoming, payload, async (topic, text) => {
          const before = results.length;
          handler.handle(topic, Buffer.from(text, 'utf8'), {});
          await eventually(() => results.length, (n) => n > before, 10_000);
          expect(results.length).toBe(before + 1);
          const r = results[before]!;
          if (!r.ok) {
            const where = `${JSON.stringify(topic)} ${JSON.stringify(text.slice(0, 100))} → ${JSON.stringify(r.error)}`;
            expect(ERROR_CODES, where).toContain(r.error?.code);
            expect(r.error?.code, where).not.toBe('Internal');
            expect(typeof r.error?.message, where).toBe('string');
          }
        }),
        params(200),
      );
    } finally {
      await inject('POST', '/api/v1/meeting/end', '{}', 'application/json');
    }
  }, timeoutFor(200, 100));

  it('the daemon is still healthy afterwards', async () => {
    const res = await inject('GET', '/api/v1/health');
    expect(res.statusCode).toBe(200);
    expect(res.json().devices).toEqual({ display: expect.any(Boolean), mics: expect.any(Boolean) });
    // Both simulated devices reconnect if fuzzed raw commands upset them.
    await eventually(() => daemon.room.devices().every((d) => d.online), Boolean, 10_000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
  });
});
