import { describe, expect, it } from 'vitest';
import {
  Cmd,
  checksum,
  containsTlsGreeting,
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
  wireId,
} from '../../drivers/samsung-mdc/protocol.ts';

const hex = (s: string) => fromHex(s)!;

describe('samsung-mdc encode (MDC reference vectors)', () => {
  it.each([
    ['power on, id 0', Cmd.power, 0x00, [0x01], 'AA 11 00 01 01 13'],
    ['power get, id 0', Cmd.power, 0x00, [], 'AA 11 00 00 11'],
    ['volume 50, id 0', Cmd.volume, 0x00, [0x32], 'AA 12 00 01 32 45'],
    ['input HDMI1, id 0', Cmd.input, 0x00, [0x21], 'AA 14 00 01 21 36'],
    ['status get, id 0', Cmd.status, 0x00, [], 'AA 00 00 00 00'],
    ['power on, id 0 sent as FF (older LFD manuals)', Cmd.power, 0xff, [0x01], 'AA 11 FF 01 01 12'],
  ])('%s → %s', (_name, cmd, id, data, expected) => {
    expect(toHex(encodeRequest(cmd, id, data))).toBe(expected);
  });

  it.each([
    [0, '00', 0x00],
    [0, 'FF', 0xff],
    [5, 'FF', 0x05],
    [0xfe, '00', 0xfe],
  ] as const)('display id %i with idZeroOnWire %s is sent as %i', (id, mode, wire) => {
    expect(wireId(id, mode)).toBe(wire);
  });

  it('refuses an id outside 0..254', () => {
    expect(() => wireId(255)).toThrow(RangeError);
  });

  it('checksum is the sum after the header mod 256', () => {
    expect(checksum([0x11, 0xff, 0x01, 0x01])).toBe(0x12);
    expect(checksum([0xff, 0x00, 0x03, 0x41, 0x11, 0x01])).toBe(0x55);
  });

  it('builds the documented power-on ACK and a NAK', () => {
    expect(toHex(encodeAck(0, Cmd.power, [1]))).toBe('AA FF 00 03 41 11 01 55');
    expect(toHex(encodeNak(0, Cmd.volume, 1))).toBe('AA FF 00 03 4E 12 01 63');
  });
});

describe('samsung-mdc decodeReply', () => {
  it.each([
    ['power-on ACK', 'AA FF 00 03 41 11 01 55', { kind: 'ack', id: 0, rcmd: 0x11, values: [1] }],
    ['NAK with error 01', 'AA FF 00 03 4E 12 01 63', { kind: 'nak', id: 0, rcmd: 0x12, error: 1 }],
  ])('%s', (_n, frame, expected) => {
    const reply = decodeReply(hex(frame));
    expect(reply.kind).toBe(expected.kind);
    if (reply.kind === 'ack') expect({ ...reply, values: [...reply.values] }).toEqual(expected);
    else expect(reply).toEqual(expected);
  });

  it.each([
    ['wrong header', 'AB FF 00 03 41 11 01 55', /header/],
    ['not a response', 'AA 11 00 01 01 13', /response cmd/],
    ['bad checksum', 'AA FF 00 03 41 11 01 56', /bad checksum 0x56 \(expected 0x55\)/],
    ['length mismatch', 'AA FF 00 04 41 11 01 56', /length byte/],
    ['unknown marker', 'AA FF 00 03 42 11 01 56', /neither/],
    ['too short', 'AA FF', /too short/],
  ])('%s is invalid', (_n, frame, reason) => {
    const reply = decodeReply(hex(frame));
    expect(reply.kind).toBe('invalid');
    if (reply.kind === 'invalid') expect(reply.reason).toMatch(reason);
  });

  it('decodes a status ACK: power, volume, mute, input', () => {
    const reply = decodeReply(encodeAck(0, Cmd.status, [1, 30, 0, 0x23, 0x10, 0, 0]));
    expect(reply.kind).toBe('ack');
    if (reply.kind === 'ack') expect(decodeStatus(reply.values)).toEqual({ power: true, volume: 30, muted: false, input: 0x23 });
    expect(decodeStatus(Buffer.from([1, 2]))).toBeUndefined();
  });

  it('decodes a request (simulator side)', () => {
    expect(decodeRequest(hex('AA 12 00 01 32 45'))).toEqual({ cmd: 0x12, id: 0, data: Buffer.from([0x32]) });
  });
});

describe('samsung-mdc scanFrames', () => {
  const ack = 'AA FF 00 03 41 11 01 55';
  it.each([
    ['one frame', ack, [ack], 0, ''],
    ['two merged frames', `${ack} ${ack}`, [ack, ack], 0, ''],
    ['garbage before a frame', `01 02 03 ${ack}`, [ack], 3, ''],
    ['a split frame waits', 'AA FF 00 03 41', [], 0, 'AA FF 00 03 41'],
    ['a lone header waits', 'AA', [], 0, 'AA'],
    ['bad checksum then a good frame', `AA FF 00 03 41 11 01 56 ${ack}`, [ack], 8, ''],
    ['garbage containing AA before a frame', `AA 00 13 ${ack}`, [ack], 3, ''],
    ['a false header claiming 255 bytes before a frame', `AA FF 00 FF 41 ${ack}`, [ack], 5, ''],
    ['a false AA FF right before a frame', `AA FF ${ack}`, [ack], 2, ''],
  ])('%s', (_n, input, frames, discarded, rest) => {
    const r = scanFrames(hex(input), { responsesOnly: true });
    expect(r.frames.map(toHex)).toEqual(frames);
    expect(r.discarded).toBe(discarded);
    expect(toHex(r.rest)).toBe(rest);
  });

  it('reports a bad checksum as a problem', () => {
    const r = scanFrames(hex('AA FF 00 03 41 11 01 56'));
    expect(r.problems.join('\n')).toMatch(/bad checksum in AA FF 00 03 41 11 01 56 \(expected 0x55\)/);
  });

  it('without responsesOnly it also splits requests (simulator side)', () => {
    expect(scanFrames(hex('AA 11 00 01 01 13 AA 11 00 00 11')).frames.map(toHex)).toEqual(['AA 11 00 01 01 13', 'AA 11 00 00 11']);
  });

  it('spots the TLS greeting', () => {
    expect(containsTlsGreeting(Buffer.from('MDCSTART<<TLS>>'))).toBe(true);
    expect(containsTlsGreeting(hex('AA FF 00 03 41 11 01 55'))).toBe(false);
  });
});

describe('samsung-mdc inputs', () => {
  const user = { codec: 'hdmi2', pc: 0x25, legacy: '0x18' };
  it.each([
    ['hdmi1', {}, 0x21],
    ['HDMI2', {}, 0x23],
    ['dp', {}, 0x25],
    ['codec', user, 0x23],
    ['pc', user, 0x25],
    ['legacy', user, 0x18],
    ['nope', user, undefined],
  ])('%s → %s', (name, map, code) => {
    expect(resolveInputCode(name, map)).toBe(code);
  });

  it.each([
    [0x21, {}, 'hdmi1'],
    [0x22, {}, 'hdmi1'], // HDMI1_PC is reported while HDMI1 is selected
    [0x23, user, 'codec'],
    [0x24, user, 'codec'],
    [0x7a, {}, '0x7A'],
  ])('code %i reads as %s', (code, map, name) => {
    expect(inputNameOf(code, map)).toBe(name);
  });
});
