import { describe, expect, it } from 'vitest';
import { createFramer, splitLines, splitOnTerminator } from '../../src/transports/framers.ts';

const hex = (frames: Buffer[]) => frames.map((f) => [...f].map((b) => b.toString(16).padStart(2, '0')).join(' '));

describe('splitOnTerminator', () => {
  it.each([
    ['one frame', [[0x90, 0x41, 0xff]], ['90 41 ff']],
    ['two frames in one chunk', [[0x90, 0x41, 0xff, 0x90, 0x51, 0xff]], ['90 41 ff', '90 51 ff']],
    ['a frame split across chunks', [[0x90], [0x41], [0xff]], ['90 41 ff']],
    ['an over-long run is dropped, the next frame kept', [[1, 2, 3, 4, 5, 6, 0xff, 0x90, 0x50, 0xff]], ['90 50 ff']],
  ])('%s', (_name, chunks, expected) => {
    const framer = createFramer(splitOnTerminator(0xff, 5));
    const frames = chunks.flatMap((c) => framer.push(Buffer.from(c)));
    expect(hex(frames)).toEqual(expected);
  });

  it('an over-long run split across chunks leaves no tail frame behind (same as in one chunk)', () => {
    const whole = createFramer(splitOnTerminator(0x0d, 4));
    const split = createFramer(splitOnTerminator(0x0d, 4));
    const bytes = [1, 1, 1, 1, 1, 0x0d, 2, 0x0d];
    expect(hex(whole.push(Buffer.from(bytes)))).toEqual(['02 0d']);
    expect(hex([...split.push(Buffer.from(bytes.slice(0, 5))), ...split.push(Buffer.from(bytes.slice(5)))])).toEqual(['02 0d']);
    expect(split.discarded).toBe(whole.discarded);
  });

  it('keeps bounded memory however long a run without terminator gets', () => {
    const framer = createFramer(splitOnTerminator(0xff, 16));
    for (let i = 0; i < 1000; i++) framer.push(Buffer.alloc(64, 1));
    expect(hex(framer.push(Buffer.from([0xff, 0x90, 0x50, 0xff])))).toEqual(['90 50 ff']);
  });
});

describe('splitLines', () => {
  it('strips CR LF and LF, and survives split chunks', () => {
    const framer = createFramer(splitLines());
    expect(framer.push(Buffer.from('OK\r\nwaiting for in')).map(String)).toEqual(['OK']);
    expect(framer.push(Buffer.from('put\n')).map(String)).toEqual(['waiting for input']);
  });
});
