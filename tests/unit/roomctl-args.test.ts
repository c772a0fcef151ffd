import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.ts';
import { EXIT, errorFromResponse, queryString, unreachable } from '../../src/cli/client.ts';
import { UsageError, parseAssignments, parseValue } from '../../src/cli/values.ts';

describe('parseValue', () => {
  it.each([
    ['2', 2],
    ['-0.5', -0.5],
    ['0', 0],
    ['100', 100],
    ['true', true],
    ['false', false],
    ['null', null],
    ['hdmi1', 'hdmi1'],
    ['0612345678', '0612345678'], // a phone number keeps its leading zero
    ['+33612345678', '+33612345678'],
    ['1e3', '1e3'],
    ['1.', '1.'],
    ['sip:siege@pnr.example', 'sip:siege@pnr.example'],
    ['{"a":1}', { a: 1 }],
    ['[1,2]', [1, 2]],
    ['"42"', '42'],
    ['{not json', '{not json'],
    ['', ''],
    ['Pupitre', 'Pupitre'],
  ])('%j → %j', (raw, expected) => {
    expect(parseValue(raw)).toEqual(expected);
  });
});

describe('parseAssignments', () => {
  it('turns key=value pairs into command args', () => {
    expect(parseAssignments(['pan=0.5', 'tilt=-1', 'zoom=0', 'number=0612345678', 'data=81 01 06 01'])).toEqual({
      pan: 0.5,
      tilt: -1,
      zoom: 0,
      number: '0612345678',
      data: '81 01 06 01',
    });
  });

  it('key:= takes strict JSON', () => {
    expect(parseAssignments(['preset:="2"', 'x:=[1]'])).toEqual({ preset: '2', x: [1] });
    expect(() => parseAssignments(['x:={bad'])).toThrow(UsageError);
  });

  it.each([['level'], ['=3'], ['le vel=3'], ['1a=3']])('rejects %j', (item) => {
    expect(() => parseAssignments([item])).toThrow(UsageError);
  });

  it('rejects a key given twice', () => {
    expect(() => parseAssignments(['level=1', 'level=2'])).toThrow(/given twice/);
  });
});

