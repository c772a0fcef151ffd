import { describe, expect, it } from 'vitest';
import { buildReport, countedMinutes, type ReportInput } from '../../src/sessions/report.ts';
import { monthKey, toMs, zonedMidnight } from '../../src/sessions/time.ts';

const TZ = 'Europe/Paris';

function s(p: Partial<ReportInput> & Pick<ReportInput, 'startedAt'>): ReportInput {
  return { organisation: null, durationMin: 60, status: 'closed', lastActivityAt: p.startedAt, kmAvoided: 0, co2Kg: 0, ...p };
}

describe('sessions report (pure)', () => {
  it('counts closed minutes, and for interrupted sessions the known lower bound', () => {
    expect(countedMinutes(s({ startedAt: '2026-11-03T09:00:00Z', durationMin: 95 }))).toBe(95);
    const interrupted = s({ startedAt: '2026-11-03T09:00:00Z', durationMin: null, status: 'interrupted', lastActivityAt: '2026-11-03T09:41:00Z' });
    expect(countedMinutes(interrupted)).toBe(41);
    expect(countedMinutes({ ...interrupted, lastActivityAt: interrupted.startedAt })).toBe(0);
  });

  it('groups by organisation (most sessions first, none last) and by local month', () => {
    const r = buildReport(
      [
        s({ startedAt: '2026-10-06T07:00:00Z', organisation: 'PNR', kmAvoided: 880, co2Kg: 214.72 }),
        s({ startedAt: '2026-10-31T23:30:00Z', organisation: 'Communauté de communes', kmAvoided: 104, co2Kg: 25.376 }),
        s({ startedAt: '2026-11-03T08:00:00Z', organisation: 'PNR', kmAvoided: 0.1, co2Kg: 0.0244, durationMin: 30 }),
        s({ startedAt: '2026-11-05T08:00:00Z', status: 'interrupted', durationMin: null, lastActivityAt: '2026-11-05T08:10:00Z', kmAvoided: 0.2, co2Kg: 0.0488 }),
      ],
      { timeZone: TZ, from: null, to: null },
    );
    expect(r).toMatchObject({ sessions: 4, interrupted: 1, minutes: 160, kmAvoided: 984.3, co2Kg: 240.169, from: null, to: null });
    expect(r.byOrganisation.map((o) => [o.organisation, o.sessions, o.kmAvoided])).toEqual([
      ['PNR', 2, 880.1],
      ['Communauté de communes', 1, 104],
      [null, 1, 0.2],
    ]);
    // 23:30 UTC on 31 October is 00:30 on 1 November in Saint-Pons.
    expect(r.byMonth.map((m) => [m.month, m.sessions])).toEqual([
      ['2026-10', 1],
      ['2026-11', 3],
    ]);
  });

  it('is empty and well-formed with no sessions', () => {
    expect(buildReport([], { timeZone: TZ })).toEqual({
      from: null, to: null, sessions: 0, interrupted: 0, minutes: 0, kmAvoided: 0, co2Kg: 0, byOrganisation: [], byMonth: [],
    });
  });
});

describe('sessions time helpers', () => {
  it.each([
    ['2026-11-03', 'from', '2026-11-02T23:00:00.000Z'],
    ['2026-11-03', 'to', '2026-11-03T23:00:00.000Z'],
    ['2026-11', 'from', '2026-10-31T23:00:00.000Z'],
    ['2026-11', 'to', '2026-11-30T23:00:00.000Z'],
    ['2026-12', 'to', '2026-12-31T23:00:00.000Z'],
    ['2026-07-14', 'from', '2026-07-13T22:00:00.000Z'],
    ['2026-03-29', 'to', '2026-03-29T22:00:00.000Z'], // DST starts that day: next midnight is CEST
    ['2026-10-25', 'from', '2026-10-24T22:00:00.000Z'], // DST ends that day: its midnight is still CEST
    ['2026-11-03T10:15:00+01:00', 'from', '2026-11-03T09:15:00.000Z'],
  ] as const)('%s as %s in Europe/Paris is %s', (input, bound, expected) => {
    expect(new Date(toMs(input, bound, TZ, bound)).toISOString()).toBe(expected);
  });

  it('rejects nonsense with BadArgs', () => {
    for (const bad of ['yesterday', '2026-13', '2026-11-32', '', 'NaN', Number.NaN, new Date('x')]) {
      expect(() => toMs(bad as never, 'from', TZ, 'from')).toThrow(/invalid from .*use a date \(2026-11-03\), a month \(2026-11\)/);
    }
  });

  it('month keys and midnights follow the zone', () => {
    expect(monthKey(Date.parse('2026-10-31T23:30:00Z'), TZ)).toBe('2026-11');
    expect(monthKey(Date.parse('2026-10-31T23:30:00Z'), 'UTC')).toBe('2026-10');
    expect(new Date(zonedMidnight(2026, 1, 1, 'America/New_York')).toISOString()).toBe('2026-01-01T05:00:00.000Z');
  });
});
