import { StringDecoder } from 'node:string_decoder';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_FRAME, answers, encodeMessage, interpret, padString, parseMessage, splitDcs, type DcsMessage } from '../../drivers/shure-dcs/protocol.ts';
import { cut, cutPoints, noisyBytes, params } from './fuzz-helpers.ts';

/**
 * Shure DCS command strings (drivers/shure-dcs/protocol.ts), read as driver.ts reads them: bytes →
 * StringDecoder('utf8') → splitDcs (its `rest` prepended to the next chunk) → parseMessage.
 * "After garbage": any bytes at all — a `<` always restarts a frame (channel names containing
 * `<` or `>` are unsupported by design, so generated values never contain them).
 */
const SPECIAL = ['<', '>', '{', '}', ' ', 'R', 'E', 'P'].map((c) => c.charCodeAt(0));

function frames(chunks: readonly Buffer[]): string[] {
  const decoder = new StringDecoder('utf8');
  let text = '';
  const out: string[] = [];
  for (const c of chunks) {
    const split = splitDcs(text + decoder.write(c));
    text = split.rest;
    expect(text.length).toBeLessThanOrEqual(MAX_FRAME);
    out.push(...split.frames);
  }
  return out;
}

const param = fc.stringMatching(/^[A-Z][A-Z_]{0,24}$/);
const plainValue = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
/** A `{padded string}` value: the device pads names to a fixed width; we get them back trimmed. */
const paddedValue = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9_.-]([A-Za-z0-9 _.-]{0,18}[A-Za-z0-9_.-])?$/), fc.integer({ min: 0, max: 12 }))
  .map(([name, extra]) => ({ wire: padString(name, name.length + extra), value: name }));
const value = fc.oneof(plainValue.map((v) => ({ wire: v, value: v })), paddedValue);

const messageArb: fc.Arbitrary<{ text: string; expected: DcsMessage }> = fc.oneof(
  fc
    .tuple(fc.constantFrom('GET', 'SET', 'REP' as const), fc.option(fc.integer({ min: 0, max: 99 }), { nil: null }), fc.constantFrom(1, 2 as const), param, fc.array(value, { maxLength: 3 }))
    .map(([type, index, digits, p, values]) => ({
      text: encodeMessage(type, p, { index, indexDigits: digits, values: values.map((v) => v.wire) }),
      expected: { type, index, param: p, values: values.map((v) => v.value) },
    })),
  fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 10 }).map((levels) => ({
    text: `< SAMPLE ${levels.map((l) => String(l).padStart(3, '0')).join(' ')} >`,
    expected: { type: 'SAMPLE', index: null, param: '', values: levels.map((l) => String(l).padStart(3, '0')) } as DcsMessage,
  })),
);

describe('fuzz: Shure DCS frames', () => {
  it('never throws on arbitrary bytes in arbitrary chunks, and what it holds stays bounded', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 400), cutPoints, (bytes, cuts) => {
        for (const f of frames(cut(bytes, cuts))) {
          const msg = parseMessage(f);
          if (msg) {
            interpret(msg);
            answers(msg, 'AUDIO_MUTE', 3, 'ON');
          }
        }
      }),
      params(400),
    );
  });

  it('parseMessage and interpret never throw on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (t) => {
        const m = parseMessage(t);
        if (m) interpret(m);
      }),
      params(500),
    );
  });

  it('round-trips GET/SET/REP/SAMPLE frames (indexes, padded strings), whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 6 }), fc.constantFrom('', '\r\n', ' '), cutPoints, (msgs, sep, cuts) => {
        const wire = Buffer.from(msgs.map((m) => m.text).join(sep), 'utf8');
        expect(frames(cut(wire, cuts)).map(parseMessage)).toEqual(msgs.map((m) => m.expected));
      }),
      params(400),
    );
  });

  it('regains sync: after any garbage, the next two frames parse', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 300), messageArb, messageArb, cutPoints, (garbage, a, b, cuts) => {
        const wire = Buffer.concat([garbage, Buffer.from(a.text + b.text, 'utf8')]);
        expect(frames(cut(wire, cuts)).slice(-2).map(parseMessage)).toEqual([a.expected, b.expected]);
      }),
      params(400),
    );
  });

  it('is split-invariant on arbitrary bytes', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 400), cutPoints, (bytes, cuts) => {
        expect(frames(cut(bytes, cuts))).toEqual(frames([Buffer.from(bytes)]));
      }),
      params(400),
    );
  });

  it('interpret reads back the values it is meant to: mute, gain, name', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), fc.boolean(), fc.integer({ min: 0, max: 1400 }), paddedValue, (index, muted, gain, name) => {
        const rep = (p: string, v: string) => parseMessage(splitDcs(encodeMessage('REP', p, { index, values: [v] })).frames[0]!)!;
        expect(interpret(rep('AUDIO_MUTE', muted ? 'ON' : 'OFF'))).toEqual({ kind: 'channelMute', index, muted });
        expect(interpret(rep('AUDIO_GAIN_HI_RES', String(gain).padStart(4, '0')))).toEqual({ kind: 'channelGain', index, gain });
        expect(interpret(rep('CHAN_NAME', name.wire))).toEqual({ kind: 'channelName', index, name: name.value });
      }),
      params(300),
    );
  });
});
