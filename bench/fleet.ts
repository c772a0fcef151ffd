import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, startMosquitto, type Mosquitto } from '../tests/helpers/mosquitto.ts';
import { percentile, round, unavailable, type Figure } from './lib/figures.ts';
import { ensureCompiled, ROOT, rssMb, spawnLauncher } from './lib/child-rig.ts';
import { hasTool, sleep, until } from '../tests/helpers/rig.ts';

const ROOMS = 50;
/** About five meetings a week: a year of one room's sessions. */
const SESSIONS_PER_ROOM = 250;
const REPORTS = 50;
/** Un-acked sessions per room at a time. */
const WINDOW = 10;
const ORGANISATIONS = ['Parc naturel régional', 'Communauté de communes', 'Commune de Saint-Pons', 'Commune de Riols', 'Autre'];

/** A closed session as a room's outbox publishes it on `B/sessions` (src/fleet/messages.ts reads it). */
function session(room: string, i: number): Record<string, unknown> {
  const start = Date.parse('2026-01-05T08:00:00Z') + Math.floor((i * 365 * 86_400_000) / SESSIONS_PER_ROOM);
  const minutes = 30 + (i % 6) * 15;
  const people = 1 + (i % 4);
  return {
    id: `${room}-${i}`,
    room,
    revision: 1,
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + minutes * 60_000).toISOString(),
    lastActivityAt: new Date(start + minutes * 60_000).toISOString(),
    status: 'closed',
    organisation: ORGANISATIONS[i % ORGANISATIONS.length],
    durationMin: minutes,
    kmAvoided: people * 104,
    co2Kg: round(people * 104 * 0.244),
    dialed: [{ number: 'sip:salle@visio.example' }],
    avoidedTravel: [{ name: 'Béziers', people, cars: people, km: people * 104 }],
    faults: [],
  };
}

export interface Collector {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `roomd fleet --config …`, compiled, as its own process (the unit's environment), until it listens. */
export async function startCollector(dir: string, brokerUrl: string): Promise<Collector> {
  const file = join(dir, 'fleet.yaml');
  writeFileSync(file, `mqtt: { url: "${brokerUrl}", clientId: bench-fleet, baseTopic: roomd }\nhttp: { host: 127.0.0.1, port: 0 }\ndatabase: ${join(dir, 'fleet.db')}\n`);
  const { child, stop } = spawnLauncher([join(ROOT, 'bin/roomd.js'), 'fleet', '--config', file]);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  let url: string | undefined;
  await until('the collector listening', () => {
    url = /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1];
    if (child.exitCode !== null) throw new Error(`roomd fleet exited: ${out.slice(-500)}`);
    return url !== undefined;
  }, 20_000);
  return { url: url!, pid: child.pid!, stop };
}

/** One simulated room: an MQTT client publishing its year of sessions (QoS 1) and counting the acks. */
async function room(brokerUrl: string, id: string): Promise<{ client: MqttClient; acked: Set<string>; publish(): void }> {
  const client = await mqtt.connectAsync(brokerUrl, { clientId: `bench-room-${id}`, clean: true, reconnectPeriod: 0 });
  const acked = new Set<string>();
  let next = 0;
  // As the room's outbox does (its window is 100): a small window of un-acked sessions (a broker
  // queues at most max_queued_messages per client, 1000 in Mosquitto's defaults), the next sent on each ack.
  const send = () => {
    while (next < SESSIONS_PER_ROOM && next - acked.size < WINDOW) {
      client.publish(`roomd/${id}/sessions`, JSON.stringify(session(id, next)), { qos: 1 });
      next++;
    }
  };
  client.on('message', (_topic, payload) => {
    acked.add((JSON.parse(payload.toString()) as { id: string }).id);
    send();
  });
  await client.subscribeAsync(`roomd/${id}/sessions/ack`, { qos: 1 });
  await client.publishAsync(`roomd/${id}/status`, 'online', { qos: 1, retain: true });
  return {
    client,
    acked,
    publish: send,
  };
}

/** Every room publishes its year at once; ingest = sessions stored and acked per second. */
async function ingestRun(roomBroker: Mosquitto, collectorBroker: Mosquitto, label: string): Promise<{ perSec: number; seconds: number; collector: Collector; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), `roomd-bench-fleet-${label}-`));
  const collector = await startCollector(dir, collectorBroker.url);
  // The collector's subscriptions are up when it sees a room's retained status.
  const rooms = await Promise.all(Array.from({ length: ROOMS }, (_, i) => room(roomBroker.url, `salle-${String(i + 1).padStart(2, '0')}`)));
  await until('every room seen by the collector', async () => ((await (await fetch(`${collector.url}/api/v1/fleet/rooms`)).json()) as { rooms: unknown[] }).rooms.length === ROOMS, 30_000);
  const total = ROOMS * SESSIONS_PER_ROOM;
  const t0 = performance.now();
  for (const r of rooms) r.publish();
  await until('every session acked', () => rooms.reduce((n, r) => n + r.acked.size, 0) === total, 300_000);
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(rooms.map((r) => r.client.endAsync()));
  return { perSec: total / seconds, seconds, collector, dir };
}

