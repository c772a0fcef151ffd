import { mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isRoomError } from '../../src/core/errors.ts';
import { silentLogger, type Logger } from '../../src/core/logger.ts';
import { migrations, SessionDatabaseError, SessionStore, type SessionStoreOptions } from '../../src/sessions/index.ts';

const TZ = 'Europe/Paris';
const sites = {
  montpellier: { name: 'Montpellier', roundTripKm: 220 },
  beziers: { name: 'Béziers', roundTripKm: 104 },
  carcassonne: { name: 'Carcassonne', roundTripKm: 180 },
  toulouse: { name: 'Toulouse', roundTripKm: 340 },
  bedarieux: { name: 'Bédarieux', roundTripKm: 66 },
};

let dir: string;
const stores: SessionStore[] = [];
const others: Database.Database[] = [];

function open(extra: Partial<SessionStoreOptions> = {}): SessionStore {
  const store = SessionStore.open({ path: join(dir, 'db', 'sessions.db'), room: 'st-pons', sites, timeZone: TZ, ...extra });
  stores.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roomd-sessions-'));
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of others.splice(0)) if (d.open) d.close();
  rmSync(dir, { recursive: true, force: true });
});

const min = 60_000;
const at = (iso: string) => Date.parse(iso);

/** The room's first weeks, as its owners reported them: 6 meetings, 2 584 km, 0.63 t CO₂. */
function seedFirstWeeks(store: SessionStore): void {
  const meetings = [
    { start: '2026-10-06T09:00:00+02:00', minutes: 120, organisation: 'PNR', title: 'Comité syndical', travel: [{ site: 'montpellier', people: 4 }] },
    { start: '2026-10-15T14:00:00+02:00', minutes: 90, organisation: 'Communauté de communes', title: 'Voirie', travel: [{ site: 'beziers', people: 3 }] },
    { start: '2026-10-22T10:00:00+02:00', minutes: 60, organisation: 'Commune de Saint-Pons', title: 'Marché, "plein air"', travel: [{ site: 'carcassonne', people: 2 }] },
    { start: '2026-11-03T09:30:00+01:00', minutes: 150, organisation: 'PNR', title: 'Natura 2000', travel: [{ site: 'toulouse', people: 5, carpool: true }] },
    { start: '2026-11-10T16:00:00+01:00', minutes: 45, organisation: 'Communauté de communes', title: null, travel: [{ site: 'bedarieux', people: 2 }] },
  ];
  for (const m of meetings) {
    const s = store.startSession({ organisation: m.organisation, title: m.title, startedBy: 'panel', avoidedTravel: m.travel, at: m.start });
    store.endSession(s.id, { endedBy: 'panel', reason: 'user', at: at(m.start) + m.minutes * min });
  }
  // The sixth ran until a power cut; its last known activity is a call 30 minutes in.
  const s = store.startSession({ organisation: 'PNR', startedBy: 'tech', at: '2026-11-19T10:00:00+01:00' });
  store.updateTravel(s.id, [{ site: 'montpellier', people: 1 }]);
  store.addCall(s.id, { number: 'sip:siege@pnr.example', startedAt: at('2026-11-19T10:30:00+01:00') });
  store.recoverInterrupted(at('2026-11-20T08:00:00+01:00'));
}

