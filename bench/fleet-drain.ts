import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { SessionStore } from '../src/sessions/store.ts';
import { startMosquitto } from '../tests/helpers/mosquitto.ts';
import { percentile, round, unavailable, type Figure } from './lib/figures.ts';
import { startCameraProcessRig, type CameraProcessRig } from './lib/child-rig.ts';
import { startCollector, type Collector } from './fleet.ts';
import { describeRun, runStream } from './mqtt-stream.ts';
import { hasTool, sleep } from '../tests/helpers/rig.ts';

/** The room's backlog: far more than a room ever holds (about 250 sessions a year), so the drain outlasts the stream. */
const BACKLOG = 5_000;
/** Against the same stream once the outbox is empty (mqttStream's own goals are absolute). */
const GOAL = '≈ baseline';
const KEYS = ['fleetDrainStreamP50Ms', 'fleetDrainStreamP99Ms'];

/**
 * A room's database with `count` closed sessions the collector never acknowledged (one
 * transaction: the daemon's own writes fsync each, which would take minutes here).
 */
function backlog(dir: string, count: number): void {
  const path = join(dir, 'sessions.db');
  SessionStore.open({ path, room: 'bench' }).close(); // the schema, by the daemon's own migrations
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO sessions (id, room, started_at, ended_at, started_by, status, last_activity_at, organisation, revision)
     VALUES (?, 'bench', ?, ?, 'panel', 'closed', ?, 'Parc naturel régional', 1)`,
  );
  const first = Date.now() - count * 3_600_000;
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const start = first + i * 3_600_000;
      insert.run(`backlog-${i}`, start, start + 1_800_000, start + 1_800_000);
    }
  })();
  db.close();
}

async function storedSessions(collector: Collector): Promise<number> {
  const res = await fetch(`${collector.url}/api/v1/fleet/report?from=1990-01-01&to=2100-12-31`);
  return ((await res.json()) as { sessions: number }).sessions;
}

/** Counts the distinct sessions the collector acknowledged to the room (what empties its outbox). */
async function ackWatcher(brokerUrl: string, room: string): Promise<{ acked: Set<string>; close(): Promise<void> }> {
  const client = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, reconnectPeriod: 0 });
  const acked = new Set<string>();
  client.on('message', (_topic, payload) => acked.add((JSON.parse(payload.toString()) as { id: string }).id));
  await client.subscribeAsync(`roomd/${room}/sessions/ack`, { qos: 0 });
  return { acked, close: () => client.endAsync() };
}

/**
 * `fleetDrainStreamP50Ms` / `P99Ms`: the room's own command latency while its outbox drains. The
 * room (compiled, its own process, a VISCA camera on a pty, Mosquitto with its default settings)
 * holds 5 000 sessions the collector never acknowledged; the collector had been away and comes
 * back as a 50 msg/s stream of preset recalls starts on the room's camera topic. The stream runs
 * until the collector holds every session; the same stream once the outbox is empty is the baseline.
 */
export async function fleetDrain(): Promise<Figure[]> {
  if (!hasTool('mosquitto')) return KEYS.map((k) => unavailable(k, 'ms', '', 'skipped: install mosquitto'));
  const broker = await startMosquitto({ persistence: true });
  const collectorDir = mkdtempSync(join(tmpdir(), 'roomd-bench-drain-'));
  let rig: CameraProcessRig | undefined;
  let collector: Collector | undefined;
  try {
    // Once, so the broker keeps the collector's session (and the window the room sends) while it is away.
    collector = await startCollector(collectorDir, broker.url);
    await collector.stop();
    collector = undefined;
    rig = await startCameraProcessRig({ extraYaml: `mqtt: { url: "${broker.url}" }`, checks: ['mqtt'], prepare: (dir) => backlog(dir, BACKLOG) });
    await sleep(1000); // the room's first window is on the broker, waiting for the collector

    // Drained = every session acknowledged on the room's ack topic (watched here: polling the
    // collector's report would take the CPU the room and the collector share with this benchmark).
    const acks = await ackWatcher(broker.url, rig.roomId);
    let drainedAt = Infinity;
    const comingBack = startCollector(collectorDir, broker.url).then((c) => (collector = c));
    const watch = (async () => {
      await comingBack;
      const t0 = performance.now();
      while (acks.acked.size < BACKLOG) {
        if (performance.now() - t0 > 600_000) throw new Error(`the backlog: ${acks.acked.size}/${BACKLOG} acked after 10 min`);
        await sleep(100);
      }
      drainedAt = performance.now();
      await acks.close();
      return (drainedAt - t0) / 1000;
    })();
    const during = await runStream(rig, broker.url, { samples: 100, maxSamples: 60_000, more: () => drainedAt === Infinity });
    const drainSeconds = await watch;
    const stored = await storedSessions(collector!);
    const inDrain = during.lags.filter((_, k) => during.sentAt[k]! < drainedAt);
    const after = await runStream(rig, broker.url);
    const notes =
      `${rig.link}, mosquitto default settings (persistence on), compiled room and collector in their own processes; ` +
      `the collector back with ${BACKLOG} sessions to take, stored and acked in ${round(drainSeconds)} s (${round(BACKLOG / drainSeconds)} sessions/s, ${stored} stored); ` +
      `recalls sent while draining: ${inDrain.length}, p50 ${round(percentile(inDrain, 50))}, p99 ${round(percentile(inDrain, 99))} ms; ` +
      `during: ${describeRun(during)}; ` +
      `baseline (outbox empty): p50 ${round(percentile(after.lags, 50))}, p99 ${round(percentile(after.lags, 99))} ms, lost ${after.lost}/${after.sent}`;
    const p50 = percentile(inDrain, 50);
    const p99 = percentile(inDrain, 99);
    const ok = during.lost === 0 && inDrain.length > 0;
    // "Unaffected": within the baseline's own spread (a loaded machine moves both).
    return [
      { key: 'fleetDrainStreamP50Ms', value: p50, unit: 'ms', goal: GOAL, met: ok && p50 <= percentile(after.lags, 50) * 1.5 + 0.5, samples: inDrain.length, notes: `publish → Memory Recall frame while the outbox drains; baseline p50 ${round(percentile(after.lags, 50))} ms` },
      { key: 'fleetDrainStreamP99Ms', value: p99, unit: 'ms', goal: GOAL, met: ok && p99 <= percentile(after.lags, 99) * 1.5 + 1, samples: inDrain.length, notes },
    ];
  } finally {
    await rig?.close();
    await collector?.stop();
    rmSync(collectorDir, { recursive: true, force: true });
    await broker.close();
  }
}
