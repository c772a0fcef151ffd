import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { RoomError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { Coalescer } from '../../src/api/mqtt/coalescer.ts';
import { CommandHandler, type MqttResult } from '../../src/api/mqtt/commands.ts';
import {
  MAX_PAYLOAD_BYTES,
  meetingWord,
  microphonesWord,
  parseCapabilitySet,
  parseDeviceSet,
  parseJsonObject,
  parseMeetingBody,
  parseMicrophonesBody,
  payloadText,
  requestIdOf,
} from '../../src/api/mqtt/payloads.ts';
import { Topics, type IncomingTopic } from '../../src/api/mqtt/topics.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

const topics = new Topics('roomd/', 'st-pons');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof RoomError ? err.code : `not a RoomError: ${String(err)}`;
  }
}

describe('MQTT topics', () => {
  it.each([
    ['roomd/st-pons/display/set', { kind: 'device', device: 'display' }],
    ['roomd/st-pons/display/power/set', { kind: 'capability', device: 'display', capability: 'power' }],
    ['roomd/st-pons/meeting/set', { kind: 'meeting' }],
    ['roomd/st-pons/meeting/microphones/set', { kind: 'microphones' }],
    ['roomd/st-pons/meeting/microphones/state', undefined],
    ['roomd/st-pons/meeting/microphones/x/set', undefined],
    ['roomd/st-pons/display/state', undefined],
    ['roomd/st-pons//set', { kind: 'invalid', reason: 'empty device id in topic roomd/st-pons//set' }],
    ['roomd/st-pons/cam//set', { kind: 'invalid', reason: 'empty capability in topic roomd/st-pons/cam//set', device: 'cam' }],
    ['roomd/st-pons/a/b/c/set', undefined],
    ['roomd/other/display/set', undefined],
    ['roomd/st-pons-2/display/set', undefined],
  ])('%s → %o', (topic, expected) => {
    expect(topics.parse(topic)).toEqual(expected);
  });

  it('builds the contract\'s topics under B = baseTopic/room', () => {
    expect([topics.status, topics.result, topics.sessions, topics.meetingState, topics.deviceState('cam'), topics.deviceAvailability('cam'), topics.capabilitySet('cam', 'ptz')]).toEqual([
      'roomd/st-pons/status', 'roomd/st-pons/result', 'roomd/st-pons/sessions', 'roomd/st-pons/meeting/state',
      'roomd/st-pons/cam/state', 'roomd/st-pons/cam/availability', 'roomd/st-pons/cam/ptz/set',
    ]);
    expect(topics.subscriptions).toEqual(['roomd/st-pons/+/set', 'roomd/st-pons/+/+/set']);
    expect(topics.microphonesSet).toBe('roomd/st-pons/meeting/microphones/set');
    expect(topics.parse(topics.microphonesSet)).toEqual({ kind: 'microphones' });
  });
});

describe('MQTT plain payloads (B/DEVICE/CAPABILITY/set)', () => {
  it.each([
    ['power', 'ON', 'powerOn', {}],
    ['power', 'off', 'powerOff', {}],
    ['micMute', 'ON', 'muteMicrophones', {}],
    ['micMute', 'OFF', 'unmuteMicrophones', {}],
    ['volume', '42', 'setVolume', { level: 42 }],
    ['volume', '42.0', 'setVolume', { level: 42 }],
    ['volume', ' 7 ', 'setVolume', { level: 7 }],
    ['volume', 'MUTE', 'mute', {}],
    ['volume', 'unmute', 'unmute', {}],
    ['volume', 'UP', 'volumeUp', {}],
    ['ptz', '2', 'recallPreset', { preset: 2 }],
    ['ptz', 'Pupitre', 'recallPreset', { preset: 'Pupitre' }],
    ['ptz', 'HOME', 'home', {}],
    ['ptz', 'STOP', 'stop', {}],
    ['call', '0612345678', 'dial', { number: '0612345678' }],
    ['call', 'sip:siege@pnr.example', 'dial', { number: 'sip:siege@pnr.example' }],
    ['call', 'HANGUP', 'hangup', {}],
    ['input', 'hdmi1', 'selectInput', { input: 'hdmi1' }],
    ['raw', '81 09 04 00 FF', 'send', { data: '81 09 04 00 FF' }],
  ])('%s %j → %s %j', (capability, text, command, args) => {
    expect(parseCapabilitySet(capability, text)).toEqual({ command, args });
  });

  it.each([
    ['power', 'MAYBE', 'BadRequest'],
    ['power', '', 'BadRequest'],
    ['volume', 'loud', 'BadRequest'],
    ['teleport', 'ON', 'UnknownCommand'],
    ['toString', 'x', 'UnknownCommand'],
    ['__proto__', 'x', 'UnknownCommand'],
  ])('%s %j is refused with %s', (capability, text, code) => {
    expect(codeOf(() => parseCapabilitySet(capability, text))).toBe(code);
  });
});