describe('parseCommandLine', () => {
  const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(argv, env);

  it('reads ROOMD_URL and ROOMD_TOKEN, and the options override them', () => {
    expect(parse(['state']).globals).toEqual({ url: 'http://127.0.0.1:8080', json: false, timeoutMs: 120_000 });
    expect(parse(['state'], { ROOMD_URL: 'http://room.lan:8080/', ROOMD_TOKEN: 'abc' }).globals).toEqual({ url: 'http://room.lan:8080', token: 'abc', json: false, timeoutMs: 120_000 });
    expect(parse(['--url', 'http://x:1', '--token', 't', '--json', '--timeout', '5', 'state'], { ROOMD_URL: 'http://y', ROOMD_TOKEN: 'u' }).globals).toEqual({ url: 'http://x:1', token: 't', json: true, timeoutMs: 5000 });
  });

  it.each([
    [['state'], { cmd: 'state' }],
    [['devices', '--json'], { cmd: 'devices' }],
    [['device', 'camera'], { cmd: 'device', id: 'camera', args: {} }],
    [['device', 'camera', 'recallPreset', 'preset=2'], { cmd: 'device', id: 'camera', command: 'recallPreset', args: { preset: 2 } }],
    [['device', 'display', 'powerOn'], { cmd: 'device', id: 'display', command: 'powerOn', args: {} }],
    [['meeting', 'start'], { cmd: 'meeting', action: 'start', body: {} }],
    [
      ['meeting', 'start', '--organisation', 'PNR', '--dial', 'sip:x@y', '--title', 'CA', '--travel', 'montpellier=3', '--travel', 'nimes=1'],
      { cmd: 'meeting', action: 'start', body: { organisation: 'PNR', dial: 'sip:x@y', title: 'CA', avoidedTravel: [{ site: 'montpellier', people: 3 }, { site: 'nimes', people: 1 }] } },
    ],
    [['meeting', 'end', '--travel', 'montpellier=2'], { cmd: 'meeting', action: 'end', body: { avoidedTravel: [{ site: 'montpellier', people: 2 }] } }],
    [['sessions'], { cmd: 'sessions', csv: false, query: {} }],
    [['sessions', '--csv', '--from', '2026-11', '--to', '2026-12', '--organization', 'PNR', '--limit', '10'], { cmd: 'sessions', csv: true, query: { from: '2026-11', to: '2026-12', organisation: 'PNR', limit: '10' } }],
    [['report', '--month', '2026-11'], { cmd: 'report', query: { from: '2026-11', to: '2026-11' } }],
    [['report'], { cmd: 'report', query: {} }],
    [['logs', '--follow'], { cmd: 'logs', follow: true }],
    [['logs', '-f'], { cmd: 'logs', follow: true }],
    [['logs'], { cmd: 'logs', follow: false }],
    [[], { cmd: 'help' }],
    [['--help', 'state'], { cmd: 'help' }],
  ])('%j', (argv, invocation) => {
    expect(parse(argv).invocation).toEqual(invocation);
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['meeting'], /start' or 'end'/],
    [['meeting', 'pause'], /start' or 'end'/],
    [['device'], /needs an ID/],
    [['device', 'camera', 'recall-preset'], /not a command name/],
    [['device', 'camera', 'move', 'pan'], /expected key=value/],
    [['state', 'extra'], /takes no argument/],
    [['state', '--csv'], /--csv does not apply to 'state'/],
    [['meeting', 'end', '--dial', 'x'], /--dial does not apply/],
    [['report', '--month', '2026-13'], /YYYY-MM/],
    [['report', '--month', '2026-11', '--from', '2026-01'], /not both/],
    [['sessions', '--limit', 'ten'], /whole number/],
    [['meeting', 'start', '--travel', 'montpellier'], /SITE=PEOPLE/],
    [['--timeout', '0', 'state'], /--timeout/],
    [['--url', 'room.lan:8080', 'state'], /http\(s\) URL/],
    [['--bogus', 'state'], /bogus/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});

describe('exit codes from answers', () => {
  it.each([
    [404, '{"error":{"code":"UnknownDevice","message":"unknown device \'nope\'"}}', EXIT.failed, "unknown device 'nope' (UnknownDevice)"],
    [400, '{"error":{"code":"BadArgs","message":"args.level: Expected integer"}}', EXIT.failed, 'args.level: Expected integer (BadArgs)'],
    [503, '{"error":{"code":"DeviceOffline","message":"camera is offline"}}', EXIT.failed, 'camera is offline (DeviceOffline)'],
    [504, '{"error":{"code":"DeviceTimeout","message":"camera.home: no answer within 5000 ms"}}', EXIT.failed, 'camera.home: no answer within 5000 ms (DeviceTimeout)'],
    [401, '{"error":{"code":"Unauthorized","message":"unknown token"}}', EXIT.auth, 'unknown token (Unauthorized)'],
    [403, '{"error":{"code":"Forbidden","message":"the panel role may not do this"}}', EXIT.auth, 'the panel role may not do this (Forbidden)'],
    [502, '<html>\nBad Gateway</html>', EXIT.failed, 'HTTP 502: <html>'],
    [500, '', EXIT.failed, 'HTTP 500'],
  ])('HTTP %i', (status, body, exitCode, message) => {
    const err = errorFromResponse(status, body);
    expect(err.exitCode).toBe(exitCode);
    expect(err.message).toBe(message);
  });

  it('connection failures are exit 3 with a hint', () => {
    const refused = unreachable('http://127.0.0.1:8080', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 1000);
    expect(refused.exitCode).toBe(EXIT.unreachable);
    expect(refused.message).toBe('cannot reach roomd at http://127.0.0.1:8080: ECONNREFUSED — is roomd running? (systemctl status roomd)');
    const slow = unreachable('http://x', Object.assign(new Error('timeout'), { name: 'TimeoutError' }), 5000);
    expect(slow.message).toBe('roomd at http://x did not answer within 5 s');
    expect(slow.exitCode).toBe(EXIT.unreachable);
  });

  it('queryString', () => {
    expect(queryString({})).toBe('');
    expect(queryString({ from: '2026-11', organisation: 'PNR & co' })).toBe('?from=2026-11&organisation=PNR+%26+co');
  });
});
