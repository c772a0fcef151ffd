import { describe, expect, it } from 'vitest';
import {
  dateTime,
  formatCommandResult,
  formatDevice,
  formatDevices,
  formatEvent,
  formatHealth,
  formatMeetingResult,
  formatReport,
  formatSessions,
  formatState,
  stateSummary,
  table,
  type DeviceView,
} from '../../src/cli/format.ts';

const tz = { timeZone: 'Europe/Paris' };

const camera: DeviceView = {
  id: 'camera',
  driver: 'visca',
  online: false,
  capabilities: ['power', 'ptz'],
  state: { power: 'on', pan: 0.123456, tilt: -1, zoom: 0, preset: 2, presets: { 1: 'Salle', 2: 'Pupitre' } },
  lastError: { code: 'DeviceOffline', message: 'serial port /dev/roomd-camera: ENOENT', at: '2026-11-27T09:05:00.000Z' },
};
const display: DeviceView = {
  id: 'display',
  driver: 'samsung-mdc',
  online: true,
  capabilities: ['power', 'input', 'volume'],
  state: { volume: 20, muted: false, power: 'off', input: 'hdmi1' },
};
const codec: DeviceView = {
  id: 'codec',
  driver: 'cisco-xapi',
  online: true,
  capabilities: ['call'],
  state: { call: { status: 'connected', remote: 'sip:siege@pnr.example', since: '2026-11-27T09:00:00Z' }, firmware: 'ce9.15' },
};

describe('table', () => {
  it('aligns columns, right-aligns numbers and leaves no trailing spaces', () => {
    expect(table(['NAME', 'N', 'NOTE'], [['é', 1, ''], ['longer', 100, 'x']])).toBe(['NAME      N  NOTE', 'é         1', 'longer  100  x'].join('\n'));
  });
});

describe('stateSummary', () => {
  it.each([
    [display.state, false, 'power=off input=hdmi1 volume=20 muted=false'],
    [camera.state, false, 'power=on pan=0.123 tilt=-1 zoom=0 preset=2'],
    [codec.state, false, 'call=connected(sip:siege@pnr.example) firmware=ce9.15'],
    [codec.state, true, 'call=connected(sip:siege@pnr.example)'],
    [{ call: { status: 'idle' } }, false, 'call=idle'],
    [{}, false, ''],
    [{ power: null, input: undefined }, false, ''],
  ])('%j', (state, capabilityOnly, expected) => {
    expect(stateSummary(state as Record<string, unknown>, capabilityOnly)).toBe(expected);
  });
});

describe('devices and state', () => {
  it('formatDevices: one line per device, offline in capitals, last error', () => {
    expect(formatDevices([camera, display, codec])).toBe(
      [
        'DEVICE   DRIVER       ONLINE  STATE                                        LAST ERROR',
        'camera   visca        NO      power=on pan=0.123 tilt=-1 zoom=0 preset=2   DeviceOffline: serial port /dev/roomd-camera: ENOENT',
        'display  samsung-mdc  yes     power=off input=hdmi1 volume=20 muted=false',
        'codec    cisco-xapi   yes     call=connected(sip:siege@pnr.example)',
      ].join('\n'),
    );
    expect(formatDevices([])).toBe('no devices configured');
  });

  it('formatDevice: every state field, and when the last error happened', () => {
    expect(formatDevice(camera, tz)).toBe(
      [
        'camera',
        '  driver        visca',
        '  online        NO',
        '  capabilities  power, ptz',
        '  state',
        '    power    on',
        '    pan      0.123456',
        '    tilt     -1',
        '    zoom     0',
        '    preset   2',
        '    presets  {"1":"Salle","2":"Pupitre"}',
        '  last error    DeviceOffline: serial port /dev/roomd-camera: ENOENT (2026-11-27 10:05)',
      ].join('\n'),
    );
  });

  it('formatState: room, meeting, count, then the table', () => {
    const text = formatState(
      {
        room: { id: 'st-pons', name: 'Maison du Tourisme' },
        devices: { camera, display },
        meeting: { active: true, phase: 'active', session: { id: 's1', startedAt: '2026-11-27T08:30:00.000Z', organisation: 'PNR' } },
      },
      tz,
    );
    expect(text.split('\n').slice(0, 4)).toEqual(['Maison du Tourisme (st-pons)', 'meeting: active since 2026-11-27 09:30, PNR (session s1)', 'devices: 1/2 online', '']);
    expect(text).toContain('camera   visca');
  });

  it('formatCommandResult', () => {
    expect(formatCommandResult('display', 'setVolume', { state: display.state })).toBe('display setVolume: ok\n  power=off input=hdmi1 volume=20 muted=false');
    expect(formatCommandResult('display', 'powerOn', {})).toBe('display powerOn: ok');
  });

  it('formatHealth', () => {
    expect(formatHealth({ status: 'degraded', devices: { camera: false, display: true }, checks: { mqtt: { ok: false, detail: 'ECONNREFUSED' } } })).toBe(
      ['degraded', '  camera   OFFLINE', '  display  online', '  mqtt     FAILING: ECONNREFUSED'].join('\n'),
    );
  });
});

