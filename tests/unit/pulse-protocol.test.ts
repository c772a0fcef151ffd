import { describe, expect, it } from 'vitest';
import { createFramer, splitLines } from '../../src/sdk/index.ts';
import {
  classifyPactlError,
  overallPercent,
  parseEventLine,
  parseInfo,
  parseListJson,
  parseListShort,
  parseMute,
  parsePactlVersion,
  parseVolume,
  supportsJson,
  volumeArg,
} from '../../drivers/pulse/protocol.ts';

// Output captured from pactl 16.1 against pulseaudio 16.1 (null sink + null source), LC_ALL=C.

describe('parseEventLine (pactl subscribe)', () => {
  it.each([
    ["Event 'change' on source #1", { type: 'change', facility: 'source', index: 1 }],
    ["Event 'change' on sink #0", { type: 'change', facility: 'sink', index: 0 }],
    ["Event 'new' on source #2", { type: 'new', facility: 'source', index: 2 }],
    ["Event 'remove' on source #1", { type: 'remove', facility: 'source', index: 1 }],
    ["Event 'new' on client #12", { type: 'new', facility: 'client', index: 12 }],
    ["Event 'change' on sink-input #7", { type: 'change', facility: 'sink-input', index: 7 }],
    ["Event 'remove' on source-output #3", { type: 'remove', facility: 'source-output', index: 3 }],
    ["Event 'change' on server #4294967295", { type: 'change', facility: 'server', index: 4294967295 }],
    ["Event 'change' on card #45\r", { type: 'change', facility: 'card', index: 45 }],
  ])('%j', (line, expected) => {
    expect(parseEventLine(line)).toEqual(expected);
  });

  it.each([
    [''],
    ['Connection failure: Connection terminated'],
    ["Event 'explode' on source #1"], // unknown event type
    ["Event 'change' on source"], // no index
    ["Event 'change' on source #"],
    ["Event 'change' on source #-1"],
    ["Event 'change' on source #99999999999999999999"], // beyond a safe integer
    ["Evenement 'change' sur source #1"], // a translated pactl (we run it with LC_ALL=C)
    ['\u0000\u00ff garbage'],
  ])('rejects %j', (line) => {
    expect(parseEventLine(line)).toBeNull();
  });

  it('splits a subscribe stream into lines across chunk boundaries', () => {
    const framer = createFramer(splitLines(4096));
    const lines = [
      ...framer.push(Buffer.from("Event 'change' on sour")),
      ...framer.push(Buffer.from("ce #1\nEvent 'new' on client #3\nEvent 'ch")),
      ...framer.push(Buffer.from("ange' on sink #0\n")),
    ].map((b) => b.toString());
    expect(lines.map(parseEventLine)).toEqual([
      { type: 'change', facility: 'source', index: 1 },
      { type: 'new', facility: 'client', index: 3 },
      { type: 'change', facility: 'sink', index: 0 },
    ]);
  });
});

describe('parseMute (pactl get-source-mute / get-sink-mute)', () => {
  it.each([
    ['Mute: yes\n', true],
    ['Mute: no\n', false],
    ['Mute: no', false],
    ['  Mute:   yes  \n', true],
    ['Mute: maybe\n', null],
    ['Failure: No such entity\n', null],
    ['', null],
    ['Stumm: ja\n', null],
  ])('%j → %s', (text, expected) => {
    expect(parseMute(text)).toBe(expected);
  });
});

describe('parseVolume (pactl get-source-volume / get-sink-volume)', () => {
  it.each([
    ['Volume: front-left: 65536 / 100% / 0.00 dB,   front-right: 65536 / 100% / 0.00 dB\n        balance 0.00\n', 100],
    ['Volume: front-left: 26214 /  40% / -23.88 dB,   front-right: 26214 /  40% / -23.88 dB\n        balance 0.00\n', 40],
    // Unbalanced channels: the loudest one, as GNOME and pavucontrol show a locked slider.
    ['Volume: front-left: 19660 /  30% / -31.37 dB,   front-right: 39321 /  60% / -13.31 dB\n        balance 0.50\n', 60],
    // Above 100 % (allowed by PulseAudio): clamped to the room model's range.
    ['Volume: front-left: 98304 / 150% / 10.57 dB,   front-right: 98304 / 150% / 10.57 dB\n', 100],
    ['Volume: mono: 32768 /  50% / -18.06 dB\n', 50],
    ['Volume: front-left: 0 /   0% / -inf dB,   front-right: 0 /   0% / -inf dB\n', 0],
    ['Volume: aux0: 65536 / 100%, aux1: 32768 / 50%\n', 100], // no dB (flat-volume-less devices)
    ['Volume:\n', null],
    ['Volume: front-left: lots\n', null],
    ['Failure: No such entity\n', null],
    ['', null],
  ])('%j → %s', (text, expected) => {
    expect(parseVolume(text)).toBe(expected);
  });

  it.each([
    [[40, 60], 60],
    [[120], 100],
    [[], null],
    [[Number.NaN], null],
    [[-1, 5], null],
  ])('overallPercent(%j) → %s', (channels, expected) => {
    expect(overallPercent(channels)).toBe(expected);
  });
});

