import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  NetstringReader,
  decodeMessage,
  dialTargetProblem,
  encodeCommand,
  encodeNetstring,
  normaliseNumber,
  parseListCalls,
  parseMuteReply,
  splitNetstrings,
  type CtrlMessage,
} from '../../drivers/baresip/protocol.ts';
import { cut, cutPoints, feed, hex, noisyBytes, params } from './fuzz-helpers.ts';

/**
 * baresip ctrl_tcp netstrings (drivers/baresip/protocol.ts) through NetstringReader, as the
 * driver reads them. After any garbage — even digits that glue onto the next length, or a
 * `<digits>:{` that looks like a long frame still arriving — the frames that follow are decoded.
 */
const SPECIAL = [0x3a, 0x2c, 0x7b, 0x7d, 0x30, 0x31, 0x35, 0x39];

function payloads(chunks: readonly Buffer[]): Buffer[] {
  const reader = new NetstringReader();
  return feed(chunks, (c) => reader.push(c));
}

/** A ctrl_tcp message as baresip sends it: a JSON object (any keys, any unicode). */
const jsonObject = fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }).map((o) => JSON.stringify(o));
const token = fc.stringMatching(/^[a-z0-9]{1,8}$/);

const messageArb: fc.Arbitrary<{ json: string; expected: CtrlMessage }> = fc.oneof(
  fc.tuple(fc.boolean(), fc.string({ unit: 'binary', maxLength: 40 }), fc.option(token, { nil: undefined })).map(([ok, data, t]) => ({
    json: JSON.stringify({ response: true, ok, data, ...(t !== undefined ? { token: t } : {}) }),
    expected: { kind: 'response', ok, data, ...(t !== undefined ? { token: t } : {}) } as CtrlMessage,
  })),
  fc
    .tuple(fc.constantFrom('CALL_INCOMING', 'CALL_RINGING', 'CALL_ESTABLISHED', 'CALL_CLOSED'), fc.constantFrom('incoming', 'outgoing' as const), fc.string({ unit: 'binary', maxLength: 30 }), token)
    .map(([type, direction, peeruri, id]) => ({
      json: JSON.stringify({ event: true, type, class: 'call', direction, peeruri, id }),
      expected: { kind: 'event', type, class: 'call', direction, peeruri, id } as CtrlMessage,
    })),
);

describe('fuzz: baresip netstrings', () => {
  it('never throws on arbitrary bytes in arbitrary chunks; every payload it returns decodes without throwing', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 400), cutPoints, (bytes, cuts) => {
        for (const p of payloads(cut(bytes, cuts))) decodeMessage(p);
      }),
      params(400),
    );
  });

  it('decodeMessage never throws on any text; non-objects are invalid', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.jsonValue().map((v) => JSON.stringify(v))), (t) => {
        const m = decodeMessage(t);
        let parsed: unknown;
        try {
          parsed = JSON.parse(t);
        } catch {
          parsed = undefined;
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) expect(m.kind).toBe('invalid');
      }),
      params(500),
    );
  });

  it('round-trips JSON payloads (UTF-8 lengths counted in bytes), whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(jsonObject, { maxLength: 6 }), cutPoints, (objects, cuts) => {
        const wire = Buffer.concat(objects.map((o) => encodeNetstring(o)));
        expect(payloads(cut(wire, cuts)).map((p) => p.toString('utf8'))).toEqual(objects);
      }),
      params(400),
    );
  });

  it('round-trips responses and events through decodeMessage, and commands through encodeCommand', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 5 }), fc.string({ unit: 'binary', maxLength: 30 }), token, cutPoints, (msgs, params_, t, cuts) => {
        const wire = Buffer.concat(msgs.map((m) => encodeNetstring(m.json)));
        expect(payloads(cut(wire, cuts)).map(decodeMessage)).toEqual(msgs.map((m) => m.expected));
        const cmd = payloads([encodeCommand({ command: 'dial', params: params_, token: t })]);
        expect(cmd.map((p) => JSON.parse(p.toString('utf8')))).toEqual([{ command: 'dial', ...(params_ !== '' ? { params: params_ } : {}), token: t }]);
      }),
      params(300),
    );
  });

  it('regains sync: any garbage, then two messages decode', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 300), messageArb, messageArb, cutPoints, (garbage, a, b, cuts) => {
        const wire = Buffer.concat([garbage, encodeNetstring(a.json), encodeNetstring(b.json)]);
        expect(payloads(cut(wire, cuts)).slice(-2).map(decodeMessage)).toEqual([a.expected, b.expected]);
      }),
      params(400),
    );
  });

  it('regains sync when garbage digits glue onto the length of the one frame that follows ("5" + "79:{…},")', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,4}$/), messageArb, cutPoints, (digits, a, cuts) => {
        const wire = Buffer.concat([Buffer.from(digits, 'latin1'), encodeNetstring(a.json)]);
        expect(payloads(cut(wire, cuts)).slice(-1).map(decodeMessage)).toEqual([a.expected]);
      }),
      params(300),
    );
  });

  it('is split-invariant on arbitrary byte streams', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 300), cutPoints, (bytes, cuts) => {
        expect(hex(payloads(cut(bytes, cuts)))).toEqual(hex(payloads([Buffer.from(bytes)])));
      }),
      params(400),
    );
  });

  it('text helpers never throw: listcalls, mute reply, dial target checks', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (t) => {
        parseListCalls(t);
        parseMuteReply(t);
        const target = normaliseNumber(t, 'example.org');
        const problem = dialTargetProblem(target);
        if (problem === undefined) {
          // What we accept must fit baresip's command buffer and stay one token.
          expect(Buffer.byteLength(target)).toBeLessThanOrEqual(240);
          expect(/[\s"<>]/.test(target)).toBe(false);
        }
        splitNetstrings(Buffer.from(t, 'utf8'));
      }),
      params(400),
    );
  });
});
