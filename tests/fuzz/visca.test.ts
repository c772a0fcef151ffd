import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createFramer } from '../../src/transports/framers.ts';
import {
  MAX_PACKET,
  TERMINATOR,
  checkRawPacket,
  decodePanTilt,
  decodeReply,
  decodeZoom,
  encode,
  fromNibbles,
  isCommandHeader,
  isInboundHeader,
  parseHex,
  replyHeaderFor,
  splitCommands,
  splitReplies,
  toHex,
  toNibbles,
  toSigned,
  toUnsigned,
  type ViscaReply,
} from '../../drivers/visca/protocol.ts';
import { PayloadType, controlKind, decodeIpMessage, encodeIpMessage, nextSeq } from '../../drivers/visca-ip/protocol.ts';
import { cut, cutPoints, feed, hex, noisyBytes, params } from './fuzz-helpers.ts';

/**
 * VISCA (drivers/visca/protocol.ts) and Sony VISCA-over-IP (drivers/visca-ip/protocol.ts).
 * "After garbage" for VISCA: arbitrary bytes, then one 0xFF (a camera's stream resyncs at the next
 * terminator; a valid frame glued onto garbage with no 0xFF between is not owed to us).
 */
const SPECIAL = [0xff, 0x90, 0xa0, 0x80, 0x41, 0x51, 0x50, 0x60, 0x88, 0x81, 0x01];

/** Camera address 1–7 and the reply frames a camera can send, with what they must decode to. */
const address = fc.integer({ min: 1, max: 7 });
const socket = fc.integer({ min: 0, max: 15 });
const nibbles = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 15 }), { minLength: min, maxLength: max });

const replyArb: fc.Arbitrary<{ bytes: Buffer; expected: ViscaReply }> = fc.oneof(
  fc.tuple(address, socket).map(([a, s]) => {
    const h = replyHeaderFor(a);
    return { bytes: Buffer.from([h, 0x40 | s, TERMINATOR]), expected: { type: 'ack', header: h, socket: s } as ViscaReply };
  }),
  fc.tuple(address, socket).map(([a, s]) => {
    const h = replyHeaderFor(a);
    return { bytes: Buffer.from([h, 0x50 | s, TERMINATOR]), expected: { type: 'completion', header: h, socket: s } as ViscaReply };
  }),
  fc.tuple(address, socket, fc.integer({ min: 0, max: 0xfe })).map(([a, s, code]) => {
    const h = replyHeaderFor(a);
    return { bytes: Buffer.from([h, 0x60 | s, code, TERMINATOR]), expected: { type: 'error', header: h, socket: s, code } as ViscaReply };
  }),
  // Inquiry answers carry nibbles (0x00–0x0F), never a header-looking byte.
  fc.tuple(address, nibbles(1, MAX_PACKET - 3)).map(([a, data]) => {
    const h = replyHeaderFor(a);
    return { bytes: Buffer.from([h, 0x50, ...data, TERMINATOR]), expected: { type: 'answer', header: h, data: Buffer.from(data) } as ViscaReply };
  }),
);

function replies(chunks: readonly Buffer[]): Buffer[] {
  const framer = createFramer(splitReplies);
  return feed(chunks, (c) => framer.push(c));
}

describe('fuzz: VISCA reply framing (controller side)', () => {
  it('never throws on arbitrary bytes in arbitrary chunks; every frame is a bounded inbound packet that decodes without throwing', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 300), cutPoints, (bytes, cuts) => {
        for (const f of replies(cut(bytes, cuts))) {
          expect(f.length).toBeGreaterThanOrEqual(3);
          expect(f.length).toBeLessThanOrEqual(MAX_PACKET);
          expect(f[f.length - 1]).toBe(TERMINATOR);
          expect(f.subarray(0, -1).includes(TERMINATOR)).toBe(false);
          expect(isInboundHeader(f[0]!)).toBe(true);
          decodeReply(f);
        }
      }),
      params(500),
    );
  });

  it('decodeReply never throws on any byte string', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => void decodeReply(b)), params(500));
  });

  it('round-trips: a stream of valid replies decodes to the same replies, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(replyArb, { maxLength: 8 }), cutPoints, (list, cuts) => {
        const wire = Buffer.concat(list.map((r) => r.bytes));
        const out = replies(cut(wire, cuts)).map(decodeReply);
        expect(out).toEqual(list.map((r) => r.expected));
      }),
      params(500),
    );
  });

  it('regains sync: arbitrary garbage, one 0xFF, then two valid replies: both decode', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 200), replyArb, replyArb, cutPoints, (garbage, a, b, cuts) => {
        const wire = Buffer.concat([garbage, Buffer.from([TERMINATOR]), a.bytes, b.bytes]);
        expect(replies(cut(wire, cuts)).slice(-2).map(decodeReply)).toEqual([a.expected, b.expected]);
      }),
      params(500),
    );
  });

  it('is split-invariant on arbitrary byte streams', () => {
    fc.assert(
      fc.property(noisyBytes(SPECIAL, 300), cutPoints, (bytes, cuts) => {
        expect(hex(replies(cut(bytes, cuts)))).toEqual(hex(replies([Buffer.from(bytes)])));
      }),
      params(500),
    );
  });
});