describe('parseListShort (pactl list short sources)', () => {
  it('reads index and name, rejects malformed rows', () => {
    const text = [
      '0\troomd_test_sink.monitor\tmodule-null-sink.c\ts16le 2ch 44100Hz\tIDLE',
      '1\troomd_test_mic\tmodule-null-source.c\ts16le 2ch 44100Hz\tIDLE',
      '',
      'garbage without tabs',
      'x\tname\tdriver',
      '57\talsa_input.usb-Jabra_SPEAK_510-00.mono-fallback\tmodule-alsa-card.c\ts16le 1ch 16000Hz\tSUSPENDED',
    ].join('\n');
    expect(parseListShort(text)).toEqual({
      entries: [
        { index: 0, name: 'roomd_test_sink.monitor' },
        { index: 1, name: 'roomd_test_mic' },
        { index: 57, name: 'alsa_input.usb-Jabra_SPEAK_510-00.mono-fallback' },
      ],
      rejected: ['garbage without tabs', 'x\tname\tdriver'],
    });
  });
});

describe('parseListJson (pactl -f json list sources)', () => {
  const vol = (pct: number) => ({ value: Math.round((pct / 100) * 65536), value_percent: `${pct}%`, db: '0.00 dB' });
  it('reads index, name, mute and volume', () => {
    const text = JSON.stringify([
      {
        index: 0, state: 'IDLE', name: 'roomd_test_sink.monitor', description: 'Monitor of Null Output', mute: false,
        volume: { 'front-left': vol(100), 'front-right': vol(100) }, balance: 0,
      },
      { index: 1, name: 'roomd_test_mic', description: 'Null Input', mute: true, volume: { 'front-left': vol(30), 'front-right': vol(60) } },
      { index: 2, name: 'mono_mic', mute: false, volume: { mono: { value: 32768 } } }, // no value_percent
      { index: 3, name: 'odd', mute: 'no', volume: 'loud' }, // wrong types → unknown values
      { name: 'no-index' },
      null,
      42,
    ]);
    expect(parseListJson(text)).toEqual([
      { index: 0, name: 'roomd_test_sink.monitor', description: 'Monitor of Null Output', mute: false, volume: 100 },
      { index: 1, name: 'roomd_test_mic', description: 'Null Input', mute: true, volume: 60 },
      { index: 2, name: 'mono_mic', mute: false, volume: 50 },
      { index: 3, name: 'odd', mute: null, volume: null },
    ]);
  });

  it.each([['not json'], ['{"index":1}'], ['']])('throws on %j (driver falls back to text)', (text) => {
    expect(() => parseListJson(text)).toThrow();
  });
});

describe('parseInfo / parsePactlVersion', () => {
  it('reads defaults and server name from pactl info', () => {
    const text = [
      'Server String: unix:/tmp/pulse-try/native',
      'Library Protocol Version: 35',
      'Server Name: pulseaudio',
      'Server Version: 16.1',
      'Default Sink: roomd_test_sink',
      'Default Source: roomd_test_mic',
      'Cookie: 5620:1fee',
    ].join('\n');
    expect(parseInfo(text)).toEqual({
      serverName: 'pulseaudio',
      serverVersion: '16.1',
      defaultSink: 'roomd_test_sink',
      defaultSource: 'roomd_test_mic',
    });
    expect(parseInfo('Server Name: PulseAudio (on PipeWire 1.0.5)\nDefault Source: \n').serverName).toBe('PulseAudio (on PipeWire 1.0.5)');
    expect(parseInfo('Server Name: PulseAudio (on PipeWire 1.0.5)\nDefault Source: \n').defaultSource).toBeUndefined();
    expect(parseInfo('garbage')).toEqual({});
  });

  it.each([
    ['pactl 16.1\nCompiled with libpulse 16.1.0\nLinked with libpulse 16.1.0\n', [16, 1], true],
    ['pactl 17.0\n', [17, 0], true],
    ['pactl 15.0\nCompiled with libpulse 15.0.0\n', [15, 0], false],
    ['pactl 13.99.1\n', [13, 99], false],
    ['something else', null, false],
  ])('%j → %j (json %s)', (text, version, json) => {
    expect(parsePactlVersion(text)).toEqual(version);
    expect(supportsJson(parsePactlVersion(text))).toBe(json);
  });
});

describe('classifyPactlError / volumeArg', () => {
  it.each([
    ['Connection failure: Connection refused\npa_context_connect() failed: Connection refused', 'offline'],
    ['Connection failure: Connection terminated', 'offline'],
    ['Connection failure: No such file or directory', 'offline'],
    ['Connection failure: Access denied', 'offline'],
    ['Failure: No such entity', 'refused'],
    ['Failed to get source information: No such entity', 'refused'],
    ['', 'refused'],
  ])('%j → %s', (stderr, expected) => {
    expect(classifyPactlError(stderr)).toBe(expected);
  });

  it.each([
    [50, '50%'],
    [0, '0%'],
    [100, '100%'],
    [105, '100%'],
    [-5, '0%'],
    [49.6, '50%'],
  ])('volumeArg(%s) → %s', (level, arg) => {
    expect(volumeArg(level)).toBe(arg);
  });
});
