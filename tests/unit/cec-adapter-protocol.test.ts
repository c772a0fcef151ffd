import { describe, expect, it } from 'vitest';
import { createFramer } from '../../src/sdk/index.ts';
import {
  MsgCode,
  TransmitAssembler,
  decodeAdapterMessage,
  encodeAccepted,
  encodeAdapterMessage,
  encodeReceivedFrame,
  escapeBytes,
  msgCodeName,
  splitAdapterMessages,
  unescapeBytes,
} from '../../drivers/cec/adapter-protocol.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('escaping (bytes >= 0xFD become FD, byte-3)', () => {
  it.each([
    ['plain bytes pass', '01 90 00', '01 90 00'],
    ['FD', 'fd', 'fd fa'],
    ['FE', 'fe', 'fd fb'],
    ['FF', 'ff', 'fd fc'],
    ['FC is not escaped', 'fc', 'fc'],
    ['mixed (0f:87:ff:fd:fe payload)', '87 ff fd fe', '87 fd fc fd fa fd fb'],
  ])('%s', (_name, raw, escaped) => {
    expect(escapeBytes(hex(raw))).toEqual(hex(escaped));
    expect(unescapeBytes(hex(escaped))).toEqual(hex(raw));
  });
});

describe('encodeAdapterMessage (Pulse-Eight adapter vectors)', () => {
  it.each([
    ['PING', encodeAdapterMessage(MsgCode.PING), 'ff 01 fe'],
    ['accept PING', encodeAccepted(MsgCode.PING), 'ff 08 01 fe'],
    ['firmware version 12', encodeAdapterMessage(MsgCode.FIRMWARE_VERSION, hex('000c')), 'ff 15 00 0c fe'],
    ['build date', encodeAdapterMessage(MsgCode.GET_BUILDDATE, hex('5c8e2f0a')), 'ff 17 5c 8e 2f 0a fe'],
    ['adapter type', encodeAdapterMessage(MsgCode.GET_ADAPTER_TYPE, hex('01')), 'ff 28 01 fe'],
    ['set ack mask 0x0010', encodeAdapterMessage(MsgCode.SET_ACK_MASK, hex('0010')), 'ff 0a 00 10 fe'],
    ['transmit succeeded', encodeAdapterMessage(MsgCode.TRANSMIT_SUCCEEDED), 'ff 10 fe'],
    ['escaped payload', encodeAdapterMessage(MsgCode.FRAME_DATA, hex('ff')), 'ff 06 fd fc fe'],
  ])('%s', (_name, bytes, expected) => {
    expect(bytes).toEqual(hex(expected));
  });

  it('received frame 01:90:00 is FRAME_START, FRAME_DATA, FRAME_DATA|EOM', () => {
    expect(encodeReceivedFrame(hex('019000'))).toEqual(hex('ff 05 01 fe ff 06 90 fe ff 86 00 fe'));
  });

  it('header-only frame is FRAME_START|EOM', () => {
    expect(encodeReceivedFrame(hex('04'))).toEqual(hex('ff 85 04 fe'));
  });

  it('ACK flag is 0x40', () => {
    expect(encodeReceivedFrame(hex('0136'), true)).toEqual(hex('ff 45 01 fe ff c6 36 fe'));
  });
});

describe('splitAdapterMessages', () => {
  const split = splitAdapterMessages();

  it('splits back-to-back messages and unescapes them', () => {
    const r = split(hex('ff 0e 00 fe ff 0b 40 fe ff 0c fd fc fe'));
    expect(r.frames).toEqual([hex('0e 00'), hex('0b 40'), hex('0c ff')]);
    expect(r.rest.length).toBe(0);
    expect(r.discarded).toBe(0);
  });

  it('keeps a partial message for the next chunk', () => {
    const framer = createFramer(split);
    expect(framer.push(hex('ff 15'))).toEqual([]);
    expect(framer.push(hex('00'))).toEqual([]);
    expect(framer.push(hex('0c fe ff 01'))).toEqual([hex('15 00 0c')]);
    expect(framer.push(hex('fe'))).toEqual([hex('01')]);
  });

  it('discards noise outside messages and a message cut short by a new FF', () => {
    const r = split(hex('13 37 ff 0b 40 ff 01 fe 42'));
    expect(r.frames).toEqual([hex('01')]);
    expect(r.discarded).toBe(6); // 13 37, the cut-short ff 0b 40, the trailing 42
  });

  it('discards an empty message', () => {
    const r = split(hex('ff fe ff 01 fe'));
    expect(r.frames).toEqual([hex('01')]);
    expect(r.discarded).toBe(2);
  });

  it('drops an endless message to resync', () => {
    const framer = createFramer(splitAdapterMessages(8));
    framer.push(Buffer.concat([hex('ff'), Buffer.alloc(40, 0x11)]));
    expect(framer.push(hex('ff 01 fe'))).toEqual([hex('01')]);
    expect(framer.discarded).toBeGreaterThan(16);
  });

  it('decodes flags off the code byte', () => {
    expect(decodeAdapterMessage(hex('86 00'))).toEqual({ code: MsgCode.FRAME_DATA, eom: true, ack: false, payload: hex('00') });
    expect(decodeAdapterMessage(hex('c5 01'))).toEqual({ code: MsgCode.FRAME_START, eom: true, ack: true, payload: hex('01') });
    expect(msgCodeName(0x8c)).toBe('TRANSMIT_EOM');
    expect(msgCodeName(0x3c)).toBe('0x3c');
  });
});

describe('TransmitAssembler', () => {
  it('assembles ACK_POLARITY, TRANSMIT..., TRANSMIT_EOM into one frame', () => {
    const a = new TransmitAssembler();
    const msgs = ['0e 01', '0b 4f', '0b 86', '0b 20', '0c 00'].map((m) => decodeAdapterMessage(hex(m)));
    const out = msgs.map((m) => a.push(m));
    expect(out.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(out[4]).toEqual(hex('4f 86 20 00'));
    expect(a.ackPolarity).toBe(1);
  });

  it('a poll is a lone TRANSMIT_EOM', () => {
    const a = new TransmitAssembler();
    a.push(decodeAdapterMessage(hex('0e 00')));
    expect(a.push(decodeAdapterMessage(hex('0c 44')))).toEqual(hex('44'));
  });
});
