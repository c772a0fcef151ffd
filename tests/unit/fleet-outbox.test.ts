import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetOutbox } from '../../src/api/mqtt/fleet-outbox.ts';
import type { Logger } from '../../src/core/logger.ts';
import { migrate, migrations } from '../../src/sessions/schema.ts';
import { SessionStore } from '../../src/sessions/store.ts';

/** Records warnings; everything else is dropped. */
function recordingLog(): Logger & { warnings: unknown[] } {
  const warnings: unknown[] = [];
  const log: Logger & { warnings: unknown[] } = {
    warnings,
    trace() {}, debug() {}, info() {}, error() {},
    warn(obj) { warnings.push(obj); },
    child: () => log,
  };
  return log;
}

describe('the room\'s fleet outbox (a real session store, a recording link)', () => {
  let dir: string;
  let store: SessionStore;
  let sent: Array<{ topic: string; body: any }>;
  let up: boolean;
  let outbox: FleetOutbox;
  let log: ReturnType<typeof recordingLog>;

  const close = (i: number) => {
    const s = store.startSession({ startedBy: 'panel', organisation: `org${i}`, at: 1_800_000_000_000 + i * 3_600_000 });
    store.endSession(s.id, { endedBy: 'panel', reason: 'user', at: 1_800_000_000_000 + i * 3_600_000 + 600_000 });
    return s.id;
  };
  /** Longer than the outbox's pause between batches (1 ms here): one more batch has gone. */
  const turn = () => new Promise((r) => setTimeout(r, 5));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-outbox-'));
    store = SessionStore.open({ path: join(dir, 'sessions.db'), room: 'r1', sites: { m: { name: 'Montpellier', roundTripKm: 220 } } });
    sent = [];
    up = true;
    log = recordingLog();
    outbox = new FleetOutbox(store, 'roomd/r1', {
      publish: (topic, payload) => (up ? (sent.push({ topic, body: JSON.parse(payload) }), true) : false),
      subscribe: (topic) => sent.push({ topic: `subscribe ${topic}`, body: null }),
    }, log, { batchSize: 20, batchPauseMs: 1, intervalMs: 3_600_000 });
  });
  afterEach(() => {
    outbox.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the whole record with room and revision, oldest first, in batches with a pause between them', async () => {
    const ids = Array.from({ length: 45 }, (_, i) => close(i));
    outbox.onUp();
    expect(sent[0]!.topic).toBe('subscribe roomd/r1/sessions/ack');
    expect(sent.length - 1).toBe(20); // the first batch only, synchronously
    await new Promise((r) => setImmediate(r));
    expect(sent.length - 1).toBe(20); // the next waits for the pause, not just a turn of the loop
    await turn();
    await turn();
    await turn();
    const bodies = sent.slice(1).map((m) => m.body);
    expect(bodies.map((b) => b.id)).toEqual(ids);
    expect(bodies[0]).toMatchObject({ room: 'r1', status: 'closed', organisation: 'org0', dialed: [], faults: [] });
    expect(bodies[0].revision).toBeGreaterThan(0);
    expect(bodies[0]).toEqual({ ...store.get(ids[0]!), room: 'r1', revision: bodies[0].revision });
  });

  it('keeps at most `window` sessions un-acked: each ack lets the next one go, a reconnect sends the un-acked again', async () => {
    outbox.stop();
    outbox = new FleetOutbox(store, 'roomd/r1', {
      publish: (topic, payload) => (sent.push({ topic, body: JSON.parse(payload) }), true),
      subscribe: () => {},
    }, log, { batchSize: 20, batchPauseMs: 1, window: 30, intervalMs: 3_600_000 });
    const ids = Array.from({ length: 45 }, (_, i) => close(i));
    const sentIds = () => sent.map((m) => m.body.id as string);
    outbox.onUp();
    for (let i = 0; i < 5; i++) await turn();
    expect(sentIds()).toEqual(ids.slice(0, 30));
    const ack = (n: number) => outbox.handle('roomd/r1/sessions/ack', Buffer.from(JSON.stringify({ id: ids[n], revision: sent[n]!.body.revision })));
    for (let n = 0; n < 5; n++) ack(n);
    for (let i = 0; i < 5; i++) await turn();
    expect(sentIds()).toEqual(ids.slice(0, 35));
    // The link dropped and came back: the 30 still un-acked go again, oldest first, nothing acked.
    sent = [];
    outbox.onUp();
    for (let i = 0; i < 5; i++) await turn();
    expect(sentIds()).toEqual(ids.slice(5, 35));
  });

  it('stops sending what the collector acked, and sends it again once corrected', async () => {
    const id = close(1);
    outbox.onUp();
    const first = sent.at(-1)!.body;
    expect(outbox.handle('roomd/r1/sessions/ack', Buffer.from(JSON.stringify({ id, revision: first.revision })))).toBe(true);
    expect(store.outbox()).toEqual([]);
    // An ack for a revision the room never had changes nothing.
    outbox.handle('roomd/r1/sessions/ack', Buffer.from(JSON.stringify({ id, revision: first.revision + 5 })));
    outbox.start();
    sent = [];
    store.updateTravel(id, [{ site: 'm', people: 3 }]);
    await turn();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body.revision).toBeGreaterThan(first.revision);
    expect(sent[0]!.body.kmAvoided).toBe(store.get(id)!.kmAvoided);
    expect(sent[0]!.body.kmAvoided).toBeGreaterThan(first.kmAvoided);
  });

  it('ignores malformed acks, logging each kind once, and other topics', () => {
    const id = close(1);
    for (let i = 0; i < 3; i++) {
      outbox.handle('roomd/r1/sessions/ack', Buffer.from('nope'));
      outbox.handle('roomd/r1/sessions/ack', Buffer.from('{"id":"x","revision":"1"}'));
      outbox.handle('roomd/r1/sessions/ack', Buffer.from('null'));
    }
    expect(log.warnings).toHaveLength(3);
    expect(outbox.handle('roomd/r1/sessions', Buffer.from('{}'))).toBe(false);
    expect(store.outbox().map((r) => r.session.id)).toEqual([id]);
  });

  it('gives up a pass while the link is down and starts over on the next connect', () => {
    close(1);
    close(2);
    up = false;
    outbox.onUp();
    expect(sent.filter((m) => !m.topic.startsWith('subscribe'))).toEqual([]);
    up = true;
    outbox.onUp();
    expect(sent.filter((m) => !m.topic.startsWith('subscribe'))).toHaveLength(2);
  });
});

