import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createFramer } from '../../src/transports/framers.ts';
import { IAC, dialCommand, dtmfCommands, filterTelnet, parsePolyLine, splitPolyLines, type PolyLine } from '../../drivers/poly-group/protocol.ts';
import { cut, cutPoints, noisyBytes, params } from './fuzz-helpers.ts';

/**
 * Poly Group Series over Telnet (drivers/poly-group/protocol.ts), read as driver.ts reads it:
 * filterTelnet (its `rest` prepended to the next chunk) → createFramer(splitPolyLines) → latin1 →
 * parsePolyLine. "After garbage": any bytes, then `IAC SE CR LF` — IAC SE closes a Telnet
 * subnegotiation the garbage may have opened (or is a harmless 2-byte command / escaped 0xFF),
 * and the line end closes the garbage line.
 */
const SE = 0xf0;
const SB = 0xfa;
const SPECIAL = [IAC, SB, SE, 0xfb, 0xfc, 0xfd, 0xfe, 0x0d, 0x0a, 0x2d, 0x3e];

interface Read {
  data: Buffer;
  lines: string[];
  reply: Buffer;
}

function read(chunks: readonly Buffer[]): Read {
  let rest: Buffer = Buffer.alloc(0);
  const framer = createFramer(splitPolyLines());
  const data: Buffer[] = [];
  const reply: Buffer[] = [];
  const lines: string[] = [];
  for (const chunk of chunks) {
    const t = filterTelnet(rest.length ? Buffer.concat([rest, chunk]) : chunk);
    rest = t.rest;
    data.push(t.data);
    reply.push(t.reply);
    lines.push(...framer.push(t.data).map((f) => f.toString('latin1')));
  }
  return { data: Buffer.concat(data), lines, reply: Buffer.concat(reply) };
}

/** Parsed lines without prompts; a malformed line's raw text loses its prompt prefix too (split early or not). */
const meaningful = (lines: string[]): PolyLine[] =>
  lines
    .map(parsePolyLine)
    .filter((l) => l.kind !== 'prompt')
    .map((l) => (l.kind === 'malformed' ? { ...l, text: l.text.replace(/^(\s*->\s?)+/, '') } : l));

const id = fc.integer({ min: 0, max: 9999 }).map(String);
const token = fc.stringMatching(/^[A-Za-z0-9.@_-]{1,20}$/);
/** Lines the codec prints, with what parsePolyLine must make of them. */
const lineArb: fc.Arbitrary<{ text: string; expected: PolyLine }> = fc.oneof(
  fc.tuple(id, token, fc.constantFrom('ALLOCATED', 'RINGING', 'CONNECTED', 'DISCONNECTING'), fc.integer({ min: 1, max: 6144 })).map(([i, dial, state, speed]) => ({
    text: `cs: call[${i}] speed[${speed}] dialstr[${dial}] state[${state}]`,
    expected: { kind: 'cs', id: i, state, dialstr: dial, speed, inactive: false } as PolyLine,
  })),
  fc.tuple(fc.constantFrom('outgoing', 'incoming'), id, token, token, fc.constantFrom('opened', 'ringing', 'connecting', 'connected', 'disconnecting'), fc.integer({ min: 1, max: 6144 })).map(([dir, i, name, addr, status, speed]) => ({
    text: `notification:callstatus:${dir}:${i}:${name}:${addr}:${status}:${speed}:0:videocall`,
    expected: { kind: 'callstatus', direction: dir, id: i, name, address: addr, status, speed, type: 'videocall' } as PolyLine,
  })),
  fc.tuple(fc.constantFrom('near', 'far'), fc.boolean()).map(([side, on]) => ({
    text: `mute ${side} ${on ? 'on' : 'off'}`,
    expected: { kind: 'mute', muted: on, far: side === 'far' } as PolyLine,
  })),
  fc.tuple(fc.constantFrom('active', 'cleared', 'ended'), id).map(([kind, i]) => ({ text: `${kind}: call[${i}]`, expected: { kind, id: i } as PolyLine })),
);
/** A line as it arrives: maybe behind a `-> ` prompt, ended by CR LF, LF or the HDX's LF CR. */
const wireLine = fc.tuple(lineArb, fc.boolean(), fc.constantFrom('\r\n', '\n', '\n\r')).map(([l, prompt, end]) => ({ ...l, wire: `${prompt ? '-> ' : ''}${l.text}${end}` }));

