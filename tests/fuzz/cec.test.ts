import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createFramer, splitLines } from '../../src/transports/framers.ts';
import { decodeFrame, formatFrame, frameFromBytes, parseCecClientLine, parseFrameHex, parsePhysicalAddress, formatPhysicalAddress, type CecFrame } from '../../drivers/cec/protocol.ts';
import {
  MSGEND,
  MSGSTART,
  MsgCode,
  TransmitAssembler,
  decodeAdapterMessage,
  encodeAdapterMessage,
  encodeReceivedFrame,
  escapeBytes,
  splitAdapterMessages,
  unescapeBytes,
} from '../../drivers/cec/adapter-protocol.ts';
import { cut, cutPoints, feed, hex, noisyBytes, noisyText, params } from './fuzz-helpers.ts';

/**
 * cec-client stdout lines (drivers/cec/protocol.ts, framed by splitLines(4096) as
 * cec-client-link.ts does) and the Pulse-Eight adapter's serial framing (adapter-protocol.ts).
 * "After garbage" for the adapter: any bytes at all — an 0xFF always opens a new message.
 * For cec-client: any bytes, then one line feed.
 */
const cecFrame: fc.Arbitrary<CecFrame> = fc
  .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 14 }))
  .map(([initiator, destination, opcode, operands]) => (opcode === undefined ? { initiator, destination, operands: [] } : { initiator, destination, opcode, operands }));

const trafficLine = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 }), cecFrame, fc.integer({ min: 0, max: 12 })).map(([sent, time, frame, pad]) => ({
  text: `TRAFFIC: [${' '.repeat(pad)}${time}]\t${sent ? '<<' : '>>'} ${formatFrame(frame)}`,
  expected: { kind: 'traffic', direction: sent ? 'sent' : 'received', frame, time },
}));

function lines(chunks: readonly Buffer[]): string[] {
  const framer = createFramer(splitLines(4096));
  return feed(chunks, (c) => framer.push(c)).map((b) => b.toString('utf8'));
}

describe('fuzz: cec-client output lines', () => {
  it('never throws on arbitrary bytes in arbitrary chunks (framed and classified as the link does)', () => {
    fc.assert(
      fc.property(noisyBytes([0x0a, 0x0d, 0x3a, 0x5b, 0x5d, 0x3e, 0x3c], 300), cutPoints, (bytes, cuts) => {
        for (const l of lines(cut(bytes, cuts))) parseCecClientLine(l);
      }),
      params(400),
    );
  });

  it('parseCecClientLine never throws on any text, and a traffic frame it returns is in range', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), noisyText(['TRAFFIC: [', ']\t', '>> ', '<< ', ':', 'f', '0', 'power status: ', 'volume up: ']));
    fc.assert(
      fc.property(text, (t) => {
        const l = parseCecClientLine(t);
        if (l.kind === 'traffic') {
          expect(l.frame.operands.every((b) => b >= 0 && b <= 255)).toBe(true);
          decodeFrame(l.frame);
        }
      }),
      params(500),
    );
  });

  it('round-trips TRAFFIC lines: frame, direction and time come back, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(trafficLine, fc.boolean()), { maxLength: 8 }), cutPoints, (list, cuts) => {
        const wire = Buffer.from(list.map(([l, crlf]) => l.text + (crlf ? '\r\n' : '\n')).join(''));
        expect(lines(cut(wire, cuts)).map(parseCecClientLine)).toEqual(list.map(([l]) => l.expected));
      }),
      params(400),
    );
  });

  it('regains sync: garbage, one line feed, then a valid TRAFFIC line parses', () => {
    fc.assert(
      fc.property(noisyBytes([0x0a, 0x0d, 0x3a], 300), trafficLine, cutPoints, (garbage, line, cuts) => {
        const wire = Buffer.concat([garbage, Buffer.from(`\n${line.text}\n`)]);
        expect(lines(cut(wire, cuts)).slice(-1).map(parseCecClientLine)).toEqual([line.expected]);
      }),
      params(400),
    );
  });

  it('frames: decodeFrame never throws on any 1–16 bytes; parseFrameHex(formatFrame(f)) is f', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), cecFrame, (bytes, frame) => {
        decodeFrame(frameFromBytes(bytes)!);
        expect(parseFrameHex(formatFrame(frame))).toEqual(frame);
      }),
      params(500),
    );
  });

  it('physical addresses round-trip', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), (a) => void expect(parsePhysicalAddress(formatPhysicalAddress(a))).toBe(a)), params(200));
  });
});

