import { describe, expect, it } from 'vitest';
import {
  MODELS,
  answers,
  encodeMessage,
  getAllCommands,
  interpret,
  parseMessage,
  splitDcs,
  tokenize,
} from '../../drivers/shure-dcs/protocol.ts';

describe('shure-dcs splitDcs', () => {
  it.each([
    ['one frame', '< REP DEVICE_AUDIO_MUTE ON >', ['REP DEVICE_AUDIO_MUTE ON'], '', []],
    ['merged frames', '< REP 1 AUDIO_MUTE ON >< REP 2 AUDIO_MUTE OFF >', ['REP 1 AUDIO_MUTE ON', 'REP 2 AUDIO_MUTE OFF'], '', []],
    ['frames with line ends between', '< REP ERR >\r\n< REP PRESET 03 >\r\n', ['REP ERR', 'REP PRESET 03'], '', []],
    ['a split frame waits', '< REP DEVICE_AU', [], '< REP DEVICE_AU', []],
    ['garbage between frames', '< REP ERR >xx\u0001< REP FLASH ON >', ['REP ERR', 'REP FLASH ON'], '', ['xx\u0001']],
    ['a stray < before a frame', 'ab<zz< REP FLASH ON >', ['REP FLASH ON'], '', ['ab<zz']],
    ['garbage only', 'noise', [], '', ['noise']],
  ])('%s', (_n, text, frames, rest, discarded) => {
    const r = splitDcs(text);
    expect(r.frames).toEqual(frames);
    expect(r.rest).toBe(rest);
    expect(r.discarded).toEqual(discarded);
  });

  it('reassembles a frame split at every position', () => {
    const text = '< REP 1 CHAN_NAME {Lobe 1                         } >< SAMPLE 001 002 >';
    for (let cut = 0; cut <= text.length; cut++) {
      const a = splitDcs(text.slice(0, cut));
      const b = splitDcs(a.rest + text.slice(cut));
      expect([...a.frames, ...b.frames]).toHaveLength(2);
    }
  });

  it('drops an unterminated run longer than any frame', () => {
    const r = splitDcs(`<${'x'.repeat(5000)}`);
    expect(r.rest).toBe('');
    expect(r.discarded).toHaveLength(1);
  });
});

describe('shure-dcs parseMessage', () => {
  it.each([
    ['REP DEVICE_AUDIO_MUTE ON', { type: 'REP', index: null, param: 'DEVICE_AUDIO_MUTE', values: ['ON'] }],
    ['REP 3 AUDIO_MUTE ON', { type: 'REP', index: 3, param: 'AUDIO_MUTE', values: ['ON'] }],
    ['REP 03 AUDIO_GAIN_HI_RES 1100', { type: 'REP', index: 3, param: 'AUDIO_GAIN_HI_RES', values: ['1100'] }],
    ['REP PRESET 03', { type: 'REP', index: null, param: 'PRESET', values: ['03'] }],
    ['REP ERR', { type: 'REP', index: null, param: 'ERR', values: [] }],
    ['GET 0 ALL', { type: 'GET', index: 0, param: 'ALL', values: [] }],
    ['GET ALL', { type: 'GET', index: null, param: 'ALL', values: [] }],
    ['REP MODEL {MXA910                          }', { type: 'REP', index: null, param: 'MODEL', values: ['MXA910'] }],
    ['REP 1 CHAN_NAME {Lobe 1 left   }', { type: 'REP', index: 1, param: 'CHAN_NAME', values: ['Lobe 1 left'] }],
    ['SAMPLE 010 020 060', { type: 'SAMPLE', index: null, param: '', values: ['010', '020', '060'] }],
  ])('%s', (content, expected) => {
    expect(parseMessage(content)).toEqual(expected);
  });

  it.each(['', 'HELLO WORLD', 'REP', '\u0001\u0002'])('%j is not a message', (content) => {
    expect(parseMessage(content)).toBeUndefined();
  });

  it('tokenize keeps {padded strings} whole', () => {
    expect(tokenize('REP FW_VER {4.7.13            }')).toEqual(['REP', 'FW_VER', '4.7.13']);
  });
});