describe('sessions store: the room’s own figures', () => {
  it('reports 6 meetings, 2 584 km and ≈ 630 kg CO₂, by organisation and month', () => {
    const store = open();
    seedFirstWeeks(store);
    const r = store.report();
    expect(r.sessions).toBe(6);
    expect(r.interrupted).toBe(1);
    expect(r.kmAvoided).toBe(2584);
    expect(Math.abs(r.co2Kg - 630.5)).toBeLessThanOrEqual(0.5);
    expect(r.co2Kg).toBeCloseTo(630.496, 6);
    expect(r.minutes).toBe(120 + 90 + 60 + 150 + 45 + 30);
    expect(r.byOrganisation.map((o) => [o.organisation, o.sessions, o.kmAvoided, o.minutes])).toEqual([
      ['PNR', 3, 880 + 680 + 220, 120 + 150 + 30],
      ['Communauté de communes', 2, 312 + 132, 135],
      ['Commune de Saint-Pons', 1, 360, 60],
    ]);
    expect(r.byMonth.map((m) => [m.month, m.sessions, m.kmAvoided])).toEqual([
      ['2026-10', 3, 1552],
      ['2026-11', 3, 1032],
    ]);
    const nov = store.report({ from: '2026-11', to: '2026-11' });
    expect([nov.sessions, nov.kmAvoided, nov.from, nov.to]).toEqual([3, 1032, '2026-10-31T23:00:00.000Z', '2026-11-30T23:00:00.000Z']);
  });

  it('returns the session records of docs/session-log.md', () => {
    const store = open();
    seedFirstWeeks(store);
    const { sessions } = store.list({ limit: 10 });
    const carpool = sessions.find((s) => s.title === 'Natura 2000');
    expect(carpool).toMatchObject({
      room: 'st-pons', organisation: 'PNR', startedAt: '2026-11-03T08:30:00.000Z', endedAt: '2026-11-03T11:00:00.000Z',
      startedBy: 'panel', endedBy: 'panel', durationMin: 150, status: 'closed', endReason: 'user', kmAvoided: 680, co2Kg: 165.92,
      avoidedTravel: [{ site: 'toulouse', name: 'Toulouse', people: 5, carpool: true, cars: 2, km: 680 }], dialed: [], faults: [],
    });
    expect(carpool?.id).toMatch(/^[0-9a-f-]{36}$/);
    const interrupted = sessions[0];
    expect(interrupted).toMatchObject({
      status: 'interrupted', endReason: 'interrupted', endedAt: null, endedBy: null, durationMin: null,
      lastActivityAt: '2026-11-19T09:30:00.000Z', dialed: [{ number: 'sip:siege@pnr.example', direction: 'outgoing' }],
      faults: [{ code: 'Interrupted', device: null }],
    });
  });
});