/** Commands a controller sends, as the encoders build them. */
const commandArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constant(encode.addressSet()),
  fc.constant(encode.ifClearBroadcast()),
  address.map(encode.ifClear),
  fc.tuple(address, fc.boolean()).map(([a, on]) => encode.power(a, on)),
  fc.tuple(address, fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined })).map(([a, s]) => encode.zoomTele(a, s)),
  fc.tuple(address, fc.integer({ min: 0, max: 0xffff })).map(([a, p]) => encode.zoomDirect(a, p)),
  fc
    .tuple(address, fc.integer({ min: 1, max: 0x7f }), fc.integer({ min: 1, max: 0x7f }), fc.constantFrom('left', 'right', 'stop' as const), fc.constantFrom('up', 'down', 'stop' as const))
    .map(([a, ps, ts, p, t]) => encode.panTiltDrive(a, ps, ts, p, t)),
  fc
    .tuple(address, fc.integer({ min: 1, max: 0x7f }), fc.integer({ min: 1, max: 0x7f }), fc.integer({ min: -0x8000, max: 0x7fff }), fc.integer({ min: -0x8000, max: 0x7fff }))
    .map(([a, ps, ts, p, t]) => encode.panTiltAbsolute(a, ps, ts, p, t)),
  fc.tuple(address, fc.constantFrom('reset', 'set', 'recall' as const), fc.integer({ min: 0, max: 0xfe })).map(([a, act, p]) => encode.memory(a, act, p)),
  address.map(encode.panTiltInquiry),
);

describe('fuzz: VISCA command encoding and framing (camera side)', () => {
  it('every encoded command is a legal raw packet and frames back unchanged, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 8 }), cutPoints, (cmds, cuts) => {
        for (const c of cmds) expect(checkRawPacket(c)).toBeUndefined();
        const framer = createFramer(splitCommands);
        expect(hex(feed(cut(Buffer.concat(cmds), cuts), (c) => framer.push(c)))).toEqual(hex(cmds));
      }),
      params(400),
    );
  });

  it('regains sync after garbage and one 0xFF; never throws', () => {
    fc.assert(
      fc.property(noisyBytes([...SPECIAL, 0x82, 0x87], 200), commandArb, cutPoints, (garbage, cmd, cuts) => {
        const framer = createFramer(splitCommands);
        const out = feed(cut(Buffer.concat([garbage, Buffer.from([TERMINATOR]), cmd]), cuts), (c) => framer.push(c));
        expect(hex(out.slice(-1))).toEqual(hex([cmd]));
        for (const f of out) expect(isCommandHeader(f[0]!)).toBe(true);
      }),
      params(400),
    );
  });

  it('position numbers survive the nibble encoding: zoom and signed pan/tilt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -0x8000, max: 0x7fff }), fc.integer({ min: -0x8000, max: 0x7fff }), (zoom, pan, tilt) => {
        expect(decodeZoom(Uint8Array.from(toNibbles(zoom)))).toBe(zoom);
        const answer = Buffer.from([0x90, 0x50, ...toNibbles(toUnsigned(pan)), ...toNibbles(toUnsigned(tilt)), TERMINATOR]);
        const reply = decodeReply(answer);
        expect(reply.type).toBe('answer');
        expect(decodePanTilt((reply as { data: Buffer }).data)).toEqual({ pan, tilt });
        expect(toSigned(fromNibbles(toNibbles(toUnsigned(pan)), 0))).toBe(pan);
      }),
      params(400),
    );
  });

  it('parseHex reads back toHex, and on any text either returns bytes or throws an Error (never hangs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 60 }), (bytes, text) => {
        expect(hex([parseHex(toHex(bytes))])).toEqual(hex([bytes]));
        try {
          const b = parseHex(text);
          expect(b.every((x) => x >= 0 && x <= 255)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
        const raw = Buffer.from(bytes);
        expect(['string', 'undefined']).toContain(typeof checkRawPacket(raw));
      }),
      params(400),
    );
  });
});

describe('fuzz: VISCA over IP datagrams', () => {
  const type = fc.oneof(fc.constantFrom(...Object.values(PayloadType)), fc.integer({ min: 0, max: 0xffff }));
  const seq = fc.integer({ min: 0, max: 0xffffffff });

  it('decodeIpMessage and controlKind never throw on any datagram', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (d) => {
        const m = decodeIpMessage(d);
        if (!('error' in m)) {
          expect(m.payload.length).toBe(d.length - 8);
          controlKind(m);
        }
      }),
      params(500),
    );
  });

  it('round-trips type, sequence number and payload', () => {
    fc.assert(
      fc.property(type, seq, fc.uint8Array({ minLength: 1, maxLength: 16 }), (t, s, payload) => {
        const m = decodeIpMessage(encodeIpMessage(t, s, payload));
        expect(m).toEqual({ type: t, seq: s, payload: Buffer.from(payload) });
      }),
      params(500),
    );
  });

  it('a truncated or padded datagram is an error value, not a throw and not a message', () => {
    fc.assert(
      fc.property(type, seq, fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.integer({ min: -8, max: 8 }).filter((n) => n !== 0), (t, s, payload, delta) => {
        const d = encodeIpMessage(t, s, payload);
        const changed = delta < 0 ? d.subarray(0, Math.max(0, d.length + delta)) : Buffer.concat([d, Buffer.alloc(delta)]);
        expect('error' in decodeIpMessage(changed)).toBe(true);
      }),
      params(300),
    );
  });

  it('sequence numbers stay in 0..2^32-1 and wrap', () => {
    fc.assert(fc.property(seq, (s) => void expect(nextSeq(s)).toBe(s === 0xffffffff ? 0 : s + 1)), params(200));
  });
});
