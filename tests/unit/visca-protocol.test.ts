import { describe, it, expect } from 'vitest';
import {
  checkRawPacket,
  decodeMemory,
  decodePanTilt,
  decodePower,
  decodeReply,
  decodeZoom,
  encode,
  parseHex,
  splitCommands,
  splitReplies,
  toHex,
  type ViscaReply,
} from '../../drivers/visca/protocol.ts';
import { createFramer } from '../../src/transports/framers.ts';

const hex = (s: string) => parseHex(s);

describe('VISCA command vectors C1–C25 (Sony technical manuals)', () => {
  const vectors: Array<[string, () => Buffer, string]> = [
    ['C1 Address Set broadcast', () => encode.addressSet(), '88 30 01 FF'],
    ['C2 IF_Clear broadcast', () => encode.ifClearBroadcast(), '88 01 00 01 FF'],
    ['C3 Power on', () => encode.power(1, true), '81 01 04 00 02 FF'],
    ['C4 Power standby', () => encode.power(1, false), '81 01 04 00 03 FF'],
    ['C5 Zoom tele standard', () => encode.zoomTele(1), '81 01 04 07 02 FF'],
    ['C6 Zoom wide standard', () => encode.zoomWide(1), '81 01 04 07 03 FF'],
    ['C7 Zoom stop', () => encode.zoomStop(1), '81 01 04 07 00 FF'],
    ['C8 Zoom tele variable 5', () => encode.zoomTele(1, 5), '81 01 04 07 25 FF'],
    ['C9 Zoom direct 0x4000', () => encode.zoomDirect(1, 0x4000), '81 01 04 47 04 00 00 00 FF'],
    ['C10 Zoom direct 0x1234', () => encode.zoomDirect(1, 0x1234), '81 01 04 47 01 02 03 04 FF'],
    ['C11 Pan-tilt up', () => encode.panTiltDrive(1, 8, 8, 'stop', 'up'), '81 01 06 01 08 08 03 01 FF'],
    ['C12 Pan-tilt down', () => encode.panTiltDrive(1, 8, 8, 'stop', 'down'), '81 01 06 01 08 08 03 02 FF'],
    ['C13 Pan-tilt left', () => encode.panTiltDrive(1, 8, 8, 'left', 'stop'), '81 01 06 01 08 08 01 03 FF'],
    ['C14 Pan-tilt right', () => encode.panTiltDrive(1, 8, 8, 'right', 'stop'), '81 01 06 01 08 08 02 03 FF'],
    ['C15 Pan-tilt stop', () => encode.panTiltStop(1), '81 01 06 01 08 08 03 03 FF'],
    ['C16 Absolute 0,0 max speed', () => encode.panTiltAbsolute(1, 0x18, 0x17, 0, 0), '81 01 06 02 18 17 00 00 00 00 00 00 00 00 FF'],
    ['C17 Absolute DE00/1200', () => encode.panTiltAbsolute(1, 0x10, 0x10, -0x2200, 0x1200), '81 01 06 02 10 10 0D 0E 00 00 01 02 00 00 FF'],
    ['C18 Absolute pan -1', () => encode.panTiltAbsolute(1, 0x10, 0x10, -1, 0), '81 01 06 02 10 10 0F 0F 0F 0F 00 00 00 00 FF'],
    ['C19 Home', () => encode.home(1), '81 01 06 04 FF'],
    ['C20 Memory set 3', () => encode.memory(1, 'set', 3, 'nibble'), '81 01 04 3F 01 03 FF'],
    ['C21 Memory recall 3', () => encode.memory(1, 'recall', 3, 'nibble'), '81 01 04 3F 02 03 FF'],
    ['C22 Memory reset 3', () => encode.memory(1, 'reset', 3, 'byte'), '81 01 04 3F 00 03 FF'],
    ['C23 PTZOptics recall 100 (byte)', () => encode.memory(1, 'recall', 100, 'byte'), '81 01 04 3F 02 64 FF'],
    ['C24 Cancel socket 1', () => encode.cancel(1, 1), '81 21 FF'],
    ['C25 Camera 3 power on', () => encode.power(3, true), '83 01 04 00 02 FF'],
  ];
  it.each(vectors)('%s', (_name, make, expected) => {
    expect(toHex(make())).toBe(expected);
  });

  it('encodes the inquiries of §1.6', () => {
    expect(toHex(encode.powerInquiry(1))).toBe('81 09 04 00 FF');
    expect(toHex(encode.zoomInquiry(1))).toBe('81 09 04 47 FF');
    expect(toHex(encode.panTiltInquiry(1))).toBe('81 09 06 12 FF');
    expect(toHex(encode.memoryInquiry(1))).toBe('81 09 04 3F FF');
  });

  it('refuses values that cannot be encoded (no 0xFF may leak into data bytes)', () => {
    expect(() => encode.memory(1, 'recall', 16, 'nibble')).toThrow(/preset 16 is outside 0–15/);
    expect(() => encode.memory(1, 'recall', 255, 'byte')).toThrow(/outside 0–254/);
    expect(() => encode.power(8, true)).toThrow(/address 8/);
    expect(() => encode.panTiltDrive(1, 0, 8, 'left', 'stop')).toThrow(/pan speed 0/);
    expect(() => encode.panTiltAbsolute(1, 1, 1, 0x8000, 0)).toThrow(/pan position/);
  });
});

