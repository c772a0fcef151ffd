import { describe, expect, it } from 'vitest';
import {
  NetstringReader,
  decodeMessage,
  dialTargetProblem,
  encodeCommand,
  encodeNetstring,
  normaliseNumber,
  parseListCalls,
  parseMuteReply,
  splitNetstrings,
} from '../../drivers/baresip/protocol.ts';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const texts = (frames: Buffer[]): string[] => frames.map((f) => f.toString('utf8'));

describe('baresip netstring encoding', () => {
  it.each([
    ['{}', '2:{},'],
    ['', '0:,'],
    ['{"a":"é"}', '10:{"a":"é"},'], // é is two UTF-8 bytes: the length counts bytes
  ])('encodes %j as %j', (payload, wire) => {
    expect(encodeNetstring(payload).toString('utf8')).toBe(wire);
  });

  it.each([
    [{ command: 'dial', params: 'sip:far@127.0.0.1:5062', token: 'r1' }, '65:{"command":"dial","params":"sip:far@127.0.0.1:5062","token":"r1"},'],
    [{ command: 'hangup', token: 'r2' }, '33:{"command":"hangup","token":"r2"},'],
    [{ command: 'listcalls' }, '23:{"command":"listcalls"},'],
    [{ command: 'mute', params: '', token: 'x' }, '30:{"command":"mute","token":"x"},'],
  ])('encodes command %j', (cmd, wire) => {
    expect(encodeCommand(cmd).toString('utf8')).toBe(wire);
  });
});

describe('splitNetstrings', () => {
  const ev = '{"event":true,"type":"CALL_RINGING"}';
  const resp = '{"response":true,"ok":true,"data":"","token":"r1"}';
  const ns = (s: string): string => `${Buffer.byteLength(s)}:${s},`;

  it.each<[string, string, string[], string, number]>([
    ['one whole frame', ns(ev), [ev], '', 0],
    ['two merged frames', ns(ev) + ns(resp), [ev, resp], '', 0],
    ['a frame and the start of the next', ns(ev) + ns(resp).slice(0, 10), [ev], ns(resp).slice(0, 10), 0],
    ['only a partial length', '12', [], '12', 0],
    ['length and colon only', '37:', [], '37:', 0],
    ['payload without its comma', ns(ev).slice(0, -1), [], ns(ev).slice(0, -1), 0],
    ['an empty netstring', '0:,' + ns(ev), ['', ev], '', 0],
    ['garbage before a frame', '\x00\x01xy' + ns(ev), [ev], '', 4],
    ['garbage ending in a fake length', 'zz7:' + ns(ev), [ev], '', 4],
    ['a length without a colon', '12x' + ns(ev), [ev], '', 3],
    ['a wrong trailing byte', `${ev.length}:${ev};` + ns(resp), [resp], '', ev.length + 4],
  ])('%s', (_name, input, frames, rest, discarded) => {
    const r = splitNetstrings(b(input));
    expect(texts(r.frames)).toEqual(frames);
    expect(r.rest.toString('utf8')).toBe(rest);
    expect(r.discarded).toBe(discarded);
    expect(r.problems.length > 0).toBe(discarded > 0);
  });

  it('finds the real frame when garbage digits glue onto its length', () => {
    // "9" + "37:{…}," reads as a 937-byte netstring that would never complete
    const r = splitNetstrings(b('\x019' + ns(ev) + ns(resp)));
    expect(texts(r.frames)).toEqual([ev, resp]);
    expect(r.discarded).toBe(2);
    expect(r.rest.length).toBe(0);
  });

  it('never cuts short a genuine frame that is still arriving', () => {
    const big = JSON.stringify({ response: true, ok: true, data: '1,2,3:{},4,'.repeat(20), token: 'r9' });
    const wire = ns(big);
    for (let cut = 1; cut < wire.length; cut++) {
      const r = splitNetstrings(b(wire.slice(0, cut)));
      expect(r.frames, `cut at ${cut}`).toEqual([]);
      expect(r.discarded).toBe(0);
    }
    expect(texts(splitNetstrings(b(wire)).frames)).toEqual([big]);
  });

  it('refuses a length over the limit and resyncs on the next frame', () => {
    const r = splitNetstrings(b('999999:' + ns(ev)), 1000);
    expect(texts(r.frames)).toEqual([ev]);
    expect(r.problems[0]).toMatch(/exceeds the 1000-byte limit/);
  });

  it('refuses a length with too many digits', () => {
    const r = splitNetstrings(b('12345678901:' + ns(ev)));
    expect(texts(r.frames)).toEqual([ev]);
    expect(r.problems[0]).toMatch(/more than 9 digits/);
  });

  it('does not stall on a fake length whose payload is not JSON', () => {
    // "5000:" would otherwise make the reader wait for 5000 bytes that never come.
    const r = splitNetstrings(b('5000:' + ns(resp)));
    expect(texts(r.frames)).toEqual([resp]);
  });

  it('reports one problem per run of garbage, not one per byte', () => {
    const r = splitNetstrings(b('garbage!' + ns(ev) + 'more' + ns(resp)));
    expect(texts(r.frames)).toEqual([ev, resp]);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/expected a netstring length digit, got 0x67 at byte 0/);
  });
});