describe('MQTT JSON payloads', () => {
  it('parses B/DEVICE/set and keeps the id', () => {
    const body = parseJsonObject('{ "command": "recallPreset", "args": { "preset": 2 }, "id": "r1" }', 'cam/set');
    expect(requestIdOf(body)).toBe('r1');
    expect(parseDeviceSet(body)).toEqual({ command: 'recallPreset', args: { preset: 2 } });
    expect(parseDeviceSet({ command: 'powerOn' })).toEqual({ command: 'powerOn', args: {} });
  });

  it.each([
    ['not json', 'BadRequest'],
    ['[1,2]', 'BadRequest'],
    ['null', 'BadRequest'],
    ['{"args":{}}', 'BadRequest'],
    ['{"command":42}', 'BadRequest'],
    ['{"command":"x","args":[1]}', 'BadArgs'],
    ['{"command":"x","arg":{}}', 'BadRequest'],
    ['{"command":"x","id":{}}', 'BadRequest'],
  ])('%s → %s', (text, code) => {
    expect(codeOf(() => parseDeviceSet(parseJsonObject(text, 'x/set')))).toBe(code);
  });

  it('refuses payloads over 16 KiB before decoding them', () => {
    expect(payloadText(Buffer.alloc(MAX_PAYLOAD_BYTES, 0x20))).toHaveLength(MAX_PAYLOAD_BYTES);
    expect(codeOf(() => payloadText(Buffer.alloc(MAX_PAYLOAD_BYTES + 1)))).toBe('PayloadTooLarge');
  });

  it('parses B/meeting/set: start, end, or the REST body with an action', () => {
    expect(meetingWord('start')).toEqual({ action: 'start', body: {} });
    expect(meetingWord(' END\n')).toEqual({ action: 'end', body: {} });
    expect(meetingWord('{}')).toBeUndefined();
    expect(parseMeetingBody({ action: 'start', id: 7, organisation: 'PNR' })).toEqual({ action: 'start', body: { organisation: 'PNR' } });
    expect(codeOf(() => parseMeetingBody({ organisation: 'PNR' }))).toBe('BadRequest');
  });
});

function errorOf(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof RoomError ? { code: err.code, message: err.message } : { code: 'not a RoomError', message: String(err) };
  }
}

