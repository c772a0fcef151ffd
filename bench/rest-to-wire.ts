import { atMost, percentile, spread, type Figure } from './lib/figures.ts';
import { driveFrame, STOP_FRAME } from './lib/camera-rig.ts';
import { startCameraProcessRig } from './lib/child-rig.ts';
import { LoopWatch } from './lib/loop-delay.ts';
import { benchClient } from '../tests/helpers/rig.ts';

const WARMUP = 50;
const SAMPLES = 1000;

/** Pan speeds that differ from one command to the next, so every `move` is a new Pan-tilt Drive frame. */
export function panSpeed(i: number): number {
  return ((i % 2 ? -1 : 1) * (1 + (i % 12))) / 12;
}

/**
 * `restToWireP50Ms` / `restToWireP99Ms`: `POST .../commands/move` written on a keep-alive
 * connection → the Pan-tilt Drive frame it produces arriving at the camera simulator, over a socat
 * pty (loopback TCP without socat). One command at a time (nothing coalesced); the camera's 1 s
 * status poll runs meanwhile, as in a room.
 */
export async function restToWire(): Promise<Figure[]> {
  const rig = await startCameraProcessRig();
  const client = benchClient(rig.daemon.url);
  try {
    const watch = new LoopWatch();
    const lags: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const pan = panSpeed(i);
      const from = rig.sim.log.entries.length;
      const frame = driveFrame(pan, 0.5);
      const arrived = rig.sim.log.waitFor((e) => e.dir === 'in' && e.hex === frame, 3000, from);
      const res = await client.request('POST', '/api/v1/devices/camera/commands/move', { pan, tilt: 0.5 });
      if (res.status !== 200) throw new Error(`move answered ${res.status}: ${JSON.stringify(res.body)}`);
      const entry = await arrived;
      if (i >= WARMUP) lags.push(entry.t - res.sentAt);
      // The log would otherwise hold every poll and reply of the run.
      if (rig.sim.log.entries.length > 5000) rig.sim.log.clear();
    }
    const loop = watch.stop();
    const stopped = rig.sim.log.waitFor((e) => e.dir === 'in' && e.hex === STOP_FRAME, 3000, rig.sim.log.entries.length);
    await client.request('POST', '/api/v1/devices/camera/commands/stop', {});
    await stopped;
    const notes = `${rig.link}, compiled daemon in its own process; move with a new pan speed each time, keep-alive node:http, one at a time, after ${WARMUP} warm-up; ${spread(lags)} ms; ${loop}`;
    return [
      { key: 'restToWireP50Ms', value: percentile(lags, 50), unit: 'ms', goal: '', samples: lags.length, notes: 'request written → Pan-tilt Drive frame received by the simulator' },
      atMost('restToWireP99Ms', percentile(lags, 99), 5, 'ms', lags.length, notes),
    ];
  } finally {
    client.close();
    await rig.close();
  }
}
