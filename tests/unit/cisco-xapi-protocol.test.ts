import { describe, expect, it } from 'vitest';
import {
  XapiReader,
  dialCommand,
  encodeLine,
  interpretStatus,
  outcomeFromCause,
  parseLine,
  splitResultId,
  splitXapi,
  type XapiMessage,
} from '../../drivers/cisco-xapi/protocol.ts';
import { callStatusFromCodec } from '../../src/sdk/call-status.ts';

/** Transcripts from the Cisco xAPI references as tables. */

const feed = (lines: string[]): XapiMessage[] => {
  const reader = new XapiReader();
  return lines.flatMap((l) => reader.push(l));
};

describe('splitXapi', () => {
  it.each([
    ['CRLF lines', 'OK\r\n** end\r\n', ['OK', '** end'], ''],
    ['LF lines and a partial line kept', '*s Standby State: Off\n*s Ca', ['*s Standby State: Off'], '*s Ca'],
    ['a login prompt without line end', 'Welcome\r\nlogin: ', ['Welcome', 'login: '], ''],
    ['a password prompt', 'Password: ', ['Password: '], ''],
    ['text that merely ends in a colon is not a prompt', 'Reason:', [], 'Reason:'],
  ])('%s', (_name, input, frames, rest) => {
    const r = splitXapi()(Buffer.from(input));
    expect(r.frames.map((f) => f.toString())).toEqual(frames);
    expect(r.rest.toString()).toBe(rest);
  });

  it('discards an over-long line', () => {
    const r = splitXapi(50)(Buffer.from(`${'x'.repeat(100)}\nOK\n`));
    expect(r.frames.map((f) => f.toString())).toEqual(['OK']);
    expect(r.discarded).toBe(101);
  });
});

describe('parseLine', () => {
  it.each([
    ['*s Call 27 Status: Connected', { kind: 'status', path: ['Call', '27', 'Status'], value: 'Connected', ghost: false }],
    ['*s Call 27 RemoteNumber: "user@example.com"', { kind: 'status', path: ['Call', '27', 'RemoteNumber'], value: 'user@example.com' }],
    ['*s Call 5 AnswerState: Answered', { kind: 'status', value: 'Answered' }],
    ['*s Audio Microphones Mute: On', { kind: 'status', path: ['Audio', 'Microphones', 'Mute'], value: 'On' }],
    ['*s Standby Active: On', { kind: 'status', path: ['Standby', 'Active'], value: 'On' }],
    ['*s Standby State: Standby', { kind: 'status', path: ['Standby', 'State'], value: 'Standby' }],
    ['*s Call 27 (ghost=True):', { kind: 'status', path: ['Call', '27'], ghost: true }],
    ['*r DialResult (status=OK):', { kind: 'result-head', name: 'DialResult', status: 'OK' }],
    ['*r DialResult (status=Error):', { kind: 'result-head', name: 'DialResult', status: 'Error' }],
    ['    CallId: 2', { kind: 'field', key: 'CallId', value: '2' }],
    ['    Reason: "Invalid number"', { kind: 'field', key: 'Reason', value: 'Invalid number' }],
    ['** resultId: "roomd-7"', { kind: 'result-id', id: 'roomd-7' }],
    ['** end', { kind: 'end' }],
    ['OK', { kind: 'ok' }],
    ['ERROR', { kind: 'error' }],
    ['*r Login successful', { kind: 'login-ok' }],
    ['Login incorrect', { kind: 'login-failed' }],
    ['login:', { kind: 'prompt', prompt: 'login' }],
    ['Password: ', { kind: 'prompt', prompt: 'password' }],
    ['Command not recognized.', { kind: 'not-recognized' }],
    ['*c xConfiguration Audio DefaultVolume: 50', { kind: 'other', prefix: '*c' }],
    ['*h xHistory CallLogs Call 1 CallId: 3', { kind: 'other', prefix: '*h' }],
    ['Welcome to Room Kit', { kind: 'text', text: 'Welcome to Room Kit' }],
    ['', { kind: 'blank' }],
    // malformed: logged by the driver and survived
    ['*s Standby State Off', { kind: 'malformed', reason: 'status line without ":"' }],
    ['*s : On', { kind: 'malformed', reason: 'status line without a path' }],
    ['*r (status=OK):', { kind: 'malformed', reason: 'result line without a name' }],
    ['*x what', { kind: 'malformed', reason: 'unknown "*" line' }],
    ['\x00\x8f\x13', { kind: 'malformed', reason: 'non-printable bytes' }],
    // line noise in front of a real line is skipped
    ['\x8f\x13*s Standby State: Off', { kind: 'status', path: ['Standby', 'State'], value: 'Off' }],
    ['\xff\xfeOK', { kind: 'ok' }],
  ])('%j', (line, expected) => {
    expect(parseLine(line)).toMatchObject(expected);
  });

  it('parses a one-line event with quoted and bare values', () => {
    const line =
      '*e CallDisconnect CauseValue: 1 CauseType: "LocalDisconnect" CauseString: "" OrigCallDirection: "outgoing" RemoteURI: "sip:a@b.c" CallId: 89 CauseCode: 0 CauseOrigin: SIP';
    expect(parseLine(line)).toEqual({
      kind: 'event',
      name: 'CallDisconnect',
      fields: {
        CauseValue: '1',
        CauseType: 'LocalDisconnect',
        CauseString: '',
        OrigCallDirection: 'outgoing',
        RemoteURI: 'sip:a@b.c',
        CallId: '89',
        CauseCode: '0',
        CauseOrigin: 'SIP',
      },
    });
  });
});

