import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CAPABILITY_NAMES } from '../../src/core/capabilities.ts';
import { RoomError } from '../../src/core/errors.ts';
import {
  MAX_PAYLOAD_BYTES,
  meetingWord,
  microphonesWord,
  parseCapabilitySet,
  parseMicrophonesBody,
  parseDeviceSet,
  parseJsonObject,
  parseMeetingBody,
  payloadText,
  requestIdOf,
  type CommandRequest,
  type MeetingRequest,
  type MicrophonesRequest,
} from '../../src/api/mqtt/payloads.ts';
import { Topics } from '../../src/api/mqtt/topics.ts';
import { params } from './fuzz-helpers.ts';

/**
 * The pure MQTT payload parsers (src/api/mqtt/payloads.ts), composed as CommandHandler composes
 * them. Any payload either yields a request or throws a RoomError with a client-fault code —
 * never another exception. (The handler itself, against a live daemon, is fuzzed in
 * api-inputs.test.ts.)
 */
const CLIENT_CODES = new Set(['BadRequest', 'BadArgs', 'UnknownCommand', 'PayloadTooLarge']);

type Parsed = { meeting: MeetingRequest } | { microphones: MicrophonesRequest } | { command: CommandRequest; id?: string | number };

function parse(topic: { kind: 'meeting' } | { kind: 'microphones' } | { kind: 'device' } | { kind: 'capability'; capability: string }, payload: Uint8Array): Parsed {
  const text = payloadText(payload);
  if (topic.kind === 'meeting') return { meeting: meetingWord(text) ?? parseMeetingBody(parseJsonObject(text, 'meeting/set')) };
  if (topic.kind === 'microphones') return { microphones: microphonesWord(text) ?? parseMicrophonesBody(parseJsonObject(text, 'meeting/microphones/set')) };
  if (topic.kind === 'device') {
    const body = parseJsonObject(text, 'x/set');
    const id = requestIdOf(body);
    return { command: parseDeviceSet(body), ...(id !== undefined ? { id } : {}) };
  }
  return { command: parseCapabilitySet(topic.capability, text) };
}

function outcome(fn: () => Parsed): Parsed | RoomError {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RoomError) return err;
    throw err;
  }
}

const topic = fc.oneof(
  fc.constant({ kind: 'meeting' as const }),
  fc.constant({ kind: 'microphones' as const }),
  fc.constant({ kind: 'device' as const }),
  fc.oneof(fc.constantFrom(...CAPABILITY_NAMES), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 10 })).map((capability) => ({ kind: 'capability' as const, capability })),
);
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 80 }).map((s) => Buffer.from(s, 'utf8')),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v), 'utf8')),
  fc.constantFrom('{"__proto__":{"x":1},"command":"powerOn"}', '{"command":"setVolume","args":{"__proto__":{"level":5}}}', '{"action":"start","__proto__":1}', '{"command":"a","id":1e999}', `${'['.repeat(4000)}${']'.repeat(4000)}`, ' ON ', 'start', '42.5', '1e400').map((s) => Buffer.from(s)),
);

describe('fuzz: MQTT payload parsers', () => {
  it('any payload on any topic yields a request or a client-fault RoomError, nothing else', () => {
    fc.assert(
      fc.property(topic, payload, (t, p) => {
        const r = outcome(() => parse(t, p));
        if (r instanceof RoomError) expect(CLIENT_CODES.has(r.code), `${r.code}: ${r.message}`).toBe(true);
        else if ('command' in r) {
          expect(typeof r.command.command).toBe('string');
          expect(r.command.args !== null && typeof r.command.args === 'object' && !Array.isArray(r.command.args)).toBe(true);
        } else if ('microphones' in r) expect(typeof r.microphones.muted).toBe('boolean');
        else expect(['start', 'end']).toContain(r.meeting.action);
      }),
      params(500),
    );
  });

  it('oversized payloads are refused before decoding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), (extra) => {
        const r = outcome(() => parse({ kind: 'device' }, Buffer.alloc(MAX_PAYLOAD_BYTES + extra, 0x7b)));
        expect(r instanceof RoomError && r.code === 'PayloadTooLarge').toBe(true);
      }),
      params(50),
    );
  });

  it('round-trips JSON device commands and their ids', () => {
    const id = fc.oneof(fc.string({ minLength: 1, maxLength: 128 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    const args = fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), fc.option(args, { nil: undefined }), fc.option(id, { nil: undefined }), (command, a, i) => {
        const body = JSON.stringify({ command, ...(a !== undefined ? { args: a } : {}), ...(i !== undefined ? { id: i } : {}) });
        const r = parse({ kind: 'device' }, Buffer.from(body, 'utf8'));
        expect(r).toEqual({ command: { command, args: JSON.parse(JSON.stringify(a ?? {})) }, ...(i !== undefined ? { id: JSON.parse(JSON.stringify(i)) } : {}) });
      }),
      params(400),
    );
  });

  it('round-trips plain payloads: levels, ON/OFF in any case, preset numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.mixedCase(fc.constantFrom('on', 'off')), fc.nat({ max: 999 }), fc.constantFrom('', ' ', '\n', '\t'), (level, word, preset, pad) => {
        expect(parseCapabilitySet('volume', `${pad}${level}${pad}`)).toEqual({ command: 'setVolume', args: { level } });
        expect(parseCapabilitySet('power', word).command).toBe(word.toUpperCase() === 'ON' ? 'powerOn' : 'powerOff');
        expect(parseCapabilitySet('ptz', String(preset))).toEqual({ command: 'recallPreset', args: { preset } });
      }),
      params(300),
    );
  });

  it('topic parsing never throws and only accepts the room\'s set topics', () => {
    const topics = new Topics('roomd/', 'fuzz');
    const segment = fc.oneof(fc.constantFrom('roomd', 'fuzz', 'set', 'display', 'power', 'meeting', '', '+', '#', '__proto__'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const parsed = topics.parse(segments.join('/'));
        if (parsed) expect(segments.join('/').startsWith('roomd/fuzz/') && segments[segments.length - 1] === 'set').toBe(true);
      }),
      params(300),
    );
  });
});
