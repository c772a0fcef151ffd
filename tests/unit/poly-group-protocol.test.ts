import { describe, expect, it } from 'vitest';
import {
  ackMatcher,
  dialCommand,
  dtmfCommands,
  filterTelnet,
  parsePolyLine,
  splitPolyLines,
} from '../../drivers/poly-group/protocol.ts';
import { callStatusFromCodec } from '../../src/sdk/call-status.ts';

/** Transcripts from the Group Series and HDX integrator references as tables. */

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('filterTelnet', () => {
  it.each([
    ['WILL ECHO, WILL SGA → DO both', 'fffb01 fffb03 41', '41', 'fffd01 fffd03', ''],
    ['WILL other → DONT', 'fffb18', '', 'fffe18', ''],
    ['DO anything → WONT', 'fffd1f', '', 'fffc1f', ''],
    ['WONT / DONT need no answer', 'fffc01 fffe03', '', '', ''],
    ['IAC IAC is a literal 0xFF', '41 ffff 42', '41ff42', '', ''],
    ['subnegotiation skipped', 'fffa1801fff0 43', '43', '', ''],
    ['incomplete command kept for the next chunk', '44 fffb', '44', '', 'fffb'],
    ['lone IAC at the end kept', '45 ff', '45', '', 'ff'],
    ['NOP skipped', 'fff1 46', '46', '', ''],
  ])('%s', (_name, input, data, reply, rest) => {
    const r = filterTelnet(hex(input));
    expect(r.data.toString('hex')).toBe(data);
    expect(r.reply.toString('hex')).toBe(reply.replace(/\s+/g, ''));
    expect(r.rest.toString('hex')).toBe(rest);
  });

  it('an endless "subnegotiation" (line noise) is given back as data', () => {
    const r = filterTelnet(Buffer.concat([hex('fffa'), Buffer.alloc(80, 0x41)]));
    expect(r.rest.length).toBe(0);
    expect(r.data.length).toBeGreaterThan(80);
  });
});

describe('splitPolyLines', () => {
  it.each([
    ['CR LF acknowledgement', 'camera near 2\r\n', ['camera near 2'], ''],
    ['HDX echo ends LF CR', 'camera near 2\n\rcamera near 2\r\n', ['camera near 2', 'camera near 2'], ''],
    ['partial line kept', 'cs: call[3', [], 'cs: call[3'],
    ['password prompt without line end', 'Hi\r\nPassword: ', ['Hi', 'Password: '], ''],
    ['"-> " prompt without line end', 'mute near on\r\n-> ', ['mute near on', '-> '], ''],
    ['prompt followed by a partial line is kept', '-> mute ne', [], '-> mute ne'],
  ])('%s', (_name, input, frames, rest) => {
    const r = splitPolyLines()(Buffer.from(input, 'latin1'));
    expect(r.frames.map((f) => f.toString('latin1'))).toEqual(frames);
    expect(r.rest.toString('latin1')).toBe(rest);
  });
});

describe('parsePolyLine', () => {
  it.each([
    ['-> ', { kind: 'prompt' }],
    ['Password:', { kind: 'password-prompt' }],
    ['callstate registered', { kind: 'registered', topic: 'callstate' }],
    ['-> mute registered', { kind: 'registered', topic: 'mute' }],
    ['info: event/notification already active:sleep', { kind: 'registered', topic: 'sleep' }],
    ['registered for callstatus notifications', { kind: 'registered', topic: 'callstatus' }],
    ['notify callstatus success', { kind: 'registered', topic: 'callstatus' }],
    ['event/notification already active:callstatus', { kind: 'registered', topic: 'callstatus' }],
    ['cs: call[34] chan[0] dialstr[192.168.1.103] state[ALLOCATED]', { kind: 'cs', id: '34', state: 'ALLOCATED', dialstr: '192.168.1.103', inactive: false }],
    ['cs: call[34] chan[0] dialstr[192.168.1.103] state[RINGING]', { kind: 'cs', id: '34', state: 'RINGING' }],
    ['cs: call[34] speed[384] dialstr[192.168.1.101] state[connected]', { kind: 'cs', id: '34', speed: 384, state: 'connected' }],
    ['cs: call[1] inactive', { kind: 'cs', id: '1', inactive: true }],
    ['active: call[34] speed [384]', { kind: 'active', id: '34', speed: 384 }],
    ['cleared: call[42]', { kind: 'cleared', id: '42' }],
    ['dialstr[IP:192.168.1.101 NAME:Polycom Austin]', { kind: 'dialstr', dialstr: 'IP:192.168.1.101 NAME:Polycom Austin' }],
    ['ended: call[42]', { kind: 'ended', id: '42' }],
    [
      'notification:callstatus:outgoing:45:Polycom Austin:192.168.1.101:connecting:384:0:videocall',
      { kind: 'callstatus', direction: 'outgoing', id: '45', name: 'Polycom Austin', address: '192.168.1.101', status: 'connecting', speed: 384, type: 'videocall' },
    ],
    ['notification:callstatus:incoming:46:Bob:10.0.0.9:ringing:384:0:videocall', { kind: 'callstatus', direction: 'incoming', id: '46', status: 'ringing' }],
    ['notification:mutestatus:near:near:near:near:muted', { kind: 'mute', muted: true, far: false }],
    ['notification:mutestatus:far:far:far:far:unmuted', { kind: 'mute', muted: false, far: true }],
    ['mute near on', { kind: 'mute', muted: true, far: false }],
    ['mute far off', { kind: 'mute', muted: false, far: true }],
    ['dialing auto', { kind: 'dialing', mode: 'auto' }],
    ['dialing manual', { kind: 'dialing', mode: 'manual' }],
    ['hanging up video', { kind: 'hanging-up', what: 'video' }],
    ['system is not in a call', { kind: 'no-call' }],
    ['listen going to sleep', { kind: 'power', asleep: true }],
    ['listen waking up', { kind: 'power', asleep: false }],
    ['listen video ringing', { kind: 'incoming-ring' }],
    ['info: IP line (SIP) not enabled.', { kind: 'info', text: 'IP line (SIP) not enabled.' }],
    ['error: command not found', { kind: 'error', text: 'error: command not found' }],
    ['answer incoming video call failed', { kind: 'error' }],
    ['camera near 2', { kind: 'text', text: 'camera near 2' }],
    // malformed: logged by the driver and survived
    ['cs: state[RINGING]', { kind: 'malformed', reason: 'cs: line without call[n]' }],
    ['cs: call[3] chan[0]', { kind: 'malformed', reason: 'cs: line without state[...]' }],
    ['ended: callx', { kind: 'malformed', reason: 'ended: line without call[n]' }],
    ['notification:callstatus:outgoing:x', { kind: 'malformed', reason: 'short callstatus notification' }],
    ['notification:mutestatus:near:maybe', { kind: 'malformed', reason: 'mutestatus without muted/unmuted' }],
    ['\x8f\x13junk', { kind: 'malformed', reason: 'non-printable bytes' }],
  ])('%j', (line, expected) => {
    expect(parsePolyLine(line)).toMatchObject(expected);
  });
});