describe('VISCA reply vectors R1–R15 (Sony technical manuals)', () => {
  const vectors: Array<[string, string, ViscaReply]> = [
    ['R1 ACK socket 1', '90 41 FF', { type: 'ack', header: 0x90, socket: 1 }],
    ['R1 Completion socket 1', '90 51 FF', { type: 'completion', header: 0x90, socket: 1 }],
    ['R2 power on', '90 50 02 FF', { type: 'answer', header: 0x90, data: hex('02') }],
    ['R3 power standby', '90 50 03 FF', { type: 'answer', header: 0x90, data: hex('03') }],
    ['R4 zoom 0x4000', '90 50 04 00 00 00 FF', { type: 'answer', header: 0x90, data: hex('04 00 00 00') }],
    ['R5 pan 0 tilt 0', '90 50 00 00 00 00 00 00 00 00 FF', { type: 'answer', header: 0x90, data: hex('00 00 00 00 00 00 00 00') }],
    ['R6 pan F670 tilt 01B0', '90 50 0F 06 07 00 00 01 0B 00 FF', { type: 'answer', header: 0x90, data: hex('0F 06 07 00 00 01 0B 00') }],
    ['R7 memory 5', '90 50 05 FF', { type: 'answer', header: 0x90, data: hex('05') }],
    ['R8 syntax error', '90 60 02 FF', { type: 'error', header: 0x90, socket: 0, code: 0x02 }],
    ['R9 buffer full', '90 60 03 FF', { type: 'error', header: 0x90, socket: 0, code: 0x03 }],
    ['R10 not executable socket 1', '90 61 41 FF', { type: 'error', header: 0x90, socket: 1, code: 0x41 }],
    ['R11 cancelled socket 1', '90 61 04 FF', { type: 'error', header: 0x90, socket: 1, code: 0x04 }],
    ['R12 no socket 1', '90 61 05 FF', { type: 'error', header: 0x90, socket: 1, code: 0x05 }],
    ['R13 one camera on the chain', '88 30 02 FF', { type: 'addressSet', nextAddress: 2 }],
    ['R14 network change', '90 38 FF', { type: 'networkChange', header: 0x90 }],
    ['R15 IF_Clear done', '90 50 FF', { type: 'completion', header: 0x90, socket: 0 }],
    ['IF_Clear broadcast echo', '88 01 00 01 FF', { type: 'ifClearBroadcast' }],
    ['camera 3 reply header B0', 'B0 41 FF', { type: 'ack', header: 0xb0, socket: 1 }],
    ['quirk header A0 network change', 'A0 38 FF', { type: 'networkChange', header: 0xa0 }],
  ];
  it.each(vectors)('%s', (_name, bytes, expected) => {
    expect(decodeReply(hex(bytes))).toEqual(expected);
  });

  it('decodes the inquiry answers into values', () => {
    const data = (s: string) => (decodeReply(hex(s)) as { data: Buffer }).data;
    expect(decodePower(data('90 50 02 FF'))).toBe('on');
    expect(decodePower(data('90 50 03 FF'))).toBe('off');
    expect(decodePower(data('90 50 04 FF'))).toBe('unknown');
    expect(decodeZoom(data('90 50 04 00 00 00 FF'))).toBe(0x4000);
    expect(decodePanTilt(data('90 50 00 00 00 00 00 00 00 00 FF'))).toEqual({ pan: 0, tilt: 0 });
    expect(decodePanTilt(data('90 50 0F 06 07 00 00 01 0B 00 FF'))).toEqual({ pan: -2448, tilt: 432 });
    expect(decodePanTilt(data('90 50 0F 0F 0F 0F 0F 00 00 00 00 FF'))).toEqual({ pan: -1, tilt: 0 }); // BRC-300: 5 pan nibbles
    expect(decodeMemory(data('90 50 05 FF'))).toBe(5);
  });

  it.each([
    ['3-byte error frame is malformed', '90 61 FF'],
    ['not a reply header', '91 41 FF'],
    ['too short', '90 FF'],
    ['unknown reply kind', '90 70 FF'],
    ['unknown broadcast', '88 99 FF'],
  ])('classifies odd frames as unknown without throwing: %s', (_n, bytes) => {
    expect(decodeReply(hex(bytes)).type).toBe('unknown');
  });
});

