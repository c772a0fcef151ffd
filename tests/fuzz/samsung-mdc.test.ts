import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ACK,
  HEADER,
  NAK,
  RESPONSE_CMD,
  decodeReply,
  decodeRequest,
  decodeStatus,
  encodeAck,
  encodeNak,
  encodeRequest,
  fromHex,
  inputNameOf,
  resolveInputCode,
  scanFrames,
  toHex,
  type MdcReply,
  type ScanOptions,
} from '../../drivers/samsung-mdc/protocol.ts';
import { cut, cutPoints, hex, noisyBytes, params } from './fuzz-helpers.ts';

/**
 * Samsung MDC (drivers/samsung-mdc/protocol.ts), scanned as driver.ts scans replies
 * (`scanFrames(rest + chunk, { responsesOnly: true })`) and as the simulator scans requests.
 * "After garbage": garbage that holds no 0xAA header byte. A false header inside garbage may claim
 * up to 255 bytes, and when those bytes happen to close with a valid checksum it is — by the wire
 * format itself — indistinguishable from a frame; the scanner's contract is to skip false headers
 * when a complete valid frame follows, which the properties below check.
 */
const SPECIAL = [HEADER, RESPONSE_CMD, ACK, NAK, 0x00, 0x01, 0x02, 0x03];

function scan(chunks: readonly Buffer[], options: ScanOptions = { responsesOnly: true }): Buffer[] {
  let rest: Buffer = Buffer.alloc(0);
  const out: Buffer[] = [];
  for (const c of chunks) {
    const r = scanFrames(rest.length ? Buffer.concat([rest, c]) : c, options);
    out.push(...r.frames);
    rest = r.rest;
  }
  return out;
}

const byte = fc.integer({ min: 0, max: 255 });
const id = fc.integer({ min: 0, max: 0xfe });
const replyArb: fc.Arbitrary<{ bytes: Buffer; expected: MdcReply }> = fc.oneof(
  fc.tuple(id, byte, fc.array(byte, { maxLength: 20 })).map(([i, rcmd, values]) => ({
    bytes: encodeAck(i, rcmd, values),
    expected: { kind: 'ack', id: i, rcmd, values: Buffer.from(values) } as MdcReply,
  })),
  fc.tuple(id, byte, byte).map(([i, rcmd, error]) => ({ bytes: encodeNak(i, rcmd, error), expected: { kind: 'nak', id: i, rcmd, error } as MdcReply })),
);

describe('fuzz: Samsung MDC framing', () => {
  it('never throws on arbitrary bytes in arbitrary chunks; every frame has a valid length and checksum', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 400), cutPoints, fc.boolean(), (bytes, cuts, responsesOnly) => {
        for (const f of scan(cut(bytes, cuts), { responsesOnly })) {
          expect(f[0]).toBe(HEADER);
          expect(f.length).toBe(5 + f[3]!);
          const r = decodeReply(f);
          if (responsesOnly) expect(['ack', 'nak', 'invalid']).toContain(r.kind);
          else decodeRequest(f);
          if (r.kind === 'ack') decodeStatus(r.values);
        }
      }),
      params(400),
    );
  });

  it('decodeReply / decodeRequest never throw on any byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        decodeReply(Buffer.from(b));
        decodeRequest(Buffer.from(b));
      }),
      params(500),
    );
  });

  it('round-trips ACK/NAK replies, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(replyArb, { maxLength: 6 }), cutPoints, (list, cuts) => {
        const out = scan(cut(Buffer.concat(list.map((r) => r.bytes)), cuts)).map(decodeReply);
        expect(out).toEqual(list.map((r) => r.expected));
      }),
      params(400),
    );
  });

  it('round-trips requests on the simulator side', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(byte, byte, fc.array(byte, { maxLength: 12 })), { maxLength: 6 }), cutPoints, (reqs, cuts) => {
        const wire = Buffer.concat(reqs.map(([cmd, i, data]) => encodeRequest(cmd, i, data)));
        const out = scan(cut(wire, cuts), {}).map(decodeRequest);
        expect(out).toEqual(reqs.map(([cmd, i, data]) => ({ cmd, id: i, data: Buffer.from(data) })));
      }),
      params(400),
    );
  });

  it('regains sync: garbage without a header byte, then two replies: both decode', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 300), replyArb, replyArb, cutPoints, (garbage, a, b, cuts) => {
        const clean = Buffer.from(garbage.filter((x) => x !== HEADER));
        const out = scan(cut(Buffer.concat([clean, a.bytes, b.bytes]), cuts)).map(decodeReply);
        expect(out).toEqual([a.expected, b.expected]);
      }),
      params(400),
    );
  });

  it('skips a false header that claims more bytes than arrive, once a complete reply follows it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6 }), fc.integer({ min: 40, max: 255 }), replyArb, (junk, claimed, reply) => {
        // AA FF <id> <len> 41 …: plausible as a reply, but `claimed` bytes never come.
        const falseHeader = Buffer.from([HEADER, RESPONSE_CMD, 0x01, claimed, ACK, ...junk.filter((x) => x !== HEADER)]);
        fc.pre(falseHeader.length + reply.bytes.length < 5 + claimed);
        expect(scan([Buffer.concat([falseHeader, reply.bytes])]).map(decodeReply)).toEqual([reply.expected]);
      }),
      params(300),
    );
  });

  it('is split-invariant on streams of valid replies separated by header-free garbage', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(noisyBytes(SPECIAL, 20), replyArb), { maxLength: 5 }), cutPoints, (parts, cuts) => {
        const wire = Buffer.concat(parts.flatMap(([g, r]) => [Buffer.from(g.filter((x) => x !== HEADER)), r.bytes]));
        expect(hex(scan(cut(wire, cuts)))).toEqual(hex(scan([wire])));
      }),
      params(400),
    );
  });

  it('hex helpers round-trip', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 30 }), (b) => void expect(hex([fromHex(toHex(b))!])).toEqual(hex([b]))), params(300));
  });

  it('input names: any name resolves to a byte code or undefined (prototype keys included); any code has a name', () => {
    const userMap = { Salle: 'hdmi2', Pupitre: 0x25, Cable: '0x31' };
    const name = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'HDMI 1', 'dp', 'salle'));
    fc.assert(
      fc.property(name, byte, (n, code) => {
        for (const map of [undefined, userMap]) {
          const c = resolveInputCode(n, map);
          if (c !== undefined) expect(Number.isInteger(c) && c >= 0 && c <= 255).toBe(true);
          expect(typeof inputNameOf(code, map)).toBe('string');
        }
      }),
      params(300),
    );
  });
});