describe('outbox migration', () => {
  it('marks sessions closed before it as to be sent once, and bumps the revision on every stored change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-outbox-mig-'));
    try {
      const db = new Database(join(dir, 's.db'));
      migrate(db, migrations.slice(0, 2));
      db.prepare(`INSERT INTO sessions (id, room, started_at, ended_at, started_by, status, last_activity_at) VALUES ('old', 'r', 1, 2, 'p', 'closed', 2), ('open', 'r', 3, NULL, 'p', 'open', 3)`).run();
      migrate(db);
      const rev = (id: string) => (db.prepare('SELECT revision, fleet_acked FROM sessions WHERE id = ?').get(id) as { revision: number; fleet_acked: number });
      expect(rev('old')).toEqual({ revision: 1, fleet_acked: 0 });
      expect(rev('open').revision).toBe(0);
      db.prepare("INSERT INTO calls (session_id, number, direction, started_at) VALUES ('open', 'sip:a', 'outgoing', 4)").run();
      db.prepare("UPDATE calls SET outcome = 'answered' WHERE session_id = 'open'").run();
      db.prepare("INSERT INTO faults (session_id, at, code, message) VALUES ('open', 5, 'X', 'x')").run();
      db.prepare("UPDATE sessions SET booking_id = 'b1' WHERE id = 'open'").run();
      db.prepare("UPDATE sessions SET status = 'closed', ended_at = 6 WHERE id = 'open'").run();
      expect(rev('open').revision).toBe(5);
      db.prepare("UPDATE sessions SET fleet_acked = 5, last_activity_at = 9 WHERE id = 'open'").run();
      expect(rev('open')).toEqual({ revision: 5, fleet_acked: 5 });
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
