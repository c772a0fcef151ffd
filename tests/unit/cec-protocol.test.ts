import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  formatFrame,
  formatPhysicalAddress,
  frame,
  parseCecClientLine,
  parseFrameHex,
  parsePhysicalAddress,
  powerFromStatus,
  sameFrameIgnoringInitiator,
  txCommand,
  type CecLine,
} from '../../drivers/cec/protocol.ts';

// Lines as the real cec-client 6.0.2 printed them against the adapter emulator (tabs included).
const LINES: Array<[string, string, CecLine]> = [
  ['received power report', 'TRAFFIC: [            1472]\t>> 04:90:01', { kind: 'traffic', direction: 'received', time: 1472, frame: { initiator: 0, destination: 4, opcode: 0x90, operands: [1] } }],
  ['sent Image View On', 'TRAFFIC: [            4192]\t<< 40:04', { kind: 'traffic', direction: 'sent', time: 4192, frame: { initiator: 4, destination: 0, opcode: 0x04, operands: [] } }],
  ['sent poll (header only)', 'TRAFFIC: [             292]\t<< f0', { kind: 'traffic', direction: 'sent', time: 292, frame: { initiator: 15, destination: 0, operands: [] } }],
  ['received vendor id broadcast', 'TRAFFIC: [             453]\t>> 0f:87:08:00:46', { kind: 'traffic', direction: 'received', time: 453, frame: { initiator: 0, destination: 15, opcode: 0x87, operands: [8, 0, 0x46] } }],
  ['CRLF tolerated', 'TRAFFIC: [  12]\t>> 0f:36\r', { kind: 'traffic', direction: 'received', time: 12, frame: { initiator: 0, destination: 15, opcode: 0x36, operands: [] } }],
  ['uppercase hex', 'TRAFFIC: [  12]\t<< 4F:82:10:00', { kind: 'traffic', direction: 'sent', time: 12, frame: { initiator: 4, destination: 15, opcode: 0x82, operands: [0x10, 0] } }],
  ['waiting for input', 'waiting for input', { kind: 'ready' }],
  ['pow on', 'power status: on', { kind: 'powerStatus', power: 'on' }],
  ['pow standby', 'power status: standby', { kind: 'powerStatus', power: 'off' }],
  ['pow warming', 'power status: in transition from standby to on', { kind: 'powerStatus', power: 'warming' }],
  ['pow cooling', 'power status: in transition from on to standby', { kind: 'powerStatus', power: 'cooling' }],
  ['pow unknown', 'power status: unknown', { kind: 'powerStatus', power: 'unknown' }],
  ['opening', 'opening a connection to the CEC adapter...', { kind: 'opening' }],
  ['open failed', 'unable to open the device on port /dev/ttyACM0', { kind: 'openFailed', port: '/dev/ttyACM0' }],
  ['connection lost', 'Connection lost - trying to reconnect', { kind: 'connectionLost' }],
  ['volup answer', 'volume up: 7F', { kind: 'audio', what: 'volume up', status: 0x7f }],
  ['mute answer', 'mute: 9E', { kind: 'audio', what: 'mute', status: 0x9e }],
  ['notice', 'NOTICE:  [              88]\tconnection opened', { kind: 'log', level: 'NOTICE', time: 88, message: 'connection opened' }],
  ['error', "ERROR:   [    1001]\tcommand 'CEC transmission' was not acked by the controller", { kind: 'log', level: 'ERROR', time: 1001, message: "command 'CEC transmission' was not acked by the controller" }],
  ['banner', 'CEC Parser created - libCEC version 6.0.2', { kind: 'text', text: 'CEC Parser created - libCEC version 6.0.2' }],
  ['device type banner', "== using device type 'playback device'", { kind: 'text', text: "== using device type 'playback device'" }],
  ['empty', '', { kind: 'text', text: '' }],
];

const MALFORMED: Array<[string, string]> = [
  ['bad hex token', 'TRAFFIC: [  12]\t>> 0f:9z'],
  ['three-digit token', 'TRAFFIC: [  12]\t>> 0f:900'],
  ['no direction', 'TRAFFIC: [  12]\t0f:36'],
  ['empty token', 'TRAFFIC: [  12]\t>> 0f::36'],
  ['no timestamp', 'TRAFFIC: >> 0f:36'],
  ['truncated', 'TRAFFIC: [  12]\t>>'],
  ['odd power text', 'power status: sideways'],
  ['too long frame', `TRAFFIC: [  12]\t>> ${Array(17).fill('00').join(':')}`],
];

describe('parseCecClientLine', () => {
  it.each(LINES)('%s', (_name, line, expected) => {
    expect(parseCecClientLine(line)).toEqual(expected);
  });

  it.each(MALFORMED)('malformed: %s', (_name, line) => {
    const parsed = parseCecClientLine(line);
    expect(parsed.kind).toBe('malformed');
    expect(parsed).toHaveProperty('reason');
  });

  it('never throws on random text', () => {
    for (const s of ['\u0000\u0013>>>', 'TRAFFIC: [', '>> 01:90:00', ':::::', 'x'.repeat(5000)]) {
      expect(() => parseCecClientLine(s)).not.toThrow();
    }
  });
});