describe('XapiReader', () => {
  it('assembles a Dial result block with its result id', () => {
    expect(feed(['*r DialResult (status=OK):', '    CallId: 2', '    ConferenceId: 1', '** resultId: "roomd-3"', '** end', '', 'OK'])).toEqual([
      { type: 'result', result: { name: 'DialResult', status: 'OK', ok: true, fields: { CallId: '2', ConferenceId: '1' }, resultId: 'roomd-3' } },
      { type: 'done', ok: true },
    ]);
  });

  it('assembles an error result with Reason and XPath', () => {
    const out = feed(['*r DialResult (status=Error):', '    Reason: "Invalid number"', '    XPath: "/Dial/Number"', '** end', 'ERROR']);
    expect(out[0]).toMatchObject({ type: 'result', result: { ok: false, status: 'Error', fields: { Reason: 'Invalid number', XPath: '/Dial/Number' } } });
    expect(out[1]).toEqual({ type: 'done', ok: false });
  });

  it('accepts OK printed before the result block', () => {
    const out = feed(['OK', '*r StandbyDeactivateResult (status=OK):', '** end']);
    expect(out.map((m) => m.type)).toEqual(['done', 'result']);
  });

  it('merges a one-field-per-line event', () => {
    expect(feed(['*e CallDisconnect CauseType: "RemoteBusy"', '*e CallDisconnect CallId: 4', '** end'])).toEqual([
      { type: 'event', name: 'CallDisconnect', fields: { CauseType: 'RemoteBusy', CallId: '4' } },
    ]);
  });

  it('passes feedback status lines through, interleaved with a pending result', () => {
    const out = feed(['*s Call 3 Status: Dialling', '** end', '*r DialResult (status=OK):', '    CallId: 3', '** end', 'OK']);
    expect(out.map((m) => m.type)).toEqual(['status', 'result', 'done']);
  });

  it('closes an open block when a block of another kind starts without "** end"', () => {
    const out = feed(['*r DialResult (status=OK):', '    CallId: 3', '*s Call 3 Status: Dialling']);
    expect(out.map((m) => m.type)).toEqual(['result', 'status']);
  });

  it('reports malformed lines and keeps going', () => {
    const out = feed(['*s broken', '    Orphan: field', '\x00\x01', 'OK']);
    expect(out.map((m) => m.type)).toEqual(['malformed', 'malformed', 'malformed', 'done']);
  });

  it('reports the login banner and prompts', () => {
    const out = feed(['login:', 'Password:', 'Welcome to X', 'Cisco Codec Release ce9.15', '*r Login successful', '', 'OK', 'Login incorrect']);
    expect(out).toEqual([
      { type: 'login', outcome: 'login-prompt' },
      { type: 'login', outcome: 'password-prompt' },
      { type: 'ignored', text: 'Welcome to X' },
      { type: 'ignored', text: 'Cisco Codec Release ce9.15' },
      { type: 'login', outcome: 'ok' },
      { type: 'done', ok: true },
      { type: 'login', outcome: 'failed' },
    ]);
  });
});

