import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { spawnDaemon, type ChildDaemon } from '../tests/helpers/child-daemon.ts';
import { atMost, percentile, round, spread, type Figure } from './lib/figures.ts';
import { benchClient, sleep, until } from '../tests/helpers/rig.ts';

const LOAD_SECONDS = 10;
const RATE = 2000;
const COMMAND_EVERY_MS = 20;
const BASELINE_MS = 3000;

/** Alternating mute/unmute of the microphones, one at a time, every 20 ms until `stopAt`; round trips in ms. */
async function commandLoop(url: string, stopAt: number): Promise<{ latencies: number[]; failures: number }> {
  const client = benchClient(url);
  const latencies: number[] = [];
  let failures = 0;
  try {
    for (let i = 0; performance.now() < stopAt; i++) {
      const started = performance.now();
      const res = await client.request('POST', `/api/v1/devices/mics/commands/${i % 2 ? 'unmuteMicrophones' : 'muteMicrophones'}`, {});
      if (res.status === 200) latencies.push(res.doneAt - res.sentAt);
      else failures++;
      const wait = COMMAND_EVERY_MS - (performance.now() - started);
      if (wait > 0) await sleep(wait);
    }
  } finally {
    client.close();
  }
  return { latencies, failures };
}

/**
 * `loadedCommandP99Ms` and `pollRps`: the daemon as its own process (with its simulators), a
 * command every 20 ms (microphones mute/unmute, REST round trip) while autocannon polls
 * `GET /api/v1/state` at 2 000 req/s overall for 10 s, from this process, on 127.0.0.1.
 */
export async function loadedCommand(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-bench-'));
  let daemon: ChildDaemon | undefined;
  try {
    const file = join(dir, 'room.yaml');
    writeFileSync(file, `
room: { id: bench, name: Bench }
http: { host: 127.0.0.1, port: 0, rateLimitPerMinute: 1000000 }
sessions: { database: "${join(dir, 'sessions.db')}" }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
  mics: { driver: shure-dcs, transport: { type: sim } }
  camera: { driver: visca, transport: { type: sim } }
`);
    // Info, as in production: the daemon logs every command (its stdout is a pipe to us, as to journald).
    daemon = await spawnDaemon(file);
    const url = daemon.url;
    await until('devices online', async () => ((await (await fetch(`${url}/api/v1/health`)).json()) as { status: string }).status === 'ok', 15_000);

    await commandLoop(url, performance.now() + 1000); // warm-up (JIT, connections)
    const baseline = await commandLoop(url, performance.now() + BASELINE_MS);
    const load = autocannon({ url: `${url}/api/v1/state`, connections: 10, duration: LOAD_SECONDS, overallRate: RATE });
    const loaded = await commandLoop(url, performance.now() + LOAD_SECONDS * 1000 - 200);
    const result = await load;
    const pollRps = result.requests.total / (result.duration || LOAD_SECONDS);
    const notes = `mics mute/unmute every ${COMMAND_EVERY_MS} ms (REST round trip to the array's reply), daemon in its own process; ${spread(loaded.latencies)} ms, ${loaded.failures} failed; unloaded p99 ${round(percentile(baseline.latencies, 99))} ms (${baseline.latencies.length})`;
    return [
      atMost('loadedCommandP99Ms', percentile(loaded.latencies, 99), 20, 'ms', loaded.latencies.length, notes),
      {
        key: 'pollRps',
        value: pollRps,
        unit: 'req/s',
        goal: '',
        samples: result.requests.total,
        notes: `autocannon 10 connections, overallRate ${RATE}, ${LOAD_SECONDS} s: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts; poll latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
      },
    ];
  } finally {
    await daemon?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
