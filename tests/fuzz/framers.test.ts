import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createFramer, splitLines, splitOnTerminator } from '../../src/transports/framers.ts';
import { cut, cutPoints, feed, hex, noisyBytes, params } from './fuzz-helpers.ts';

/**
 * The generic framers of src/transports/framers.ts. "After garbage" here means: whatever bytes,
 * then one terminator; the framer owes us every frame after that terminator.
 */
const TERM = 0x0d;
const MAX = 24;

/** A frame body: anything but the terminator, at most `MAX - 1` bytes so that with it it fits. */
const body = fc.uint8Array({ maxLength: MAX - 1 }).map((b) => Buffer.from(b.filter((x) => x !== TERM)));

function frameAll(chunks: readonly Buffer[], split = splitOnTerminator(TERM, MAX)) {
  const framer = createFramer(split);
  return { frames: feed(chunks, (c) => framer.push(c)), framer };
}

describe('fuzz: splitOnTerminator / createFramer', () => {
  it('never throws on arbitrary bytes in arbitrary chunks, and every frame ends with the terminator and fits', () => {
    fc.assert(
      fc.property(noisyBytes([TERM]), cutPoints, (bytes, cuts) => {
        const { frames } = frameAll(cut(bytes, cuts));
        for (const f of frames) {
          expect(f[f.length - 1]).toBe(TERM);
          expect(f.subarray(0, -1).includes(TERM)).toBe(false);
          expect(f.length).toBeLessThanOrEqual(MAX);
        }
      }),
      params(500),
    );
  });

  it('round-trips: frames joined by the terminator come back exactly, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(body, { maxLength: 10 }), cutPoints, (bodies, cuts) => {
        const wire = Buffer.concat(bodies.map((b) => Buffer.concat([b, Buffer.from([TERM])])));
        const { frames, framer } = frameAll(cut(wire, cuts));
        expect(hex(frames)).toEqual(hex(bodies.map((b) => Buffer.concat([b, Buffer.from([TERM])]))));
        expect(framer.discarded).toBe(0);
      }),
      params(500),
    );
  });

  it('regains sync: after arbitrary garbage and one terminator, the next two frames come out intact', () => {
    fc.assert(
      fc.property(noisyBytes([TERM], 300), body, body, cutPoints, (garbage, a, b, cuts) => {
        const t = Buffer.from([TERM]);
        const wire = Buffer.concat([garbage, t, a, t, b, t]);
        const { frames } = frameAll(cut(wire, cuts));
        expect(hex(frames.slice(-2))).toEqual(hex([Buffer.concat([a, t]), Buffer.concat([b, t])]));
      }),
      params(500),
    );
  });

  it('is split-invariant, over-long runs included', () => {
    fc.assert(
      fc.property(noisyBytes([TERM], 300), cutPoints, (bytes, cuts) => {
        expect(hex(frameAll(cut(bytes, cuts)).frames)).toEqual(hex(frameAll([Buffer.from(bytes)]).frames));
      }),
      params(500),
    );
  });
});

describe('fuzz: splitLines', () => {
  const line = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''));

  it('never throws, and no line it returns contains a line feed or ends in a carriage return', () => {
    fc.assert(
      fc.property(noisyBytes([0x0a, 0x0d]), cutPoints, (bytes, cuts) => {
        const framer = createFramer(splitLines(64));
        for (const l of feed(cut(bytes, cuts), (c) => framer.push(c))) {
          expect(l.includes(0x0a)).toBe(false);
        }
      }),
      params(500),
    );
  });

  it('round-trips LF and CRLF lines, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(line, fc.boolean()), { maxLength: 10 }), cutPoints, (lines, cuts) => {
        const wire = Buffer.from(lines.map(([l, crlf]) => `${l}${crlf ? '\r\n' : '\n'}`).join(''), 'utf8');
        const framer = createFramer(splitLines());
        const out = feed(cut(wire, cuts), (c) => framer.push(c)).map((b) => b.toString('utf8'));
        expect(out).toEqual(lines.map(([l]) => l));
      }),
      params(500),
    );
  });
});
