import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestDaemon } from '../helpers/daemon.ts';
import { holdMeeting, RESEND_MS, startFleetRoom, testCollector, type TestCollector } from '../helpers/fleet.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { TestClient } from './mqtt-test-client.ts';

const ok = requireTool('mosquitto', 'mosquitto');

/** Generous: a loaded 2-core machine; the rooms re-send every RESEND_MS and reconnect within ~1 s. */
const ARRIVES_MS = 20 * RESEND_MS;

/**
 * Two room daemons and a collector on one real Mosquitto with persistence on. One scenario, in
 * order: sessions arrive once each; one closed while the broker was down arrives; one closed
 * while the collector was down arrives after it restarts, which keeps every earlier figure; a
 * corrected (PATCHed) session replaces its copy; malformed messages change nothing.
 */
describe.skipIf(!ok)('fleet collector with two rooms on a persistent Mosquitto', () => {
  let broker: Mosquitto;
  let r1: TestDaemon;
  let r2: TestDaemon;
  let fleet: TestCollector;
  const ids: string[] = [];

  const report = async () => (await fleet.get('/api/v1/fleet/report')).body;
  const pending = (room: TestDaemon) => room.ctx.sessions!.outbox(1000).length;

  beforeAll(async () => {
    broker = await startMosquitto({ persistence: true });
    fleet = testCollector(broker.url);
    await fleet.start();
    await eventually(() => fleet.current!.ingest.connected, (c) => c, 10_000);
    r1 = await startFleetRoom('r1', broker.url);
    r2 = await startFleetRoom('r2', broker.url);
    await eventually(() => fleet.get('/api/v1/fleet/rooms'), (r) => r.body.rooms?.filter((x: any) => x.online).length === 2, 15_000);
  }, 60_000);

  afterAll(async () => {
    await r1?.close();
    await r2?.close();
    await fleet?.close();
    await broker?.close();
  });

  it('lists both rooms online, with their meeting state and config name', async () => {
    const { body } = await fleet.get('/api/v1/fleet/rooms');
    expect(body.rooms).toEqual([
      expect.objectContaining({ id: 'r1', name: 'Salle une', online: true, meeting: { active: false }, faults: [] }),
      expect.objectContaining({ id: 'r2', name: null, online: true, meeting: { active: false }, faults: [] }),
    ]);
    expect(Date.parse(body.rooms[0].lastSeen)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('receives each closed session once, and the rooms stop sending once acked', async () => {
    ids.push(await holdMeeting(r1, 'PNR'), await holdMeeting(r2, 'Mairie'));
    const r = await eventually(report, (b) => b.sessions === 2, ARRIVES_MS);
    expect(r.byRoom.map((x: any) => [x.room, x.sessions])).toEqual([['r1', 1], ['r2', 1]]);
    await eventually(() => pending(r1) + pending(r2), (n) => n === 0, ARRIVES_MS);
    // Several re-send intervals later nothing was stored twice.
    const before = { ...fleet.current!.ingest.counts };
    await new Promise((res) => setTimeout(res, 3 * RESEND_MS));
    expect((await report()).sessions).toBe(2);
    expect(fleet.current!.ingest.counts.stored).toBe(before.stored);
    const stored = await r1.api('GET', `/api/v1/sessions/${ids[0]}`);
    const mine = r.byRoom.find((x: any) => x.room === 'r1');
    expect(mine.kmAvoided).toBe(stored.body.kmAvoided);
  });

  it('stores a duplicate or an older copy once (idempotent by room, id and revision)', async () => {
    const csv = (await fleet.get('/api/v1/fleet/sessions.csv')).text;
    expect(csv.split('\r\n')[0]).toMatch(/^room,id,organisation,/);
    const client = await TestClient.connect(broker.url, []);
    try {
      const record = (await r1.api('GET', `/api/v1/sessions/${ids[0]}`)).body;
      const stored = fleet.current!.store.revisionOf('r1', ids[0]!)!;
      const dup = fleet.current!.ingest.counts.duplicates;
      await client.publish('roomd/r1/sessions', JSON.stringify({ ...record, revision: stored, organisation: 'Falsifié' }));
      await client.publish('roomd/r1/sessions', JSON.stringify({ ...record, revision: stored - 1, organisation: 'Ancien' }));
      await eventually(() => fleet.current!.ingest.counts.duplicates, (n) => n >= dup + 2, ARRIVES_MS);
      const r = await report();
      expect(r.sessions).toBe(2);
      expect(r.byOrganisation.map((o: any) => o.organisation).sort()).toEqual(['Mairie', 'PNR']);
    } finally {
      await client.close();
    }
  });

  it('gets a session closed while the broker was down, once the broker is back', async () => {
    await broker.stop();
    ids.push(await holdMeeting(r1, 'Hors ligne'));
    expect(pending(r1)).toBe(1);
    await broker.start();
    await eventually(report, (b) => b.sessions === 3, ARRIVES_MS);
    await eventually(() => pending(r1), (n) => n === 0, ARRIVES_MS);
  }, 60_000);

  it('gets a session closed while the collector was down after it restarts, keeping every earlier figure', async () => {
    const before = await report();
    await fleet.stop();
    ids.push(await holdMeeting(r2, 'Pendant la panne'));
    // Nobody acks meanwhile: it stays in the room's outbox (and in the broker's queue for the collector).
    await new Promise((res) => setTimeout(res, 2 * RESEND_MS));
    expect(pending(r2)).toBe(1);
    await fleet.start();
    const after = await eventually(report, (b) => b.sessions === 4, ARRIVES_MS);
    expect(after.byRoom.find((x: any) => x.room === 'r1')).toEqual(before.byRoom.find((x: any) => x.room === 'r1'));
    await eventually(() => pending(r2), (n) => n === 0, ARRIVES_MS);
    const { body } = await fleet.get('/api/v1/fleet/rooms');
    expect(body.rooms.map((r: any) => [r.id, r.online])).toEqual([['r1', true], ['r2', true]]);
  }, 60_000);

  it('replaces a corrected session: the figures change, the count does not', async () => {
    const before = await report();
    const revision = fleet.current!.store.revisionOf('r1', ids[0]!)!;
    const patched = await r1.api('PATCH', `/api/v1/sessions/${ids[0]}`, { avoidedTravel: [{ site: 'montpellier', people: 9 }] });
    expect(patched.status).toBe(200);
    const after = await eventually(report, (b) => b.kmAvoided !== before.kmAvoided, ARRIVES_MS);
    expect(after.sessions).toBe(before.sessions);
    expect(after.kmAvoided).toBeCloseTo(before.kmAvoided - (before.byRoom[0].kmAvoided - after.byRoom[0].kmAvoided), 3);
    expect(fleet.current!.store.revisionOf('r1', ids[0]!)).toBeGreaterThan(revision);
    const r1Now = (await r1.api('GET', '/api/v1/report')).body;
    expect(after.byRoom.find((x: any) => x.room === 'r1').kmAvoided).toBe(r1Now.kmAvoided);
    const csv = (await fleet.get('/api/v1/fleet/sessions.csv')).text;
    expect(csv.trim().split('\r\n')).toHaveLength(1 + 4);
  }, 60_000);

  it('logs and drops malformed messages, keeps running, and answers bad dates with 400', async () => {
    const client = await TestClient.connect(broker.url, []);
    try {
      const malformed = fleet.current!.ingest.counts.malformed;
      await client.publish('roomd/r1/sessions', 'not json');
      await client.publish('roomd/r1/sessions', JSON.stringify({ id: 'x', room: 'r1', revision: 'two' }));
      await client.publish('roomd/r2/status', 'maybe');
      await client.publish('roomd/r2/meeting/state', '{"active":"yes"}');
      await eventually(() => fleet.current!.ingest.counts.malformed, (n) => n >= malformed + 4, ARRIVES_MS);
    } finally {
      await client.close();
    }
    expect((await report()).sessions).toBe(4);
    const bad = await fleet.get('/api/v1/fleet/report?from=2026-02-30');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/from/);
    const health = await fleet.get('/api/v1/health');
    expect(health.body).toMatchObject({ status: 'ok', mqtt: { ok: true } });
  });
});
