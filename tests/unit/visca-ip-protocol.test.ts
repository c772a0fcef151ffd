import { describe, it, expect } from 'vitest';
import { PayloadType, controlKind, decodeIpMessage, encodeIpMessage, encodeReset, nextSeq, type IpMessage } from '../../drivers/visca-ip/protocol.ts';
import { encode, parseHex, toHex } from '../../drivers/visca/protocol.ts';

/** The worked examples of Sony's VISCA over IP framing. */
describe('Sony VISCA over IP worked examples', () => {
  it('RESET is 02 00 00 01 00 00 00 00 01 (as Companion sends it)', () => {
    expect(toHex(encodeReset())).toBe('02 00 00 01 00 00 00 00 01');
  });

  it.each([
    ['Power on, seq 1', () => encodeIpMessage(PayloadType.command, 1, encode.power(1, true)), '01 00 00 06 00 00 00 01 81 01 04 00 02 FF'],
    ['Power inquiry, seq 2', () => encodeIpMessage(PayloadType.inquiry, 2, encode.powerInquiry(1)), '01 10 00 05 00 00 00 02 81 09 04 00 FF'],
    ['large seq, big-endian', () => encodeIpMessage(PayloadType.command, 0x01020304, encode.home(1)), '01 00 00 05 01 02 03 04 81 01 06 04 FF'],
  ])('encodes %s', (_n, make, expected) => {
    expect(toHex(make())).toBe(expected);
  });

  it.each<[string, string, Partial<IpMessage> & { payloadHex: string }, string]>([
    ['RESET ack', '02 01 00 01 00 00 00 07 01', { type: 0x0201, seq: 7, payloadHex: '01' }, 'resetAck'],
    ['ACK', '01 11 00 03 00 00 00 01 90 41 FF', { type: 0x0111, seq: 1, payloadHex: '90 41 FF' }, 'unknown'],
    ['Completion', '01 11 00 03 00 00 00 01 90 51 FF', { type: 0x0111, seq: 1, payloadHex: '90 51 FF' }, 'unknown'],
    ['Answer (on)', '01 11 00 04 00 00 00 02 90 50 02 FF', { type: 0x0111, seq: 2, payloadHex: '90 50 02 FF' }, 'unknown'],
    ['ERROR sequence (0201)', '02 01 00 02 00 00 00 05 0F 01', { type: 0x0201, seq: 5, payloadHex: '0F 01' }, 'sequenceError'],
    ['ERROR sequence (0200)', '02 00 00 02 00 00 00 05 0F 01', { type: 0x0200, seq: 5, payloadHex: '0F 01' }, 'sequenceError'],
    ['ERROR message', '02 01 00 02 00 00 00 00 0F 02', { type: 0x0201, seq: 0, payloadHex: '0F 02' }, 'messageError'],
    ['RESET (camera side)', '02 00 00 01 00 00 00 00 01', { type: 0x0200, seq: 0, payloadHex: '01' }, 'reset'],
  ])('decodes %s', (_n, bytes, expected, kind) => {
    const m = decodeIpMessage(parseHex(bytes));
    if ('error' in m) throw new Error(m.error);
    expect({ type: m.type, seq: m.seq, payloadHex: toHex(m.payload) }).toEqual(expected);
    expect(controlKind(m)).toBe(kind);
  });

  it.each([
    ['short', '01 11 00 03 00 00', /shorter than a header/],
    ['length field too big', '01 11 00 05 00 00 00 01 90 41 FF', /length field says 5 but 3/],
    ['length field too small', '01 11 00 02 00 00 00 01 90 41 FF', /length field says 2 but 3/],
  ])('rejects a malformed datagram: %s', (_n, bytes, message) => {
    const m = decodeIpMessage(parseHex(bytes));
    expect('error' in m && m.error).toMatch(message);
  });

  it('refuses payloads it cannot frame and wraps the sequence number', () => {
    expect(() => encodeIpMessage(PayloadType.command, 1, Buffer.alloc(17, 1))).toThrow(/17 bytes/);
    expect(() => encodeIpMessage(PayloadType.command, 1, Buffer.alloc(0))).toThrow(/0 bytes/);
    expect(nextSeq(1)).toBe(2);
    expect(nextSeq(0xffffffff)).toBe(0);
    expect(toHex(encodeIpMessage(PayloadType.command, 0xffffffff, [0x01]))).toBe('01 00 00 01 FF FF FF FF 01');
  });
});
