/**
 * `npm run bench`: measures the figures of docs/benchmarks.md, prints a table and writes
 * bench/results.json (flat keys + machine). `--only name[,name]` runs some of them
 * (meeting, rest, mqtt, stream, joystick, process, loaded, fleet, drain). See bench/README.md.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable, machineInfo, round, unavailable, type Figure } from './lib/figures.ts';
import { meetingStart } from './meeting-start.ts';
import { restToWire } from './rest-to-wire.ts';
import { mqttToWire } from './mqtt-to-wire.ts';
import { joystickLag } from './joystick-lag.ts';
import { processFigures } from './process-figures.ts';
import { loadedCommand } from './loaded-command.ts';
import { mqttStream } from './mqtt-stream.ts';
import { fleet } from './fleet.ts';
import { fleetDrain } from './fleet-drain.ts';

interface Bench {
  name: string;
  /** The keys it reports, so a benchmark that throws still leaves its rows (as n/a, with the error). */
  keys: Array<{ key: string; unit: string; goal: string }>;
  run(): Promise<Figure[]>;
}

const BENCHES: Bench[] = [
  { name: 'meeting', keys: [{ key: 'meetingStartRatio', unit: '', goal: '≤ 1.05' }], run: meetingStart },
  { name: 'rest', keys: [{ key: 'restToWireP50Ms', unit: 'ms', goal: '' }, { key: 'restToWireP99Ms', unit: 'ms', goal: '≤ 5' }], run: restToWire },
  { name: 'mqtt', keys: [{ key: 'mqttToWireP50Ms', unit: 'ms', goal: '' }, { key: 'mqttToWireP99Ms', unit: 'ms', goal: '≤ 10' }], run: mqttToWire },
  { name: 'stream', keys: [{ key: 'mqttStreamP50Ms', unit: 'ms', goal: '≤ 1' }, { key: 'mqttStreamP99Ms', unit: 'ms', goal: '≤ 2.5' }], run: mqttStream },
  { name: 'joystick', keys: [{ key: 'joystickLagP99Ms', unit: 'ms', goal: '≤ 30' }], run: joystickLag },
  { name: 'process', keys: [{ key: 'startupMs', unit: 'ms', goal: '≤ 1500' }, { key: 'idleRssMb', unit: 'MB', goal: '≤ 90' }, { key: 'idleRssMbMinimal', unit: 'MB', goal: '≤ 75' }], run: processFigures },
  {
    name: 'fleet',
    keys: ['fleetIngestPerSec', 'fleetReportP50Ms', 'fleetReportP99Ms', 'fleetCollectorRssMb', 'fleetBridgedIngestPerSec'].map((key) => ({ key, unit: '', goal: '' })),
    run: fleet,
  },
  { name: 'drain', keys: [{ key: 'fleetDrainStreamP50Ms', unit: 'ms', goal: '≈ baseline' }, { key: 'fleetDrainStreamP99Ms', unit: 'ms', goal: '≈ baseline' }], run: fleetDrain },
  { name: 'loaded', keys: [{ key: 'loadedCommandP99Ms', unit: 'ms', goal: '≤ 20' }, { key: 'pollRps', unit: 'req/s', goal: '' }], run: loadedCommand },
];

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, out: { type: 'string' } } });
  const only = values.only?.split(',').map((s) => s.trim());
  const selected = BENCHES.filter((b) => !only || only.includes(b.name));
  const machine = machineInfo();
  console.log(`roomd benchmarks on ${machine.cpuModel} (${machine.cores} cores, ${machine.memoryGb} GB), Node ${machine.node}, ${machine.os}; load average ${machine.loadAvg.join(' ')}\n`);
  const figures: Figure[] = [];
  const started = performance.now();
  for (const bench of selected) {
    const t0 = performance.now();
    process.stdout.write(`… ${bench.name}`);
    try {
      figures.push(...(await bench.run()));
    } catch (err) {
      const reason = `failed: ${(err as Error).message.split('\n')[0]}`;
      figures.push(...bench.keys.map((k) => unavailable(k.key, k.unit, k.goal, reason)));
    }
    process.stdout.write(` (${round((performance.now() - t0) / 1000)} s)\n`);
  }
  console.log(`\n${formatTable(figures)}\n\ntotal ${round((performance.now() - started) / 1000)} s`);

  const results: Record<string, unknown> = {};
  for (const f of figures) results[f.key] = f.value === null ? null : round(f.value);
  results.machine = machine;
  results.measuredAt = new Date().toISOString();
  results.details = Object.fromEntries(figures.map((f) => [f.key, { unit: f.unit, goal: f.goal, met: f.met ?? null, samples: f.samples, notes: f.notes }]));
  const out = values.out ?? fileURLToPath(new URL('./results.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${out}`);
  return 0;
}

process.exitCode = await main();