/** One adapter message: code (6 bits), flags, payload (≤ 63 bytes so the unescaped body fits in 64). */
const adapterMessage = fc.tuple(fc.integer({ min: 0, max: 0x3f }), fc.constantFrom(0, 0x40, 0x80, 0xc0), fc.uint8Array({ maxLength: 63 })).map(([code, flags, payload]) => ({
  code,
  flags,
  payload: Buffer.from(payload),
  bytes: encodeAdapterMessage(code, payload, flags),
}));

function adapterFrames(chunks: readonly Buffer[]): Buffer[] {
  const framer = createFramer(splitAdapterMessages());
  return feed(chunks, (c) => framer.push(c));
}

const expectedOf = (m: { code: number; flags: number; payload: Buffer }) => ({ code: m.code, eom: (m.flags & 0x80) !== 0, ack: (m.flags & 0x40) !== 0, payload: m.payload });

describe('fuzz: Pulse-Eight adapter framing', () => {
  it('never throws on arbitrary bytes in arbitrary chunks; frames are non-empty and at most 64 bytes', () => {
    fc.assert(
      fc.property(noisyBytes([MSGSTART, MSGEND, 0xfd], 400), cutPoints, (bytes, cuts) => {
        for (const f of adapterFrames(cut(bytes, cuts))) {
          expect(f.length).toBeGreaterThan(0);
          expect(f.length).toBeLessThanOrEqual(64);
          decodeAdapterMessage(f);
        }
      }),
      params(500),
    );
  });

  it('escaping round-trips and leaves no FE/FF in the escaped bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const e = escapeBytes(b);
        expect(e.includes(MSGSTART) || e.includes(MSGEND)).toBe(false);
        expect(hex([unescapeBytes(e)])).toEqual(hex([b]));
      }),
      params(500),
    );
  });

  it('round-trips messages (code, flags, payload), whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(adapterMessage, { maxLength: 6 }), cutPoints, (msgs, cuts) => {
        const out = adapterFrames(cut(Buffer.concat(msgs.map((m) => m.bytes)), cuts)).map(decodeAdapterMessage);
        expect(out).toEqual(msgs.map(expectedOf));
      }),
      params(500),
    );
  });

  it('regains sync: after any garbage, the next two messages decode', () => {
    fc.assert(
      fc.property(noisyBytes([MSGSTART, MSGEND, 0xfd], 300), adapterMessage, adapterMessage, cutPoints, (garbage, a, b, cuts) => {
        const out = adapterFrames(cut(Buffer.concat([garbage, a.bytes, b.bytes]), cuts)).map(decodeAdapterMessage);
        expect(out.slice(-2)).toEqual([expectedOf(a), expectedOf(b)]);
      }),
      params(500),
    );
  });

  it('is split-invariant on arbitrary byte streams', () => {
    fc.assert(
      fc.property(noisyBytes([MSGSTART, MSGEND, 0xfd], 400), cutPoints, (bytes, cuts) => {
        expect(hex(adapterFrames(cut(bytes, cuts)))).toEqual(hex(adapterFrames([Buffer.from(bytes)])));
      }),
      params(500),
    );
  });

  it('a received CEC frame survives FRAME_START/FRAME_DATA encoding with EOM on its last byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.boolean(), cutPoints, (frame, ack, cuts) => {
        const msgs = adapterFrames(cut(encodeReceivedFrame(frame, ack), cuts)).map(decodeAdapterMessage);
        expect(msgs.map((m) => m.code)).toEqual([MsgCode.FRAME_START, ...Array(frame.length - 1).fill(MsgCode.FRAME_DATA)]);
        expect(msgs.map((m) => m.eom)).toEqual(msgs.map((_, i) => i === msgs.length - 1));
        expect(msgs.every((m) => m.ack === ack)).toBe(true);
        expect(hex([Buffer.concat(msgs.map((m) => m.payload))])).toEqual(hex([frame]));
      }),
      params(300),
    );
  });

  it('TransmitAssembler rebuilds a transmitted frame, and never throws on arbitrary messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.array(adapterMessage, { maxLength: 10 }), (frame, noise) => {
        const asm = new TransmitAssembler();
        for (const m of noise) asm.push(decodeAdapterMessage(Buffer.concat([Buffer.from([m.code | m.flags]), m.payload])));
        const parts = [
          encodeAdapterMessage(MsgCode.TRANSMIT_ACK_POLARITY, Buffer.from([0])),
          ...Array.from(frame.subarray(0, -1), (b) => encodeAdapterMessage(MsgCode.TRANSMIT, Buffer.from([b]))),
          encodeAdapterMessage(MsgCode.TRANSMIT_EOM, frame.subarray(-1)),
        ];
        const results = adapterFrames([Buffer.concat(parts)]).map((f) => asm.push(decodeAdapterMessage(f)));
        expect(hex([results[results.length - 1]!])).toEqual(hex([frame]));
      }),
      params(300),
    );
  });
});