describe('VISCA framing and resync', () => {
  const frames = (chunks: string[], split = splitReplies) => {
    const framer = createFramer(split);
    return { out: chunks.flatMap((c) => framer.push(hex(c))).map(toHex), framer };
  };

  it('joins split chunks and splits merged ones', () => {
    expect(frames(['90', '41', 'FF 90 51', ' FF']).out).toEqual(['90 41 FF', '90 51 FF']);
    expect(frames(['90 41 FF 90 51 FF 90 50 02 FF']).out).toEqual(['90 41 FF', '90 51 FF', '90 50 02 FF']);
  });

  it('discards garbage before a frame (low bytes and header-looking bytes)', () => {
    const { out, framer } = frames(['3A 12 90 41 FF']);
    expect(out).toEqual(['90 41 FF']);
    expect(framer.discarded).toBe(2);
    expect(frames(['C5 90 41 FF']).out).toEqual(['90 41 FF']);
    expect(frames(['A0 90 41 FF']).out).toEqual(['90 41 FF']); // A0 is a header but A0 90 41 FF decodes to nothing
  });

  it('drops a run with no header and keeps going', () => {
    const { out, framer } = frames(['01 02 03 FF 90 51 FF']);
    expect(out).toEqual(['90 51 FF']);
    expect(framer.discarded).toBe(4);
  });

  it('resyncs after a truncated frame', () => {
    // "90 50 04" lost its tail; the next frame's header starts a fresh frame.
    expect(frames(['90 50 04 ', '90 41 FF']).out).toEqual(['90 41 FF']);
  });

  it('bounds the buffer when no terminator ever comes', () => {
    const framer = createFramer(splitReplies);
    for (let i = 0; i < 10; i++) framer.push(hex('90 01 02 03 04 05 06 07'));
    expect(framer.push(hex('90 41 FF')).map(toHex)).toEqual(['90 41 FF']);
    expect(framer.discarded).toBeGreaterThan(60);
  });

  it('frames commands on the camera side, broadcasts included', () => {
    expect(frames(['00 88 30 01 FF 81 09 04', ' 00 FF'], splitCommands).out).toEqual(['88 30 01 FF', '81 09 04 00 FF']);
  });
});

describe('hex input for raw send', () => {
  it.each([
    ['81 09 04 00 FF', '81 09 04 00 FF'],
    ['8109 0400FF', '81 09 04 00 FF'],
    ['0x81,0x09,0x04,0x00,0xFF', '81 09 04 00 FF'],
    ['81:01:04:00:02:ff', '81 01 04 00 02 FF'],
  ])('parses %j', (text, expected) => {
    expect(toHex(parseHex(text))).toBe(expected);
  });

  it('names the bad token', () => {
    expect(() => parseHex('81 0G FF')).toThrow(/'0G' is not a hex byte/);
    expect(() => parseHex('  ')).toThrow(/no hex bytes/);
  });

  it.each([
    ['81 09 04 00 FF', undefined],
    ['81 FF', /3–16 bytes/],
    ['90 09 04 00 FF', /not a controller header/],
    ['81 09 04 00', /last byte must be FF/],
    ['81 FF 04 00 FF', /FF at byte 1/],
  ])('checks packet %j', (text, problem) => {
    const result = checkRawPacket(parseHex(text));
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(problem);
  });
});