describe('sessions store: sessions', () => {
  it('allows one open session at a time and validates ends', () => {
    const store = open();
    expect(store.openSession()).toBeUndefined();
    const s = store.startSession({ organisation: '  PNR  ', title: '', startedBy: 'panel' });
    expect([s.organisation, s.title, s.status, s.endedAt]).toEqual(['PNR', null, 'open', null]);
    expect(store.openSession()?.id).toBe(s.id);
    expect(() => store.startSession({ startedBy: 'mqtt' })).toThrow(/a meeting is already in progress \(session /);
    expect(() => store.endSession(s.id, { endedBy: 'x', reason: 'whatever' as never })).toThrow(/reason must be one of/);
    expect(() => store.endSession('nope', { endedBy: 'x', reason: 'user' })).toSatisfy((f: () => void) => {
      try { f(); return false; } catch (e) { return isRoomError(e, 'NotFound'); }
    });
    const ended = store.endSession(s.id, { endedBy: 'schedule', reason: 'night', avoidedTravel: [{ site: 'beziers', people: 2 }] });
    expect(ended).toMatchObject({ status: 'closed', endReason: 'night', endedBy: 'schedule', kmAvoided: 208, co2Kg: 50.752 });
    expect(() => store.endSession(s.id, { endedBy: 'x', reason: 'user' })).toThrow(/is already closed/);
    expect(store.openSession()).toBeUndefined();
    expect(store.startSession({ startedBy: 'panel' }).status).toBe('open');
  });

  it('rejects an unknown site without writing anything', () => {
    const store = open();
    expect(() => store.startSession({ startedBy: 'panel', avoidedTravel: [{ site: 'nimes', people: 2 }] })).toThrow(
      'unknown site "nimes": known sites: montpellier, beziers, carcassonne, toulouse, bedarieux',
    );
    expect(store.list().total).toBe(0);
    const s = store.startSession({ startedBy: 'panel', avoidedTravel: [{ site: 'beziers', people: 1 }] });
    expect(() => store.updateTravel(s.id, [{ site: 'nimes', people: 1 }])).toThrow(/unknown site/);
    expect(store.get(s.id)?.kmAvoided).toBe(104);
  });

  it('records calls and faults with the session', () => {
    const store = open();
    const s = store.startSession({ startedBy: 'panel', at: '2026-11-03T09:00:00Z' });
    const call = store.addCall(s.id, { number: 'sip:a@b', startedAt: '2026-11-03T09:01:00Z' });
    const updated = store.updateCall(call.id, { connectedAt: '2026-11-03T09:01:05Z', outcome: 'answered' });
    expect(updated).toMatchObject({ connectedAt: '2026-11-03T09:01:05.000Z', endedAt: null, outcome: 'answered' });
    store.updateCall(call.id, { endedAt: '2026-11-03T09:40:00Z' });
    store.addFault(s.id, { at: '2026-11-03T09:20:00Z', device: 'camera', code: 'DeviceTimeout', message: 'no ACK for recallPreset' });
    store.addFault(null, { device: 'display', code: 'DeviceOffline', message: 'outside any meeting' });
    const got = store.get(s.id)!;
    expect(got.dialed).toEqual([
      { id: call.id, number: 'sip:a@b', direction: 'outgoing', startedAt: '2026-11-03T09:01:00.000Z', connectedAt: '2026-11-03T09:01:05.000Z', endedAt: '2026-11-03T09:40:00.000Z', outcome: 'answered' },
    ]);
    expect(got.faults).toEqual([{ at: '2026-11-03T09:20:00.000Z', device: 'camera', code: 'DeviceTimeout', message: 'no ACK for recallPreset' }]);
    expect(got.lastActivityAt).toBe('2026-11-03T09:40:00.000Z');
    expect(() => store.addCall('nope', { number: 'x' })).toThrow(/no session "nope"/);
    expect(() => store.updateCall(999, { outcome: 'failed' })).toThrow(/no call 999/);
  });

  it('lists newest first with filters and paging', () => {
    const store = open();
    seedFirstWeeks(store);
    const all = store.list();
    expect(all.total).toBe(6);
    expect(all.sessions.map((s) => s.startedAt)).toEqual([...all.sessions.map((s) => s.startedAt)].sort().reverse());
    const page = store.list({ limit: 2, offset: 2 });
    expect(page.total).toBe(6);
    expect(page.sessions.map((s) => s.id)).toEqual(all.sessions.slice(2, 4).map((s) => s.id));
    expect(store.list({ organisation: 'PNR' }).total).toBe(3);
    expect(store.list({ organisation: 'PNR', from: '2026-11-01' }).sessions.map((s) => s.title)).toEqual([null, 'Natura 2000']);
    expect(store.list({ to: '2026-10-31' }).total).toBe(3); // `to` as a bare date includes that day
    expect(store.list({ from: '2026-10-15', to: '2026-10-22' }).total).toBe(2);
    expect(store.list({ from: at('2026-10-22T08:00:00Z'), to: new Date('2026-10-22T08:00:00.001Z') }).total).toBe(1);
    expect(store.list({ offset: 10 })).toEqual({ sessions: [], total: 6 });
    expect(() => store.list({ limit: 0 })).toThrow(/limit must be 1\.\.10000/);
    expect(() => store.list({ from: 'last week' })).toThrow(/invalid from "last week"/);
  });
});

describe('sessions store: audit', () => {
  it('batches rows, redacts secrets and prunes by retention', () => {
    const now = at('2026-11-20T12:00:00Z');
    const store = open({ retentionDays: 30, now: () => now });
    const day = 86_400_000;
    store.audit({ at: now - 40 * day, who: 'tech', surface: 'rest', device: 'camera', command: 'home', ok: true, latencyMs: 3 });
    store.audit({ at: now - 31 * day, who: 'tech', surface: 'rest', device: 'camera', command: 'home', ok: true });
    store.audit({ at: now - 29 * day, who: 'panel', surface: 'panel', device: 'mics', command: 'muteMicrophones', ok: true });
    store.audit({ who: 'mqtt', surface: 'mqtt', device: 'codec', command: 'dial', args: { number: 'sip:x@y', password: 'hunter2', nested: { apiKey: 'k' } }, ok: false, errorCode: 'DeviceTimeout', latencyMs: 5000.1234 });
    store.flushAudit();
    const rows = store.auditEntries();
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({
      at: '2026-11-20T12:00:00.000Z', who: 'mqtt', surface: 'mqtt', device: 'codec', command: 'dial', ok: false, errorCode: 'DeviceTimeout', latencyMs: 5000.123,
      args: { number: 'sip:x@y', password: '[redacted]', nested: { apiKey: '[redacted]' } },
    });
    expect(store.pruneAudit(now)).toBe(2);
    expect(store.auditEntries().map((r) => r.command)).toEqual(['dial', 'muteMicrophones']);
    expect(store.pruneAudit(now)).toBe(0);
  });

  it('writes on its own after the flush interval, and on close', async () => {
    const path = join(dir, 'db', 'sessions.db');
    const store = open({ auditFlushMs: 20 });
    store.audit({ who: 'panel', surface: 'panel', command: 'powerOn', device: 'display', ok: true });
    const peek = () => {
      const reader = new Database(path, { readonly: true });
      try {
        return (reader.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
      } finally {
        reader.close();
      }
    };
    expect(peek()).toBe(0);
    await vi.waitFor(() => expect(peek()).toBe(1), { timeout: 2000, interval: 10 });
    store.audit({ who: 'panel', surface: 'panel', command: 'powerOff', device: 'display', ok: true });
    store.close();
    expect(peek()).toBe(2);
  });

  it('keeps SQLite off the command path: rows wait in memory and go in batches of 500', () => {
    const path = join(dir, 'db', 'sessions.db');
    const store = open({ auditFlushMs: 60_000 }); // the interval never comes during this test
    const count = () => {
      const reader = new Database(path, { readonly: true });
      try {
        return (reader.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
      } finally {
        reader.close();
      }
    };
    const audit = () => store.audit({ who: 'panel', surface: 'rest', device: 'camera', command: 'move', args: { pan: 0.5, tilt: 0, zoom: 0 }, ok: true, latencyMs: 1.2 });
    for (let i = 0; i < 499; i++) audit();
    expect(count()).toBe(0);
    audit();
    expect(count()).toBe(500);
    for (let i = 0; i < 9_499; i++) audit();
    expect(count()).toBe(9_500);
    store.flushAudit();
    expect(count()).toBe(9_999);
    expect(store.auditEntries({ limit: 10_000 })).toHaveLength(9_999);
    store.close();
  });
});

describe('sessions store: opening the database', () => {
  it('creates the directory and runs each migration once (user_version)', () => {
    const info = vi.fn();
    const log: Logger = { ...silentLogger, info, child: () => log };
    const path = join(dir, 'deep', 'er', 'sessions.db');
    const first = SessionStore.open({ path, room: 'r', log });
    expect(first.schemaVersion).toBe(migrations.length);
    first.startSession({ startedBy: 'panel' });
    first.close();
    expect(info.mock.calls.filter((c) => c[1] === 'session database migrated')).toHaveLength(1);
    const second = SessionStore.open({ path, room: 'r', log });
    second.close();
    expect(info.mock.calls.filter((c) => c[1] === 'session database migrated')).toHaveLength(1);
    const raw = new Database(path, { readonly: true });
    others.push(raw);
    expect(raw.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('applies a later migration to an existing database, keeping its rows', () => {
    const v1 = open();
    const s = v1.startSession({ startedBy: 'panel', organisation: 'PNR' });
    v1.close();
    const addColumn = vi.fn((db: Database.Database) => db.exec("ALTER TABLE sessions ADD COLUMN language TEXT NOT NULL DEFAULT 'fr'"));
    const v2 = open({ migrations: [...migrations, addColumn] });
    expect(v2.schemaVersion).toBe(migrations.length + 1);
    expect(v2.get(s.id)?.organisation).toBe('PNR');
    v2.close();
    open({ migrations: [...migrations, addColumn] }).close();
    expect(addColumn).toHaveBeenCalledTimes(1);
    // Back on the older build: refused, not misread.
    expect(() => open()).toThrow(`schema version ${migrations.length + 1} is newer than this roomd understands (${migrations.length}): upgrade roomd or restore a backup`);
  });

  it('refuses a file that is not a database, with a clear message', () => {
    const path = join(dir, 'junk.db');
    writeFileSync(path, 'this is not a database, it is a shopping list\n'.repeat(40));
    const err = catchError(() => SessionStore.open({ path, room: 'r' }));
    expect(err).toBeInstanceOf(SessionDatabaseError);
    expect((err as SessionDatabaseError).problem).toBe('corrupt');
    expect(err.message).toBe(`session database ${path} is corrupt (file is not a database): move it aside or restore a backup`);
  });

  it('refuses a database with a damaged page', () => {
    const path = join(dir, 'db', 'sessions.db');
    open().close();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(3000, 0xa5), 0, 3000, 200);
    closeSync(fd);
    const err = catchError(() => open());
    expect((err as SessionDatabaseError).problem).toBe('corrupt');
    expect(err.message).toMatch(/is corrupt \(database disk image is malformed\): move it aside or restore a backup/);
  });

  it('refuses a database another connection holds an EXCLUSIVE lock on (WAL)', () => {
    const path = join(dir, 'db', 'sessions.db');
    open().close();
    const other = new Database(path);
    others.push(other);
    other.exec('BEGIN EXCLUSIVE');
    const t0 = Date.now();
    const err = catchError(() => open({ busyTimeoutMs: 100 }));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((err as SessionDatabaseError).problem).toBe('locked');
    expect(err.message).toMatch(/^session database .*sessions\.db is locked by another process \(database is locked\): is another roomd/);
    other.exec('COMMIT');
    expect(open().list().total).toBe(0);
  });

  it('refuses a rollback-journal database locked exclusively by someone else', () => {
    const path = join(dir, 'plain.db');
    const other = new Database(path);
    others.push(other);
    other.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);');
    const err = catchError(() => SessionStore.open({ path, room: 'r', busyTimeoutMs: 100 }));
    expect((err as SessionDatabaseError).problem).toBe('locked');
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
