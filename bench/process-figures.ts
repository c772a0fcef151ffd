import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { startMosquitto, type Mosquitto } from '../tests/helpers/mosquitto.ts';
import { atMost, median, round, unavailable, type Figure } from './lib/figures.ts';
import { ensureCompiled, rssMb, spawnLauncher, startCameraProcessRig, type CameraProcessRig } from './lib/child-rig.ts';
import { hasTool, sleep } from '../tests/helpers/rig.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STARTS = 3;
const IDLE_MS = 30_000;
const DEMO_GOAL = 90;
const MINIMAL_GOAL = 75;

/** config/demo.yaml with ephemeral ports and a throw-away database, written to `dir`. */
export function demoCopy(dir: string): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'config/demo.yaml'), 'utf8'));
  doc.setIn(['http', 'port'], 0);
  doc.setIn(['mqtt', 'embedded', 'port'], 0);
  doc.setIn(['sessions', 'database'], join(dir, 'sessions.db'));
  const file = join(dir, 'demo.yaml');
  writeFileSync(file, doc.toString());
  return file;
}

interface Started {
  pid: number;
  url: string;
  /** Spawn → first 200 from /api/v1/health. */
  firstOkMs: number;
  /** Spawn → health says every device is online (`status: ok`). */
  allOnlineMs: number | null;
  stop(): Promise<void>;
}

/** Spawns `node bin/roomd.js --config file` and times it to healthy. */
async function startProcess(file: string): Promise<Started> {
  const t0 = performance.now();
    // ROOMD_BENCH_NODE_ARGS (e.g. `--max-semi-space-size=2`) tries Node flags on the daemon.
  const nodeArgs = process.env.ROOMD_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const { child, stop } = spawnLauncher([...nodeArgs, join(ROOT, 'bin/roomd.js'), '--config', file]);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  try {
    let url: string | undefined;
    let firstOkMs: number | undefined;
    const deadline = t0 + 20_000;
    while (performance.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`roomd exited (${child.exitCode}):\n${out.slice(-2000)}`);
      url ??= /"url":"(http:\/\/[^"]+)".*"msg":"roomd listening"/.exec(out)?.[1];
      if (url) {
        const res = await fetch(`${url}/api/v1/health`).catch(() => undefined);
        if (res) {
          const body = (await res.json()) as { status: string };
          if (res.status === 200 && firstOkMs === undefined) firstOkMs = performance.now() - t0;
          if (body.status === 'ok') return { pid: child.pid!, url, firstOkMs: firstOkMs!, allOnlineMs: performance.now() - t0, stop };
        }
      }
      await sleep(firstOkMs === undefined ? 5 : 50);
    }
    if (firstOkMs !== undefined && url) return { pid: child.pid!, url, firstOkMs, allOnlineMs: null, stop };
    throw new Error(`roomd not healthy within 20 s:\n${out.slice(-2000)}`);
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The production-shaped room, started beside the demo: one serial VISCA camera, an external Mosquitto. */
async function startMinimal(): Promise<{ rig: CameraProcessRig; broker: Mosquitto; healthyMs: number } | string> {
  if (!hasTool('mosquitto')) return 'skipped: install mosquitto (apt-get install -y mosquitto)';
  const broker = await startMosquitto();
  try {
    const rig = await startCameraProcessRig({ extraYaml: `mqtt: { url: "${broker.url}" }`, checks: ['mqtt'] });
    return { rig, broker, healthyMs: performance.now() - rig.daemon.spawnedAt };
  } catch (err) {
    await broker.close();
    throw err;
  }
}

/**
 * `startupMs` (median of 3 spawns of `node bin/roomd.js` on a copy of the demo config: process
 * spawn → first 200 from /api/v1/health), `idleRssMb` (VmRSS of the last one after 30 s idle
 * with every demo device connected) and `idleRssMbMinimal` (VmRSS after the same 30 s of a
 * production-shaped room: one VISCA camera on a socat pty — its simulator lives in the benchmark —,
 * an external Mosquitto, the session database, no simulator in the daemon). All compiled (dist/).
 */
export async function processFigures(): Promise<Figure[]> {
  ensureCompiled();
  const dir = mkdtempSync(join(tmpdir(), 'roomd-bench-'));
  let minimal: Awaited<ReturnType<typeof startMinimal>> | undefined;
  try {
    const file = demoCopy(dir);
    const firstOk: number[] = [];
    const allOnline: number[] = [];
    let last: Started | undefined;
    for (let i = 0; i < STARTS; i++) {
      const started = await startProcess(file);
      firstOk.push(started.firstOkMs);
      if (started.allOnlineMs !== null) allOnline.push(started.allOnlineMs);
      if (i < STARTS - 1) await started.stop();
      else last = started;
    }
    let idle: number;
    let idlePrivate: number;
    let rssAtReady: number;
    let minimalFigure: Figure;
    try {
      rssAtReady = rssMb(last!.pid);
      minimal = await startMinimal();
      const minimalAtReady = typeof minimal === 'string' ? 0 : rssMb(minimal.rig.daemon.pid);
      // One idle period for both: they are independent processes, and the run stays short.
      await sleep(IDLE_MS);
      idle = rssMb(last!.pid);
      idlePrivate = rssMb(last!.pid, 'RssAnon');
      if (typeof minimal === 'string') {
        minimalFigure = unavailable('idleRssMbMinimal', 'MB', `≤ ${MINIMAL_GOAL}`, minimal);
      } else {
        const { rig } = minimal;
        minimalFigure = atMost('idleRssMbMinimal', rssMb(rig.daemon.pid), MINIMAL_GOAL, 'MB', 1,
          `VmRSS (MiB) after ${IDLE_MS / 1000} s idle: one VISCA camera on ${rig.link}, external mosquitto, sessions, compiled; ${round(minimalAtReady)} when healthy; private (RssAnon) ${round(rssMb(rig.daemon.pid, 'RssAnon'))}; spawn → listening ${round(rig.daemon.listeningMs)} ms, → camera and MQTT up ${round(minimal.healthyMs)} ms`);
      }
    } finally {
      await last!.stop();
    }
    return [
      atMost('startupMs', median(firstOk), 1500, 'ms', firstOk.length,
        `spawn → first 200 from /api/v1/health, median of ${STARTS} (${firstOk.map(round).join('/')}); → every demo device online (status ok): ${allOnline.map(round).join('/')} ms; compiled dist/`),
      atMost('idleRssMb', idle, DEMO_GOAL, 'MB', 1,
        `VmRSS (MiB) of the demo daemon after ${IDLE_MS / 1000} s idle, its five simulators and embedded broker in-process (${round(rssAtReady)} when healthy); of which private (RssAnon, not the node binary's mapped pages) ${round(idlePrivate)}; the cec stand-in's own process is not counted`),
      minimalFigure,
    ];
  } finally {
    if (minimal && typeof minimal !== 'string') {
      await minimal.rig.close();
      await minimal.broker.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