describe('meetings, sessions, report', () => {
  it('formatMeetingResult: the session, and which steps failed', () => {
    expect(
      formatMeetingResult('start', {
        session: { id: 's1' },
        steps: [
          { device: 'display', command: 'powerOn', status: 'ok', ms: 812 },
          { device: 'camera', command: 'recallPreset', status: 'skipped', ms: 0, error: { code: 'DeviceOffline', message: 'camera is offline' } },
        ],
      }),
    ).toBe(
      [
        'meeting started — session s1; 1 of 2 steps did not succeed',
        '',
        'DEVICE   COMMAND       STATUS    MS  ERROR',
        'display  powerOn       ok       812',
        'camera   recallPreset  skipped    0  DeviceOffline: camera is offline',
      ].join('\n'),
    );
    expect(formatMeetingResult('end', { steps: [] })).toBe('meeting ended');
  });

  it('formatSessions: local times, open sessions, paging hint', () => {
    const text = formatSessions(
      {
        total: 3,
        sessions: [
          { id: 's2', organisation: null, title: null, startedAt: '2026-11-27T13:00:00.000Z', endedAt: null, durationMin: null, kmAvoided: 0, co2Kg: 0, status: 'open' },
          { id: 's1', organisation: 'PNR', title: 'Conseil', startedAt: '2026-11-26T08:00:00.000Z', endedAt: '2026-11-26T09:05:00.000Z', durationMin: 65, kmAvoided: 660, co2Kg: 161.04, status: 'closed' },
        ],
      },
      tz,
    );
    expect(text).toBe(
      [
        'STARTED           MIN   ORGANISATION  TITLE     KM  CO2 KG  STATUS  ID',
        '2026-11-27 14:00  open                           0       0  open    s2',
        '2026-11-26 09:00  65    PNR           Conseil  660     161  closed  s1',
        '2 of 3 sessions (--limit/--offset for more)',
      ].join('\n'),
    );
    expect(formatSessions({ sessions: [], total: 0 })).toBe('no sessions');
  });

  it('formatReport: totals, by organisation, by month when more than one', () => {
    const totals = { sessions: 2, interrupted: 0, minutes: 125, kmAvoided: 880, co2Kg: 214.72 };
    const text = formatReport({
      ...totals,
      sessions: 3,
      interrupted: 1,
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      byOrganisation: [{ organisation: 'PNR', ...totals }, { organisation: null, sessions: 1, interrupted: 1, minutes: 0, kmAvoided: 0, co2Kg: 0 }],
      byMonth: [{ month: '2026-10', ...totals }, { month: '2026-11', sessions: 1, interrupted: 1, minutes: 0, kmAvoided: 0, co2Kg: 0 }],
    });
    expect(text).toBe(
      [
        'report: 2026-10-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z',
        '  meetings      3 (1 interrupted)',
        '  minutes       125 (2 h 05)',
        '  km avoided    880',
        '  CO2 avoided   214.7 kg',
        '',
        'ORGANISATION  MEETINGS  MINUTES   KM  CO2 KG',
        'PNR                  2      125  880   214.7',
        '(none)               1        0    0       0',
        '',
        'MONTH    MEETINGS  MINUTES   KM  CO2 KG',
        '2026-10         2      125  880   214.7',
        '2026-11         1        0    0       0',
      ].join('\n'),
    );
  });
});

describe('formatEvent (roomctl logs)', () => {
  const now = new Date('2026-11-27T09:15:42.000Z');
  const opts = { ...tz, now };
  it.each([
    [{ type: 'state', snapshot: true, devices: { camera, display }, meeting: { active: false, phase: 'idle' } }, '10:15:42 snapshot 1/2 devices online, meeting none'],
    [{ type: 'state', device: display, changed: ['volume', 'muted'], reason: 'setVolume' }, '10:15:42 display volume=20 muted=false (setVolume)'],
    [{ type: 'state', device: camera, changed: ['online', 'lastError'], reason: 'link lost' }, '10:15:42 camera online=false error=DeviceOffline: serial port /dev/roomd-camera: ENOENT (link lost)'],
    [{ type: 'state', removed: 'mics' }, '10:15:42 mics removed'],
    [{ type: 'meeting', meeting: { active: true, phase: 'active', session: { id: 's1' } } }, '10:15:42 meeting active session s1'],
    [{ type: 'session', session: { id: 's1', status: 'closed', durationMin: 65, organisation: 'PNR' } }, '10:15:42 session s1 closed, 65 min, PNR'],
    [{ type: 'pong', id: 1 }, '10:15:42 {"type":"pong","id":1}'],
  ])('%j', (message, line) => {
    expect(formatEvent(message, opts)).toBe(line);
  });
});

describe('dateTime', () => {
  it.each([
    ['2026-11-27T09:05:00.000Z', 'Europe/Paris', '2026-11-27 10:05'],
    ['2026-07-01T22:30:00.000Z', 'Europe/Paris', '2026-07-02 00:30'],
    ['2026-07-01T22:30:00.000Z', 'UTC', '2026-07-01 22:30'],
    ['not a date', 'UTC', 'not a date'],
  ])('%s in %s', (iso, timeZone, expected) => {
    expect(dateTime(iso, { timeZone })).toBe(expected);
  });
});