describe('shure-dcs encode', () => {
  it.each([
    [['SET', 'DEVICE_AUDIO_MUTE', { values: ['ON'] }], '< SET DEVICE_AUDIO_MUTE ON >'],
    [['GET', 'DEVICE_AUDIO_MUTE', {}], '< GET DEVICE_AUDIO_MUTE >'],
    [['SET', 'AUDIO_MUTE', { index: 3, values: ['ON'] }], '< SET 3 AUDIO_MUTE ON >'],
    [['SET', 'AUDIO_GAIN_HI_RES', { index: 3, indexDigits: 2, values: [1100] }], '< SET 03 AUDIO_GAIN_HI_RES 1100 >'],
    [['SET', 'METER_RATE', { values: [1000] }], '< SET METER_RATE 1000 >'],
    [['SET', 'LED_BRIGHTNESS', { values: [3] }], '< SET LED_BRIGHTNESS 3 >'],
  ] as const)('%j → %s', ([type, param, opts], expected) => {
    expect(encodeMessage(type, param, opts)).toBe(expected);
  });

  it.each([
    ['MXA910', '< GET 0 ALL >', '< GET ALL >'],
    ['MXA310', '< GET 0 ALL >', '< GET ALL >'],
    ['MXA920', '< GET ALL >', '< GET 0 ALL >'],
    ['MXA710', '< GET ALL >', '< GET 0 ALL >'],
    ['ANIUSB', '< GET 00 ALL >', '< GET ALL >'],
  ] as const)('%s asks for everything with %s (fallback %s)', (model, primary, other) => {
    expect(getAllCommands(MODELS[model])).toEqual([primary, other]);
  });
});

describe('shure-dcs interpret', () => {
  it.each([
    ['REP DEVICE_AUDIO_MUTE ON', { kind: 'deviceMute', muted: true }],
    ['REP DEVICE_AUDIO_MUTE OFF', { kind: 'deviceMute', muted: false }],
    ['REP DEVICE_AUDIO_MUTE MAYBE', { kind: 'other' }],
    ['REP DEV_MUTE_STATUS_LED_STATE ON', { kind: 'muteLed', on: true }],
    ['REP 2 AUDIO_MUTE ON', { kind: 'channelMute', index: 2, muted: true }],
    ['REP 02 AUDIO_GAIN_HI_RES 1050', { kind: 'channelGain', index: 2, gain: 1050 }],
    ['REP 4 CHAN_NAME {Table  }', { kind: 'channelName', index: 4, name: 'Table' }],
    ['REP 04 NA_CHAN_NAME {USB in }', { kind: 'channelName', index: 4, name: 'USB in' }],
    ['REP LED_BRIGHTNESS 3', { kind: 'ledBrightness', value: 3 }],
    ['REP METER_RATE 01000', { kind: 'meterRate', ms: 1000 }],
    ['REP MODEL {MXA310   }', { kind: 'info', field: 'model', value: 'MXA310' }],
    ['REP ERR', { kind: 'error' }],
    ['SAMPLE 001 030 060', { kind: 'levels', levels: [1, 30, 60] }],
    ['SAMPLE 001 x', { kind: 'other' }],
    ['REP AUDIO_MUTE ON', { kind: 'other' }], // channel parameter without an index
  ])('%s', (content, expected) => {
    expect(interpret(parseMessage(content)!)).toEqual(expected);
  });

  it.each([
    ['REP DEVICE_AUDIO_MUTE ON', 'DEVICE_AUDIO_MUTE', null, 'ON', true],
    ['REP DEVICE_AUDIO_MUTE OFF', 'DEVICE_AUDIO_MUTE', null, 'ON', false],
    ['REP DEVICE_AUDIO_MUTE OFF', 'DEVICE_AUDIO_MUTE', null, undefined, true],
    ['REP 3 AUDIO_MUTE ON', 'AUDIO_MUTE', 3, undefined, true],
    ['REP 03 AUDIO_MUTE ON', 'AUDIO_MUTE', 3, undefined, true],
    ['REP 4 AUDIO_MUTE ON', 'AUDIO_MUTE', 3, undefined, false],
    ['REP 4 AUDIO_MUTE ON', 'AUDIO_MUTE', 0, undefined, true],
    ['REP LED_BRIGHTNESS 2', 'METER_RATE', null, undefined, false],
  ] as const)('%s answers %s/%s/%s: %s', (content, param, index, value, expected) => {
    expect(answers(parseMessage(content)!, param, index, value)).toBe(expected);
  });
});