/**
 * `fleetIngestPerSec`: 50 simulated rooms (MQTT clients speaking the room side of the outbox) each
 * publish a year of sessions (250), ten un-acked at a time, to a Mosquitto with persistence on; the collector,
 * compiled and as its own process, stores and acks them all. Then `fleetReportP50Ms`/`P99Ms` (the
 * year's report over 12 500 sessions, 50 requests) and the collector's VmRSS; and the same ingest
 * through two bridged Mosquittos (rooms on a site broker, the collector on the central one).
 */
export async function fleet(): Promise<Figure[]> {
  const keys = ['fleetIngestPerSec', 'fleetReportP50Ms', 'fleetReportP99Ms', 'fleetCollectorRssMb', 'fleetBridgedIngestPerSec'];
  if (!hasTool('mosquitto')) return keys.map((k) => unavailable(k, '', '', 'skipped: install mosquitto'));
  ensureCompiled();
  const total = ROOMS * SESSIONS_PER_ROOM;
  const figures: Figure[] = [];
  const broker = await startMosquitto({ persistence: true });
  try {
    const run = await ingestRun(broker, broker, 'one');
    try {
      figures.push({ key: 'fleetIngestPerSec', value: run.perSec, unit: 'sessions/s', goal: '', samples: total, notes: `${ROOMS} rooms × ${SESSIONS_PER_ROOM} sessions, QoS 1, one Mosquitto (persistence on): all stored and acked in ${round(run.seconds)} s` });
      const times: number[] = [];
      let body: { sessions?: number; byRoom?: unknown[] } = {};
      for (let i = 0; i < REPORTS; i++) {
        const t = performance.now();
        body = (await (await fetch(`${run.collector.url}/api/v1/fleet/report?from=2026-01&to=2026-12`)).json()) as typeof body;
        times.push(performance.now() - t);
      }
      const notes = `GET /api/v1/fleet/report over the year: ${body.sessions} sessions, ${body.byRoom?.length} rooms`;
      figures.push({ key: 'fleetReportP50Ms', value: percentile(times, 50), unit: 'ms', goal: '', samples: REPORTS, notes });
      figures.push({ key: 'fleetReportP99Ms', value: percentile(times, 99), unit: 'ms', goal: '', samples: REPORTS, notes });
      await sleep(2000);
      figures.push({ key: 'fleetCollectorRssMb', value: rssMb(run.collector.pid), unit: 'MB', goal: '', samples: 1, notes: `VmRSS (MiB) of the collector holding ${total} sessions, after the reports` });
    } finally {
      await run.collector.stop();
      rmSync(run.dir, { recursive: true, force: true });
    }
  } finally {
    await broker.close();
  }
  const central = await startMosquitto({ persistence: true, port: await freePort() });
  const site = await startMosquitto({
    persistence: true,
    extraLines: ['connection central', `address 127.0.0.1:${central.port}`, 'topic roomd/# both 1', 'cleansession false', 'remote_clientid bench-site-bridge', 'restart_timeout 1'],
  });
  try {
    const run = await ingestRun(site, central, 'bridged');
    await run.collector.stop();
    rmSync(run.dir, { recursive: true, force: true });
    figures.push({ key: 'fleetBridgedIngestPerSec', value: run.perSec, unit: 'sessions/s', goal: '', samples: total, notes: `the same through a site Mosquitto bridged to the central one (roomd/# both ways, QoS 1): ${round(run.seconds)} s` });
  } finally {
    await site.close();
    await central.close();
  }
  return figures;
}