describe('MQTT room-wide microphone mute payloads (B/meeting/microphones/set)', () => {
  it.each([
    ['ON', { muted: true }],
    ['OFF', { muted: false }],
    ['on', { muted: true }],
    [' Off\n', { muted: false }],
    ['{"muted":true}', undefined], // JSON: parsed by parseMicrophonesBody
    ['  {"muted":false,"id":"x"}', undefined],
  ])('plain %j → %o', (text, expected) => {
    expect(microphonesWord(text)).toEqual(expected);
  });

  it.each([
    ['MAYBE', 'BadRequest', 'meeting/microphones/set: expected ON, OFF or { "muted": true|false }, got "MAYBE"'],
    ['true', 'BadRequest', 'meeting/microphones/set: expected ON, OFF or { "muted": true|false }, got "true"'],
    ['MUTE', 'BadRequest', 'meeting/microphones/set: expected ON, OFF or { "muted": true|false }, got "MUTE"'],
    ['', 'BadRequest', 'meeting/microphones/set: empty payload'],
    [' \n', 'BadRequest', 'meeting/microphones/set: empty payload'],
    ['x'.repeat(100), 'BadRequest', `meeting/microphones/set: expected ON, OFF or { "muted": true|false }, got "${'x'.repeat(40)}…"`],
  ])('plain %j is refused: %s %s', (text, code, message) => {
    expect(errorOf(() => microphonesWord(text))).toEqual({ code, message });
  });

  it.each([
    ['{"muted":true}', { muted: true }],
    ['{"muted":false,"id":"u1"}', { muted: false }],
    ['{"id":7,"muted":true}', { muted: true }],
  ])('JSON %s → %o', (text, expected) => {
    expect(parseMicrophonesBody(parseJsonObject(text, 'meeting/microphones/set'))).toEqual(expected);
  });

  it.each([
    ['{"muted":"yes"}', 'BadArgs', 'muted: expected true or false, got "yes"'],
    ['{"muted":1}', 'BadArgs', 'muted: expected true or false, got 1'],
    ['{"muted":null}', 'BadArgs', 'muted: expected true or false, got null'],
    ['{}', 'BadArgs', 'muted: required (true to mute every microphone, false to unmute)'],
    ['{"id":"a"}', 'BadArgs', 'muted: required (true to mute every microphone, false to unmute)'],
    ['{"muted":true,"device":"mics"}', 'BadRequest', "unknown key 'device' (expected muted, id)"],
    ['{"muted":true,"__proto__":1}', 'BadRequest', "unknown key '__proto__' (expected muted, id)"],
    ['{"muted":true,"id":{}}', 'BadRequest', 'id: expected a string of 1-128 characters or a number'],
    ['{"muted":true,"id":""}', 'BadRequest', 'id: expected a string of 1-128 characters or a number'],
  ])('JSON %s is refused: %s %s', (text, code, message) => {
    expect(errorOf(() => parseMicrophonesBody(parseJsonObject(text, 'meeting/microphones/set')))).toEqual({ code, message });
  });

  it('says precisely when the JSON itself is broken or not an object', () => {
    expect(errorOf(() => parseJsonObject('{"muted":', 'meeting/microphones/set'))).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/^meeting\/microphones\/set: payload is not JSON/) });
    expect(errorOf(() => parseJsonObject('[true]', 'meeting/microphones/set'))).toEqual({ code: 'BadRequest', message: 'meeting/microphones/set: payload must be a JSON object' });
  });
});