describe('decodeFrame', () => {
  const cases: Array<[string, string, unknown]> = [
    ['Report Power Status on', '01:90:00', { type: 'powerStatus', power: 'on' }],
    ['Report Power Status standby', '01:90:01', { type: 'powerStatus', power: 'off' }],
    ['Report Power Status standby->on', '01:90:02', { type: 'powerStatus', power: 'warming' }],
    ['Report Power Status on->standby', '01:90:03', { type: 'powerStatus', power: 'cooling' }],
    ['Report Power Status reserved value', '01:90:07', { type: 'powerStatus', power: 'unknown' }],
    ['Standby broadcast', '0f:36', { type: 'standby' }],
    ['Image View On', '10:04', { type: 'imageViewOn' }],
    ['Text View On', '10:0d', { type: 'imageViewOn' }],
    ['Active Source', '1f:82:10:00', { type: 'activeSource', address: 0x1000 }],
    ['Inactive Source', '10:9d:10:00', { type: 'inactiveSource', address: 0x1000 }],
    ['Routing Change', '0f:80:10:00:20:00', { type: 'routingChange', from: 0x1000, to: 0x2000 }],
    ['Routing Information', '0f:81:21:00', { type: 'routingInformation', address: 0x2100 }],
    ['Set Stream Path', '1f:86:20:00', { type: 'setStreamPath', address: 0x2000 }],
    ['Report Physical Address', '4f:84:10:00:04', { type: 'reportPhysicalAddress', address: 0x1000, deviceType: 4 }],
    ['Report Audio Status 50', '51:7a:32', { type: 'audioStatus', volume: 50, muted: false }],
    ['Report Audio Status muted 30', '51:7a:9e', { type: 'audioStatus', volume: 30, muted: true }],
    ['Report Audio Status unknown volume', '51:7a:7f', { type: 'audioStatus', volume: null, muted: false }],
    ['User Control Pressed volume up', '15:44:41', { type: 'userControlPressed', key: 0x41 }],
    ['User Control Released', '15:45', { type: 'userControlReleased' }],
    ['Set OSD Name', '04:47:54:56', { type: 'osdName', name: 'TV' }],
    ['Device Vendor ID', '0f:87:08:00:46', { type: 'vendorId', vendorId: 0x080046 }],
    ['CEC Version', '04:9e:05', { type: 'cecVersion', version: 5 }],
    ['Feature Abort', '40:00:7a:03', { type: 'featureAbort', opcode: 0x7a, reason: 3 }],
    ['Give Device Power Status', '10:8f', { type: 'request', opcode: 0x8f }],
    ['poll', 'f0', { type: 'poll' }],
    ['vendor command', '01:89:01:02', { type: 'other', opcode: 0x89 }],
    ['short Active Source', '1f:82:10', { type: 'malformed', opcode: 0x82, reason: 'Active Source needs 2 operand byte(s), got 1' }],
    ['short Report Power Status', '01:90', { type: 'malformed', opcode: 0x90, reason: 'Report Power Status needs 1 operand byte(s), got 0' }],
    ['short Routing Change', '0f:80:10:00:20', { type: 'malformed', opcode: 0x80, reason: 'Routing Change needs 4 operand byte(s), got 3' }],
  ];
  it.each(cases)('%s (%s)', (_name, hex, expected) => {
    const f = parseFrameHex(hex);
    expect(f).toBeDefined();
    expect(decodeFrame(f!)).toEqual(expected);
  });
});

describe('frames and addresses', () => {
  it.each([
    ['10:8f', frame(1, 0, 0x8f)],
    ['4f:86:20:00', frame(4, 15, 0x86, 0x20, 0x00)],
    ['f0', frame(15, 0)],
    ['40:44:41', frame(4, 0, 0x44, 0x41)],
  ])('formats and parses %s', (hex, f) => {
    expect(formatFrame(f)).toBe(hex);
    expect(parseFrameHex(hex)).toEqual(f);
  });

  it('tx command uses colons (a space would send only the first byte)', () => {
    expect(txCommand(frame(4, 0, 0x8f))).toBe('tx 40:8f');
    expect(txCommand(frame(4, 15, 0x82, 0x10, 0x00))).toBe('tx 4f:82:10:00');
  });

  it.each([
    ['1.0.0.0', 0x1000],
    ['2.1.0.0', 0x2100],
    ['f.f.f.f', 0xffff],
    ['0.0.0.0', 0],
  ])('physical address %s', (text, value) => {
    expect(parsePhysicalAddress(text)).toBe(value);
    expect(formatPhysicalAddress(value)).toBe(text);
  });

  it.each(['1.0.0', '1.0.0.0.0', '10.0.0.0', 'g.0.0.0', ''])('rejects physical address %j', (text) => {
    expect(parsePhysicalAddress(text)).toBeUndefined();
  });

  it('maps power status operands', () => {
    expect([0, 1, 2, 3, 4, undefined].map(powerFromStatus)).toEqual(['on', 'off', 'warming', 'cooling', 'unknown', 'unknown']);
  });

  it('matches an echo regardless of the initiator libCEC filled in', () => {
    expect(sameFrameIgnoringInitiator(frame(4, 0, 0x04), frame(1, 0, 0x04))).toBe(true);
    expect(sameFrameIgnoringInitiator(frame(4, 0, 0x04), frame(4, 5, 0x04))).toBe(false);
    expect(sameFrameIgnoringInitiator(frame(4, 15, 0x86, 0x20, 0), frame(4, 15, 0x86, 0x10, 0))).toBe(false);
  });
});
