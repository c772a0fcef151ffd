import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createFramer } from '../../src/transports/framers.ts';
import { XapiReader, interpretStatus, parseLine, splitResultId, splitXapi, encodeLine, quoteValue, type XapiMessage } from '../../drivers/cisco-xapi/protocol.ts';
import { cut, cutPoints, feed, hex, noisyBytes, params } from './fuzz-helpers.ts';

/**
 * Cisco xAPI terminal output (drivers/cisco-xapi/protocol.ts), framed and read exactly as
 * driver.ts does: createFramer(splitXapi()) → utf8 → XapiReader.push. "After garbage": any bytes,
 * then one line feed; every block after it is owed to us (a stray open block is flushed first).
 */
const SPECIAL = [0x0a, 0x0d, 0x2a, 0x20, 0x3a, 0x22, 0x73, 0x72, 0x65];

function messages(chunks: readonly Buffer[]): XapiMessage[] {
  const framer = createFramer(splitXapi());
  const reader = new XapiReader();
  return feed(chunks, (c) => framer.push(c)).flatMap((f) => reader.push(f.toString('utf8')));
}

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,11}$/);
const plain = fc.stringMatching(/^[!#-~]([ !#-\[\]-~]{0,20}[!#-~])?$/); // printable, no quote or backslash, no edge spaces
const quotable = fc.stringMatching(/^[ !#-\[\]-~]{0,24}$/);
const value = fc.oneof(
  plain.map((v) => ({ wire: v, value: v })),
  quotable.map((v) => ({ wire: `"${v}"`, value: v })),
);

/** A valid output block and the message(s) the reader must produce for it. */
const block: fc.Arbitrary<{ lines: string[]; expected: XapiMessage[] }> = fc.oneof(
  fc.tuple(fc.array(word, { minLength: 1, maxLength: 4 }), value).map(([path, v]) => ({
    lines: [`*s ${path.join(' ')}: ${v.wire}`],
    expected: [{ type: 'status', path, value: v.value, ghost: false } as XapiMessage],
  })),
  fc
    .tuple(word, fc.constantFrom('OK', 'Error'), fc.uniqueArray(fc.tuple(word.filter((k) => k !== 'ResultId'), value), { maxLength: 4, selector: ([k]) => k }))
    .map(([name, status, fields]) => ({
      lines: [`*r ${name}Result (status=${status}):`, ...fields.map(([k, v]) => `    ${k}: ${v.wire}`), '** end'],
      expected: [{ type: 'result', result: { name: `${name}Result`, status, ok: status === 'OK', fields: Object.fromEntries(fields.map(([k, v]) => [k, v.value])) } } as XapiMessage],
    })),
  fc.tuple(word, fc.uniqueArray(fc.tuple(word, value), { maxLength: 4, selector: ([k]) => k })).map(([name, fields]) => ({
    lines: [`*e ${name}`, ...fields.map(([k, v]) => `    ${k}: ${v.wire}`), '** end'],
    expected: [{ type: 'event', name, fields: Object.fromEntries(fields.map(([k, v]) => [k, v.value])) } as XapiMessage],
  })),
  fc.constantFrom('OK', 'ERROR').map((l) => ({ lines: [l], expected: [{ type: 'done', ok: l === 'OK' } as XapiMessage] })),
);

const wireOf = (blocks: { lines: string[] }[], crlf: boolean) => Buffer.from(blocks.flatMap((b) => b.lines).map((l) => l + (crlf ? '\r\n' : '\n')).join(''), 'utf8');

describe('fuzz: Cisco xAPI output', () => {
  it('never throws on arbitrary bytes in arbitrary chunks (framer + line parser + block reader)', () => {
    fc.assert(fc.property(noisyBytes(SPECIAL, 400), cutPoints, (bytes, cuts) => void messages(cut(bytes, cuts))), params(400));
  });

  it('parseLine and interpretStatus never throw on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (t) => {
        const l = parseLine(t);
        if (l.kind === 'status') interpretStatus(l.path, l.value, l.ghost);
        splitResultId(t);
      }),
      params(500),
    );
  });

  it('round-trips status lines, result blocks, event blocks and OK/ERROR, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 6 }), fc.boolean(), cutPoints, (blocks, crlf, cuts) => {
        expect(messages(cut(wireOf(blocks, crlf), cuts))).toEqual(blocks.flatMap((b) => b.expected));
      }),
      params(400),
    );
  });

  it('regains sync: garbage, one line feed, then two valid blocks come out as the last messages', () => {
    // An `*e` line continues an open event of the same name by design (one field per line), so
    // before an event block the garbage must be closed by the codec's `** end`.
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 300), block, block, cutPoints, (garbage, a, b, cuts) => {
        const separator = a.expected[0]!.type === 'event' ? '\n** end\n' : '\n';
        const wire = Buffer.concat([garbage, Buffer.from(separator), wireOf([a, b], false)]);
        const expected = [...a.expected, ...b.expected];
        expect(messages(cut(wire, cuts)).slice(-expected.length)).toEqual(expected);
      }),
      params(400),
    );
  });

  it('line framing is split-invariant (when no line starts with a login/password prompt, which is framed early by design)', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 400), cutPoints, (bytes, cuts) => {
        fc.pre(!/(^|\n)\s*(login|password):/i.test(Buffer.from(bytes).toString('latin1')));
        const frame = (chunks: Buffer[]) => {
          const f = createFramer(splitXapi());
          return hex(feed(chunks, (c) => f.push(c)));
        };
        expect(frame(cut(bytes, cuts))).toEqual(frame([Buffer.from(bytes)]));
      }),
      params(400),
    );
  });

  it('command encoding: quoteValue refuses what it cannot carry, and splitResultId reads back encodeLine', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.stringMatching(/^[a-z0-9-]{1,16}$/), (v, id) => {
        let quoted: string | undefined;
        try {
          quoted = quoteValue(v, 'number');
        } catch (err) {
          expect(/["\r\n\x00-\x1f]/.test(v)).toBe(true);
          expect(err).toBeInstanceOf(Error);
        }
        if (quoted === undefined) return;
        const line = encodeLine(`xCommand Dial Number: ${quoted}`, id);
        expect(line.endsWith('\n')).toBe(true);
        expect(line.slice(0, -1).includes('\n')).toBe(false);
        expect(splitResultId(line.slice(0, -1))).toEqual({ command: `xCommand Dial Number: ${quoted}`.trim(), resultId: id });
      }),
      params(400),
    );
  });
});