describe('MQTT command handler, on the real core (a room with simulated devices)', () => {
  // No mock of our own core: the handler drives a real Room, MeetingController and session log,
  // with a Samsung MDC display and a Shure array simulated over loopback TCP.
  let daemon: TestDaemon;
  const commands: Array<{ command: string; ok: boolean }> = [];

  beforeAll(async () => {
    daemon = await startTestDaemon(`
room: { id: st-pons, name: Salle }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
  mics: { driver: shure-dcs, transport: { type: sim } }
`);
    await eventually(() => daemon.room.devices(), (d) => d.every((r) => r.online), 15_000);
    daemon.room.events.on('command', (r) => commands.push({ command: r.command.command, ok: r.ok }), commands);
  }, 30_000);

  afterAll(async () => {
    daemon?.room.events.removeOwner(commands);
    await daemon?.close();
  });

  function harness(role: 'panel' | 'technician' | 'readonly' = 'panel') {
    const results: MqttResult[] = [];
    const routes: unknown[] = [];
    let answered: () => void = () => {};
    const handler = new CommandHandler(daemon.ctx, role, (r, route) => (results.push(r), routes.push(route), answered()), silentLogger);
    /** Handles one message and resolves once it was answered (and a turn later, to catch a second answer). */
    const send = async (incoming: IncomingTopic, payload: string | Buffer, packet: Parameters<CommandHandler['handle']>[2] = {}) => {
      const before = results.length;
      const done = new Promise<void>((resolve) => (answered = () => results.length > before && resolve()));
      handler.handle(incoming, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), packet);
      await done;
      await new Promise((r) => setTimeout(r, 0));
    };
    return { handler, results, routes, send };
  }
  const display = () => daemon.room.device('display');
  const mics = () => daemon.room.device('mics');

  it('answers every message exactly once, whatever its topic and payload, and never throws', async () => {
    const levels = fc.constantFrom('display', 'nosuch', 'meeting', 'microphones', 'power', 'volume', 'ptz', '__proto__', 'constructor');
    const payloads = fc.oneof(
      fc.string(),
      fc.json(),
      fc.constantFrom('ON', 'OFF', '42', 'start', 'end', '{"command":"setVolume","args":{"level":5}}', '{"action":"start","title":1}', '{"muted":true,"id":"m"}', '{"muted":"no"}'),
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(levels, fc.option(levels, { nil: undefined }), payloads, fc.boolean(), async (device, capability, text, retain) => {
        const { results, send } = harness();
        const topic = capability ? `roomd/st-pons/${device}/${capability}/set` : `roomd/st-pons/${device}/set`;
        await send(topics.parse(topic)!, text, { retain });
        expect(results).toHaveLength(1);
        if (!results[0]!.ok) expect(results[0]!.error?.code).toMatch(/^[A-Z][A-Za-z]+$/);
        if (retain) expect(results[0]!.error?.code).toBe('RetainedCommand');
      }),
      { numRuns: 150 },
    );
    if (daemon.meeting.current.active) await daemon.meeting.end({}, { surface: 'test' });
  }, 60_000);

  it('applies the role through the real room: panel may set the volume but not power the display on', async () => {
    const panel = harness('panel');
    const powerBefore = display().state.power;
    const seen = commands.length;
    await panel.send({ kind: 'capability', device: 'display', capability: 'volume' }, '30');
    await panel.send({ kind: 'device', device: 'display' }, '{"command":"powerOn","id":"p"}');
    expect(panel.results).toEqual([
      { ok: true, device: 'display', command: 'setVolume', state: expect.objectContaining({ volume: 30 }) },
      { id: 'p', ok: false, device: 'display', command: 'powerOn', error: { code: 'Forbidden', message: expect.stringContaining('panel role') } },
    ]);
    // The command bus refused powerOn (and said so, for the audit); the display did not change.
    expect(commands.slice(seen)).toEqual([{ command: 'setVolume', ok: true }, { command: 'powerOn', ok: false }]);
    expect(display().state.volume).toBe(30);
    expect(display().state.power).toBe(powerBefore);
    expect(powerBefore).not.toBe('on');
    // The same message from a technician bridge does power it on: the refusal above was the role's.
    const technician = harness('technician');
    await technician.send({ kind: 'device', device: 'display' }, '{"command":"powerOn","id":"t"}');
    expect(technician.results[0]).toMatchObject({ id: 't', ok: true, command: 'powerOn' });
    await eventually(() => display().state.power, (p) => p === 'on' || p === 'warming');
    const ro = harness('readonly');
    await ro.send({ kind: 'meeting' }, 'start');
    expect(ro.results[0]).toMatchObject({ ok: false, command: 'meeting.start', error: { code: 'Forbidden' } });
    expect(daemon.meeting.current.active).toBe(false);
  });

  it('validates the meeting body like REST does, and starts a real session', async () => {
    const { results, send } = harness('panel');
    await send({ kind: 'meeting' }, '{"action":"start","id":"m","title":42}');
    expect(daemon.meeting.current.active).toBe(false);
    await send({ kind: 'meeting' }, '{"action":"start","id":"n","title":"Bureau"}');
    expect(results[0]).toMatchObject({ id: 'm', ok: false, error: { code: 'BadArgs', message: expect.stringContaining('body.title') } });
    expect(results[1]).toMatchObject({ id: 'n', ok: true, command: 'meeting.start', session: { id: expect.any(String), title: 'Bureau' }, steps: [] });
    await send({ kind: 'meeting' }, 'end');
    expect(results[2]).toMatchObject({ ok: true, command: 'meeting.end', session: { title: 'Bureau', status: 'closed' } });
  });

  it('mutes the room\'s microphones from ON and from JSON, echoing the id and the REST answer', async () => {
    const { results, send } = harness('panel');
    await send({ kind: 'microphones' }, 'ON');
    expect(mics().state.micMuted).toBe(true);
    await send({ kind: 'microphones' }, '{"muted":false,"id":"u1"}');
    expect(mics().state.micMuted).toBe(false);
    expect(results).toEqual([
      { ok: true, command: 'meeting.microphones', microphones: { muted: true, devices: { mics: true }, disagree: [] }, results: [{ device: 'mics', command: 'muteMicrophones', status: 'ok', ms: expect.any(Number) }] },
      { id: 'u1', ok: true, command: 'meeting.microphones', microphones: { muted: false, devices: { mics: false }, disagree: [] }, results: [{ device: 'mics', command: 'unmuteMicrophones', status: 'ok', ms: expect.any(Number) }] },
    ]);
  });

  it('refuses the room-wide mute to the readonly role (panelCommand, as REST), touching nothing', async () => {
    const { results, send } = harness('readonly');
    const seen = commands.length;
    await send({ kind: 'microphones' }, '{"muted":true,"id":"r"}');
    expect(results).toEqual([
      { id: 'r', ok: false, command: 'meeting.microphones', error: { code: 'Forbidden', message: "the readonly role may not mute or unmute the room's microphones (set mqtt.role)" } },
    ]);
    expect(commands.slice(seen)).toEqual([]);
    expect(mics().state.micMuted).toBe(false);
  });

  it('answers a bad room-wide mute payload with ok:false, its id and a precise error; routes MQTT 5 replies', async () => {
    const { results, routes, send } = harness('panel');
    const seen = commands.length;
    const correlationData = Buffer.from('c-1');
    await send({ kind: 'microphones' }, '{"muted":"yes","id":"b1"}', { properties: { responseTopic: 'replies/me', correlationData } });
    await send({ kind: 'microphones' }, 'MAYBE');
    await send({ kind: 'microphones' }, Buffer.alloc(17 * 1024, 0x7b));
    expect(results).toEqual([
      { id: 'b1', ok: false, command: 'meeting.microphones', error: { code: 'BadArgs', message: 'muted: expected true or false, got "yes"' } },
      { ok: false, command: 'meeting.microphones', error: { code: 'BadRequest', message: 'meeting/microphones/set: expected ON, OFF or { "muted": true|false }, got "MAYBE"' } },
      // Too large to be read at all; the topic still says which command it was.
      { ok: false, command: 'meeting.microphones', error: { code: 'PayloadTooLarge', message: expect.stringContaining('limit is 16384') } },
    ]);
    expect(routes[0]).toEqual({ responseTopic: 'replies/me', correlationData });
    expect(commands.slice(seen)).toEqual([]);
  });

  it('answers a retained command and an empty topic level without running anything', async () => {
    const { results, send } = harness('technician');
    const seen = commands.length;
    await send({ kind: 'capability', device: 'display', capability: 'power' }, 'OFF', { retain: true });
    await send(topics.parse('roomd/st-pons/display//set')!, 'OFF');
    expect(results).toEqual([
      { ok: false, device: 'display', error: { code: 'RetainedCommand', message: expect.stringContaining('display/power/set without the retain flag') } },
      { ok: false, device: 'display', error: { code: 'BadRequest', message: 'empty capability in topic roomd/st-pons/display//set' } },
    ]);
    expect(commands.slice(seen)).toEqual([]);
  });
});

describe('state coalescer', () => {
  afterEach(() => vi.useRealTimers());

  it('publishes a burst once, then at most once per interval, always the latest', () => {
    vi.useFakeTimers();
    let value = 0;
    const seen: number[] = [];
    const c = new Coalescer<string>(50, () => seen.push(value), () => Date.now());
    for (let i = 1; i <= 5; i++) {
      value = i;
      c.touch('cam');
    }
    vi.advanceTimersByTime(0);
    expect(seen).toEqual([5]);
    for (let t = 0; t < 100; t += 5) {
      value++;
      c.touch('cam');
      vi.advanceTimersByTime(5);
    }
    // 100 ms of changes every 5 ms: two publishes, not twenty.
    expect(seen.length).toBeLessThanOrEqual(3);
    vi.advanceTimersByTime(100);
    expect(seen.at(-1)).toBe(value);
    c.touch('cam');
    c.cancel('cam');
    vi.advanceTimersByTime(100);
    expect(seen.at(-1)).toBe(value);
    expect(c.pending).toBe(0);
  });
});