describe('NetstringReader', () => {
  const wire = encodeNetstring('{"response":true,"ok":true,"data":"é","token":"r1"}').toString('latin1') + encodeNetstring('{"event":true,"type":"X"}').toString('latin1');
  const bytes = Buffer.from(wire, 'latin1');

  it('gives the same frames however the stream is cut', () => {
    for (let size = 1; size <= bytes.length; size++) {
      const reader = new NetstringReader();
      const got: string[] = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...texts(reader.push(bytes.subarray(i, i + size))));
      expect(got, `chunk size ${size}`).toEqual(['{"response":true,"ok":true,"data":"é","token":"r1"}', '{"event":true,"type":"X"}']);
      expect(reader.discarded).toBe(0);
    }
  });

  it('passes resync problems to the callback and survives', () => {
    const reader = new NetstringReader();
    const problems: string[] = [];
    expect(reader.push(b('##'), (p) => problems.push(p))).toEqual([]);
    expect(texts(reader.push(b('2:{},'), (p) => problems.push(p)))).toEqual(['{}']);
    expect(problems).toHaveLength(1);
    expect(reader.discarded).toBe(2);
  });
});

describe('decodeMessage', () => {
  it.each([
    ['{"response":true,"ok":true,"data":"","token":"r1"}', { kind: 'response', ok: true, data: '', token: 'r1' }],
    ['{"response":true,"ok":false,"data":"command not found (mute)\\n","token":"r2"}', { kind: 'response', ok: false, data: 'command not found (mute)\n', token: 'r2' }],
    ['{"response":true,"ok":true,"data":"x"}', { kind: 'response', ok: true, data: 'x' }],
    // as captured from baresip 1.0.0 (note the escaped slashes baresip's JSON encoder writes)
    [
      '{"event":true,"type":"CALL_RINGING","class":"call","accountaor":"sip:room@127.0.0.1:25060","direction":"outgoing","peeruri":"sip:far@127.0.0.1:25062","id":"c7bc51474a3798ca","param":"sip:far@127.0.0.1:25062"}',
      { kind: 'event', type: 'CALL_RINGING', class: 'call', accountaor: 'sip:room@127.0.0.1:25060', direction: 'outgoing', peeruri: 'sip:far@127.0.0.1:25062', id: 'c7bc51474a3798ca', param: 'sip:far@127.0.0.1:25062' },
    ],
    ['{"event":"true","type":"CALL_CLOSED","param":"486 Rejected"}', { kind: 'event', type: 'CALL_CLOSED', param: '486 Rejected' }],
    ['{"event":true,"type":"CALL_RTCP","direction":"sideways"}', { kind: 'event', type: 'CALL_RTCP' }],
    ['{"response":true,"data":"https:\\/\\/x"}', { kind: 'response', ok: false, data: 'https://x' }],
  ])('decodes %s', (payload, expected) => {
    expect(decodeMessage(payload)).toEqual(expected);
  });

  it.each([
    ['{bad', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['{"hello":1}', /neither a response nor an event/],
    ['{"event":true}', /event without a type/],
  ])('rejects %s', (payload, reason) => {
    const m = decodeMessage(payload);
    expect(m.kind).toBe('invalid');
    expect(m.kind === 'invalid' && m.reason).toMatch(reason);
  });
});

describe('baresip reply texts', () => {
  it.each([
    ['\ncall muted\n', true],
    ['\ncall un-muted\n', false],
    ['', undefined],
    ['command not found (mute)\n', undefined],
  ])('parseMuteReply(%j) = %s', (data, expected) => {
    expect(parseMuteReply(data)).toBe(expected);
  });

  it('parses a listcalls table as baresip 1.0.0 prints it', () => {
    expect(parseListCalls('\n--- Active calls (0) ---\n\n')).toEqual([]);
    expect(parseListCalls('\n--- Active calls (1) ---\n> [line 1]  0:00:01  ESTABLISHED             sip:far@127.0.0.1:25062\n\n')).toEqual([
      { line: 1, state: 'ESTABLISHED', peer: 'sip:far@127.0.0.1:25062' },
    ]);
    expect(parseListCalls('\n--- Active calls (1) ---\n> [line 1]  0:00:00    RINGING             sip:far@127.0.0.1:25062\n\n')).toEqual([
      { line: 1, state: 'RINGING', peer: 'sip:far@127.0.0.1:25062' },
    ]);
  });

  it('refuses a listcalls text it does not understand rather than guessing "no calls"', () => {
    expect(parseListCalls('something else')).toBeUndefined();
    expect(parseListCalls('--- Active calls (2) ---\n> [line 1] odd format')).toBeUndefined();
  });

  it.each([
    ['sip:siege@pnr.example', undefined, 'sip:siege@pnr.example'],
    ['siege@pnr.example', undefined, 'sip:siege@pnr.example'],
    [' 1234 ', 'pbx.example', 'sip:1234@pbx.example'],
    ['1234', undefined, '1234'],
    ['tel:+33123', 'pbx.example', 'tel:+33123'],
  ])('normaliseNumber(%j, %j) = %j', (n, domain, expected) => {
    expect(normaliseNumber(n, domain)).toBe(expected);
  });

  it.each([
    ['sip:a@b', undefined],
    ['', /empty/],
    ['sip:a b@c', /whitespace/],
    ['sip:a@b\nquit', /whitespace/],
    ['x'.repeat(241), /240 bytes/],
  ])('dialTargetProblem(%j)', (target, problem) => {
    const p = dialTargetProblem(target);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(problem);
  });
});

describe('netstring resync (found by fuzzing)', () => {
  const enc = (o: unknown) => { const j = JSON.stringify(o); return `${Buffer.byteLength(j)}:${j},`; };
  it('a stray digit before two frames loses neither', () => {
    const reader = new NetstringReader();
    const a = { x: 1 };
    const b = { event: true, type: 'CALL_RINGING' };
    const payloads = reader.push(Buffer.from(`2${enc(a)}${enc(b)}`)).map((p) => JSON.parse(p.toString()));
    expect(payloads).toEqual([a, b]);
  });
  it('garbage that looks like a long length does not hold back the frames after it', () => {
    const reader = new NetstringReader();
    const b = { response: true, ok: true, token: 't1' };
    expect(reader.push(Buffer.from(`100:{${enc(b)}`)).map((p) => JSON.parse(p.toString()))).toEqual([b]);
  });
});
