import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  classifyPactlError,
  overallPercent,
  parseEventLine,
  parseInfo,
  parseListJson,
  parseListShort,
  parseMute,
  parsePactlVersion,
  parseVolume,
  volumeArg,
} from '../../drivers/pulse/protocol.ts';
import { noisyText, params } from './fuzz-helpers.ts';

/**
 * The pactl output parsers (drivers/pulse/protocol.ts). pactl output arrives whole per call (and
 * `pactl subscribe` line by line through splitLines, fuzzed in framers.test.ts), so the properties
 * here are "never throws on any text" and "reads back what pactl prints".
 */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  noisyText(["Event '", "' on ", ' #', 'change', 'sink', 'Volume:', 'front-left: ', ' / ', '%', 'Mute: ', 'yes', '\n', '\t', ':', 'pactl ', '16.1']),
);

describe('fuzz: pactl parsers', () => {
  it('no text parser throws on any text, and what they return is in range', () => {
    fc.assert(
      fc.property(text, (t) => {
        const e = parseEventLine(t);
        if (e) expect(Number.isSafeInteger(e.index)).toBe(true);
        expect([true, false, null]).toContain(parseMute(t));
        const v = parseVolume(t);
        if (v !== null) expect(v >= 0 && v <= 100).toBe(true);
        const short = parseListShort(t);
        for (const entry of short.entries) expect(Number.isInteger(entry.index)).toBe(true);
        parseInfo(t);
        parsePactlVersion(t);
        expect(['offline', 'refused']).toContain(classifyPactlError(t));
      }),
      params(500),
    );
  });

  it('parseListJson throws only a plain Error for non-arrays, and never for any JSON array', () => {
    const entry = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({
        index: fc.oneof(fc.nat(), fc.double()),
        name: fc.string(),
        mute: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
        volume: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 12 }), fc.record({ value: fc.oneof(fc.nat({ max: 200_000 }), fc.double()), value_percent: fc.oneof(fc.nat({ max: 300 }).map((n) => `${n}%`), fc.string()) }, { requiredKeys: [] })),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), (list, other) => {
        for (const o of parseListJson(JSON.stringify(list))) {
          if (o.volume !== null) expect(o.volume >= 0 && o.volume <= 100).toBe(true);
        }
        if (!Array.isArray(other)) expect(() => parseListJson(JSON.stringify(other))).toThrow(Error);
      }),
      params(400),
    );
  });

  it('reads back what pactl prints: events, mute, volume, short lists, version', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.@-]{1,30}$/);
    fc.assert(
      fc.property(
        fc.constantFrom('new', 'change', 'remove' as const),
        fc.constantFrom('sink', 'source', 'sink-input', 'server', 'card'),
        fc.nat({ max: 0xffffffff }),
        fc.boolean(),
        fc.array(fc.nat({ max: 153 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat({ max: 9999 }), name), { maxLength: 5 }),
        fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 99 })),
        (type, facility, index, muted, percents, rows, [major, minor]) => {
          expect(parseEventLine(`Event '${type}' on ${facility} #${index}`)).toEqual({ type, facility, index });
          expect(parseMute(`Mute: ${muted ? 'yes' : 'no'}\n`)).toBe(muted);
          const volume = `Volume: ${percents.map((p, i) => `ch${i}: ${Math.round((p / 100) * 65536)} / ${p}% / 0.00 dB`).join(',   ')}\n        balance 0.00`;
          expect(parseVolume(volume)).toBe(Math.min(100, Math.max(...percents)));
          expect(parseListShort(rows.map(([i, n]) => `${i}\t${n}\tmodule-null-sink.c\ts16le 2ch 44100Hz\tIDLE`).join('\n')).entries).toEqual(rows.map(([i, n]) => ({ index: i, name: n })));
          expect(parsePactlVersion(`pactl ${major}.${minor}\nCompiled with libpulse ${major}.${minor}.0\n`)).toEqual([major, minor]);
        },
      ),
      params(400),
    );
  });

  it('volume helpers clamp to 0–100 for any number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.array(fc.double(), { maxLength: 5 }), (level, channels) => {
        expect(volumeArg(level)).toMatch(/^(\d|[1-9]\d|100)%$/);
        const p = overallPercent(channels);
        if (p !== null) expect(p >= 0 && p <= 100).toBe(true);
      }),
      params(300),
    );
  });
});