describe('interpretStatus', () => {
  it.each([
    [['Call', '27', 'Status'], 'Connected', false, { kind: 'call', id: '27', field: 'status', value: 'Connected' }],
    [['Call', '27', 'Direction'], 'Incoming', false, { kind: 'call', id: '27', field: 'direction', value: 'incoming' }],
    [['Call', '27', 'RemoteNumber'], 'sip:bob@x.org', false, { kind: 'call', id: '27', field: 'remote', value: 'bob@x.org' }],
    [['Call', '27'], '', true, { kind: 'call-gone', id: '27' }],
    [['Standby', 'State'], 'Standby', false, { kind: 'power', power: 'off' }],
    [['Standby', 'State'], 'Off', false, { kind: 'power', power: 'on' }],
    [['Standby', 'State'], 'Halfwake', false, { kind: 'power', power: 'on' }],
    [['Standby', 'State'], 'EnteringStandby', false, { kind: 'power', power: 'cooling' }],
    [['Standby', 'Active'], 'On', false, { kind: 'power', power: 'off' }],
    [['Standby', 'Active'], 'Off', false, { kind: 'power', power: 'on' }],
    [['Audio', 'Microphones', 'Mute'], 'On', false, { kind: 'mic-mute', muted: true }],
    [['Audio', 'Microphones', 'Mute'], 'Off', false, { kind: 'mic-mute', muted: false }],
    [['Call', '27', 'CallType'], 'Video', false, undefined],
    [['SystemUnit', 'Uptime'], '100', false, undefined],
  ])('%j %s', (path, value, ghost, expected) => {
    expect(interpretStatus(path, value, ghost)).toEqual(expected);
  });

  it.each([
    ['Idle', 'idle'],
    ['Dialling', 'dialing'],
    ['Ringing', 'ringing'],
    ['Connecting', 'ringing'],
    ['EarlyMedia', 'ringing'],
    ['Connected', 'connected'],
    ['OnHold', 'connected'],
    ['Disconnecting', 'disconnecting'],
    ['RemotePreserved', 'connected'],
    ['Bogus', undefined],
    ['constructor', undefined],
  ])('call status %s → %s', (cisco, ours) => {
    expect(callStatusFromCodec(cisco)).toBe(ours);
  });

  it.each([
    ['RemoteBusy', 'busy'],
    ['RemoteRejected', 'rejected'],
    ['LocalReject', 'rejected'],
    ['RemoteNoAnswer', 'no-answer'],
    ['LocalDisconnect', 'cancelled'],
    ['RemoteDisconnect', undefined],
  ])('cause %s → %s', (cause, outcome) => {
    expect(outcomeFromCause(cause)).toBe(outcome);
  });
});

describe('encoding', () => {
  it.each([
    ['user@example.com', {}, 'xCommand Dial Number: "user@example.com"'],
    ['5551212', { protocol: 'H323', callRate: 768 }, 'xCommand Dial Number: "5551212" Protocol: H323 CallRate: 768'],
    ['a b', { callType: 'Audio' }, 'xCommand Dial Number: "a b" CallType: Audio'],
  ])('dial %s', (number, opts, expected) => {
    expect(dialCommand(number, opts)).toBe(expected);
  });

  it.each([
    ['a"b', /double quote/],
    ['a\nb', /control character 0x0a/],
  ])('refuses %j', (number, message) => {
    expect(() => dialCommand(number)).toThrow(message);
  });

  it('tags commands with a result id', () => {
    expect(encodeLine('xStatus Call', 'roomd-7')).toBe('xStatus Call | resultId="roomd-7"\n');
    expect(encodeLine('echo off')).toBe('echo off\n');
    expect(splitResultId('xCommand Dial Number: "x" | resultId="roomd-7"')).toEqual({ command: 'xCommand Dial Number: "x"', resultId: 'roomd-7' });
    expect(splitResultId('xStatus Call')).toEqual({ command: 'xStatus Call' });
  });
});
