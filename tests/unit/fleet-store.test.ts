import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSession, parseStatus, type FleetSession } from '../../src/fleet/messages.ts';
import { FleetStore } from '../../src/fleet/store.ts';

function session(room: string, id: string, revision: number, over: Partial<FleetSession> = {}): FleetSession {
  return {
    id, room, revision,
    organisation: 'PNR', title: null,
    startedAt: '2026-11-03T09:00:00.000Z', endedAt: '2026-11-03T10:00:00.000Z',
    startedBy: 'panel', endedBy: 'panel', durationMin: 60,
    dialed: [], avoidedTravel: [{ site: 'm', name: 'Montpellier', people: 2, cars: 1, km: 220 }],
    kmAvoided: 220, co2Kg: 53.68, faults: [], status: 'closed', endReason: 'user',
    lastActivityAt: '2026-11-03T10:00:00.000Z',
    ...over,
  } as FleetSession;
}

describe('the fleet store', () => {
  let dir: string;
  let store: FleetStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-fleet-unit-'));
    store = new FleetStore({ path: join(dir, 'fleet.db'), timeZone: 'Europe/Paris' });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the highest revision of a session: duplicates and older copies change nothing', () => {
    expect(store.upsertSession(session('a', 's1', 2))).toBe(true);
    expect(store.upsertSession(session('a', 's1', 2, { organisation: 'dup' }))).toBe(false);
    expect(store.upsertSession(session('a', 's1', 1, { organisation: 'old' }))).toBe(false);
    expect(store.report().byOrganisation.map((o) => o.organisation)).toEqual(['PNR']);
    expect(store.upsertSession(session('a', 's1', 3, { kmAvoided: 440, co2Kg: 107.36 }))).toBe(true);
    const r = store.report();
    expect(r.sessions).toBe(1);
    expect(r.kmAvoided).toBe(440);
    expect(store.revisionOf('a', 's1')).toBe(3);
  });

  it('keys sessions by room and id: the same id in two rooms is two sessions', () => {
    store.upsertSession(session('a', 's1', 1));
    store.upsertSession(session('b', 's1', 1));
    expect(store.report().sessions).toBe(2);
  });

  it('sums by room, organisation and local month, and filters by range', () => {
    store.upsertSession(session('a', 's1', 1));
    store.upsertSession(session('a', 's2', 1, { organisation: 'Mairie', durationMin: 30, kmAvoided: 100, co2Kg: 24.4 }));
    // 23:30 UTC on 31 October is already November in Paris.
    store.upsertSession(session('b', 's3', 1, { startedAt: '2026-10-31T23:30:00.000Z', durationMin: 15, kmAvoided: 0, co2Kg: 0 }));
    store.upsertSession(session('b', 's4', 1, { startedAt: '2026-10-15T08:00:00.000Z', status: 'interrupted', durationMin: null, lastActivityAt: '2026-10-15T08:20:00.000Z', kmAvoided: 0, co2Kg: 0 }));
    const r = store.report();
    expect(r).toMatchObject({ sessions: 4, interrupted: 1, minutes: 60 + 30 + 15 + 20, kmAvoided: 320, co2Kg: 78.08 });
    expect(r.byRoom).toEqual([
      { room: 'a', sessions: 2, interrupted: 0, minutes: 90, kmAvoided: 320, co2Kg: 78.08 },
      { room: 'b', sessions: 2, interrupted: 1, minutes: 35, kmAvoided: 0, co2Kg: 0 },
    ]);
    expect(r.byMonth.map((m) => [m.month, m.sessions])).toEqual([['2026-10', 1], ['2026-11', 3]]);
    expect(r.byOrganisation.map((o) => [o.organisation, o.sessions])).toEqual([['PNR', 3], ['Mairie', 1]]);
    expect(store.report({ from: '2026-11', to: '2026-11' }).sessions).toBe(3);
    expect(() => store.report({ from: '2026-02-30' })).toThrow(/invalid from/);
  });

  it('shows rooms with online, meeting, self-test and offline devices as faults; retained replays do not count as seen', () => {
    const t0 = Date.now();
    store.setOnline('a', true);
    store.setMeeting('a', true);
    store.setDevice('a', 'display', 'Écran', false);
    store.setDevice('a', 'camera', null, true);
    store.setSelftest('a', { ok: true });
    store.setOnline('b', false, false);
    const rooms = store.rooms();
    expect(rooms).toEqual([
      { id: 'a', name: null, online: true, meeting: { active: true }, selftest: { ok: true }, faults: [{ device: 'display', name: 'Écran', code: 'offline', message: 'Écran is offline' }], lastSeen: expect.any(String) },
      { id: 'b', name: null, online: false, meeting: { active: false }, faults: [], lastSeen: expect.any(String) },
    ]);
    expect(Date.parse(rooms[0]!.lastSeen!)).toBeGreaterThanOrEqual(t0 - 1000);
    store.removeDevice('a', 'display');
    expect(store.rooms()[0]!.faults).toEqual([]);
  });

  it('lists a configured room it never heard from as offline, never seen, in id order', () => {
    store.close();
    store = new FleetStore({ path: join(dir, 'fleet.db'), timeZone: 'Europe/Paris', names: { a: 'Salle A', c: 'Salle C' } });
    store.setOnline('b', true);
    expect(store.rooms().map((r) => [r.id, r.name, r.online, r.lastSeen === null])).toEqual([
      ['a', 'Salle A', false, true],
      ['b', null, true, false],
      ['c', 'Salle C', false, true],
    ]);
    store.setOnline('a', true);
    expect(store.rooms()[0]).toMatchObject({ id: 'a', online: true, lastSeen: expect.any(String) });
  });

  it('keeps everything across a reopen', () => {
    store.upsertSession(session('a', 's1', 1));
    store.setOnline('a', true);
    store.close();
    store = new FleetStore({ path: join(dir, 'fleet.db'), timeZone: 'Europe/Paris' });
    expect(store.report().sessions).toBe(1);
    expect(store.rooms()[0]!.online).toBe(true);
  });
});

describe('fleet message parsing', () => {
  it('names the first wrong field of a session', () => {
    const good = Buffer.from(JSON.stringify(session('a', 's1', 1)));
    expect(parseSession(good).ok).toBe(true);
    expect(parseSession(Buffer.from('{'))).toMatchObject({ ok: false, field: '(payload)' });
    expect(parseSession(Buffer.from(JSON.stringify({ ...session('a', 's1', 1), revision: 'x' })))).toMatchObject({ ok: false, field: 'revision' });
    expect(parseSession(Buffer.from(JSON.stringify({ ...session('a', 's1', 1), kmAvoided: -1 })))).toMatchObject({ ok: false, field: 'kmAvoided' });
    expect(parseSession(Buffer.from(JSON.stringify({ ...session('a', 's1', 1), status: 'open' })))).toMatchObject({ ok: false, field: 'status' });
  });
  it('reads online/offline only', () => {
    expect(parseStatus(Buffer.from('online'))).toEqual({ ok: true, value: true });
    expect(parseStatus(Buffer.from('offline'))).toEqual({ ok: true, value: false });
    expect(parseStatus(Buffer.from('gone')).ok).toBe(false);
  });
});