describe('call state mapping', () => {
  it.each([
    ['ALLOCATED', 'dialing'],
    ['RINGING', 'ringing'],
    ['BONDING', 'ringing'],
    ['CONNECTED', 'connected'],
    ['COMPLETE', 'connected'],
    ['connected', 'connected'],
    ['DISCONNECTING', 'disconnecting'],
    ['CLEARING', 'disconnecting'],
    ['IDLE', 'idle'],
    ['INACTIVE', undefined],
  ])('cs state[%s] → %s', (state, status) => {
    expect(callStatusFromCodec(state)).toBe(status);
  });

  it.each([
    ['opened', 'dialing'],
    ['connecting', 'ringing'],
    ['ringing', 'ringing'],
    ['connected', 'connected'],
    ['disconnecting', 'disconnecting'],
    ['disconnected', undefined],
    ['inactive', undefined],
  ])('callstatus %s → %s', (s, status) => {
    expect(callStatusFromCodec(s)).toBe(status);
  });
});

describe('commands', () => {
  it.each([
    ['5551212', 64, 'h320', 'dial manual 64 "5551212" h320'],
    ['10.0.0.5', 768, undefined, 'dial manual 768 "10.0.0.5"'],
    ['John Polycom', 384, 'sip', 'dial manual 384 "John Polycom" sip'],
  ] as const)('dial %s @%d %s (the references\' `dial manual "speed" "dialstr" [type]`)', (n, speed, type, line) => {
    expect(dialCommand(n, speed, type)).toBe(line);
  });

  it('never dials without a speed (neither documented form takes a number alone)', () => {
    expect(() => dialCommand('10.0.0.5', 0)).toThrow(/speed/);
  });

  it('refuses unquotable numbers and DTMF letters', () => {
    expect(() => dialCommand('a"b', 384)).toThrow(/double quote/);
    expect(() => dialCommand('a\rb', 384)).toThrow(/0x0d/);
    expect(dtmfCommands('12*#')).toEqual(['gendial 1', 'gendial 2', 'gendial *', 'gendial #']);
    expect(() => dtmfCommands('1A')).toThrow(/'A' cannot be sent/);
  });

  it.each([
    ['callstate register', 'callstate registered', true, 'ack'],
    ['callstate register', 'info: event/notification already active:callstate', true, 'ack'],
    ['callstate register', 'mute registered', true, undefined],
    ['notify callstatus', 'notify callstatus success', true, 'ack'],
    ['notify callstatus', 'info: event/notification already active:callstatus', true, 'ack'],
    ['notify callstatus', 'event/notification already active:callstatus', true, 'ack'],
    ['dial manual 384 "x"', 'dialing manual', true, 'ack'],
    ['dial manual 384 "x"', 'info: IP line (SIP) not enabled.', true, 'fail'],
    ['dial manual 384 "x"', 'cs: call[3] chan[0] dialstr[x] state[ALLOCATED]', true, undefined],
    ['hangup all', 'hanging up all', true, 'ack'],
    ['answer video', 'answer incoming video call passed', true, 'ack'],
    ['answer video', 'answer incoming video call failed', true, 'fail'],
    ['mute near get', 'mute near off', true, 'ack'],
    ['mute near get', 'mute far off', true, undefined],
    ['getcallstate', 'system is not in a call', true, 'ack'],
    ['getcallstate', 'cs: call[1] inactive', true, 'ack'],
    ['mute near on', 'notification:mutestatus:near:near:near:near:muted', false, undefined],
    ['mute near on', 'error: command has illegal parameters', false, 'fail'],
    ['sleep', 'listen going to sleep', false, undefined],
  ])('%s ← %j', (command, line, distinct, verdict) => {
    const m = ackMatcher(command);
    expect(m.distinct).toBe(distinct);
    expect(m.match(parsePolyLine(line))).toBe(verdict);
  });
});