/** Application bytes with every 0xFF escaped, and Telnet commands slipped in between bytes. */
const telnetCommand = fc.oneof(
  fc.tuple(fc.constantFrom(0xfb, 0xfc, 0xfd, 0xfe), fc.integer({ min: 0, max: 0xfe })).map(([cmd, opt]) => [IAC, cmd, opt]),
  fc.array(fc.integer({ min: 0, max: 0xfe }), { maxLength: 40 }).map((payload) => [IAC, SB, ...payload, IAC, SE]),
  fc.constantFrom([IAC, 0xf1], [IAC, 0xf9]),
);

describe('fuzz: Poly Telnet + line framing', () => {
  it('never throws on arbitrary bytes in arbitrary chunks; only ever answers with DO/DONT/WONT triples', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 400), cutPoints, (bytes, cuts) => {
        const r = read(cut(bytes, cuts));
        expect(r.reply.length % 3).toBe(0);
        for (let i = 0; i < r.reply.length; i += 3) {
          expect(r.reply[i]).toBe(IAC);
          expect([0xfd, 0xfe, 0xfc]).toContain(r.reply[i + 1]);
        }
      }),
      params(400),
    );
  });

  it('parsePolyLine never throws on any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (t) => void parsePolyLine(t)), params(500));
  });

  it('Telnet round-trip: application bytes survive escaping and interleaved negotiation, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.option(telnetCommand, { nil: undefined })), { maxLength: 60 }), cutPoints, (items, cuts) => {
        const app = items.map(([b]) => b);
        const wire = Buffer.from(items.flatMap(([b, cmd]) => [...(b === IAC ? [IAC, IAC] : [b]), ...(cmd ?? [])]));
        expect(read(cut(wire, cuts)).data.toString('hex')).toEqual(Buffer.from(app).toString('hex'));
      }),
      params(400),
    );
  });

  it('round-trips codec lines (with or without a prompt, any line end), whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(wireLine, { maxLength: 8 }), cutPoints, (lines, cuts) => {
        const wire = Buffer.from(lines.map((l) => l.wire).join(''), 'latin1');
        expect(meaningful(read(cut(wire, cuts)).lines)).toEqual(lines.map((l) => l.expected));
      }),
      params(400),
    );
  });

  it('regains sync: garbage, then IAC SE CR LF, then two codec lines parse', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 300), wireLine, wireLine, cutPoints, (garbage, a, b, cuts) => {
        const wire = Buffer.concat([garbage, Buffer.from([IAC, SE, 0x0d, 0x0a]), Buffer.from(a.wire + b.wire, 'latin1')]);
        expect(meaningful(read(cut(wire, cuts)).lines).slice(-2)).toEqual([a.expected, b.expected]);
      }),
      params(400),
    );
  });

  it('is split-invariant on arbitrary bytes, once prompts are set aside (a trailing `-> ` or `Password:` is framed early by design)', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 400), cutPoints, (bytes, cuts) => {
        fc.pre(!/password:/i.test(Buffer.from(bytes).toString('latin1')));
        const whole = read([Buffer.from(bytes)]);
        const chunked = read(cut(bytes, cuts));
        expect(chunked.data.toString('hex')).toEqual(whole.data.toString('hex'));
        expect(chunked.reply.toString('hex')).toEqual(whole.reply.toString('hex'));
        expect(meaningful(chunked.lines)).toEqual(meaningful(whole.lines));
      }),
      params(400),
    );
  });

  it('command encoding: dial and DTMF refuse what the API cannot carry, and never emit a line break', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.nat({ max: 6144 }), (s, speed) => {
        for (const make of [() => [dialCommand(s, speed)], () => dtmfCommands(s)]) {
          let out: string[] = [];
          try {
            out = make();
          } catch (err) {
            expect(err).toBeInstanceOf(Error);
          }
          for (const c of out) expect(/[\r\n]/.test(c)).toBe(false);
        }
      }),
      params(300),
    );
  });
});
