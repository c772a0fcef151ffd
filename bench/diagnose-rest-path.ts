/**
 * Where does REST → wire time go? Splits each command's time into: request written → pushed on
 * the device queue, waiting in the queue, and queue start → frame at the simulator.
 *
 *   node --import tsx bench/diagnose-rest-path.ts [move|recallPreset] [count]
 *
 * `recallPreset` shows the position read-back pile-up (see bench/README.md, "Findings").
 * ROOMD_BENCH_LINK=tcp compares with loopback TCP (no socat between the two ends).
 */
import { driveFrame, recallFrame, startCameraRig } from './lib/camera-rig.ts';
import { spread } from './lib/figures.ts';
import { LoopWatch } from './lib/loop-delay.ts';
import { benchClient } from '../tests/helpers/rig.ts';
import { panSpeed } from './rest-to-wire.ts';

const command = process.argv[2] === 'recallPreset' ? 'recallPreset' : 'move';
const count = Number(process.argv[3] ?? 600);
const rig = await startCameraRig();
const client = benchClient(rig.daemon.url);
const queue = rig.daemon.room.runtime('camera')!.queue;
let pushedAt = 0;
let startedAt = 0;
// Wrap the device queue to timestamp our (non-poll) task being pushed and being started.
const push = queue.push.bind(queue);
queue.push = ((task: Parameters<typeof push>[0]) => {
  if (task.label.endsWith('.poll')) return push(task);
  pushedAt = performance.now();
  return push({ ...task, run: (signal: AbortSignal) => ((startedAt = performance.now()), task.run(signal)) });
}) as typeof queue.push;
const rows: Array<{ total: number; toQueue: number; queued: number; toWire: number; inquiries: number }> = [];
const watch = new LoopWatch();
for (let i = 0; i < count; i++) {
  const body = command === 'move' ? { pan: panSpeed(i), tilt: 0.5 } : { preset: 1 + (i % 2) };
  const frame = command === 'move' ? driveFrame(panSpeed(i), 0.5) : recallFrame(1 + (i % 2));
  const from = rig.sim.log.entries.length;
  const arrived = rig.sim.log.waitFor((e) => e.dir === 'in' && e.hex === frame, 3000, from);
  const res = await client.request('POST', `/api/v1/devices/camera/commands/${command}`, body);
  const e = await arrived;
  const inquiries = rig.sim.log.entries.slice(from).filter((x) => x.dir === 'in' && x.hex.startsWith('81 09') && x.t < e.t).length;
  rows.push({ total: e.t - res.sentAt, toQueue: pushedAt - res.sentAt, queued: startedAt - pushedAt, toWire: e.t - startedAt, inquiries });
}
console.log(`${command} × ${count} over ${rig.link}; ${watch.stop()}`);
for (const k of ['total', 'toQueue', 'queued', 'toWire', 'inquiries'] as const) console.log(k.padEnd(10), spread(rows.map((r) => r[k])));
client.close();
await rig.close();
