import WebSocket from 'ws';
import { atMost, percentile, round, spread, type Figure } from './lib/figures.ts';
import { driveFrame, STOP_FRAME } from './lib/camera-rig.ts';
import { startCameraProcessRig } from './lib/child-rig.ts';
import { LoopWatch } from './lib/loop-delay.ts';
import { sleepUntil } from '../tests/helpers/rig.ts';

const RATE_HZ = 50;
const SECONDS = 10;
const BAUD = 9600;

/**
 * The speeds of update `i`: the pan speed steps through 12 values in each direction, so two
 * updates in a row never carry the same bytes and a pattern repeats only every 24 updates
 * (480 ms), far longer than any lag we could mistake. Tilt stays at 0.5.
 */
function update(i: number): { pan: number; tilt: number } {
  const step = 1 + (i % 12);
  const direction = Math.floor(i / 12) % 2 ? -1 : 1;
  return { pan: (direction * step) / 12, tilt: 0.5 };
}

/**
 * `joystickLagP99Ms`: a panel's joystick (50 Hz `move` over the WebSocket, as the panel sends it)
 * to a VISCA camera on a 9600-baud line. For every Pan-tilt Drive frame the camera receives,
 * lag = the frame's arrival (its last byte: the camera acts on whole frames) − the send time of
 * the update whose speeds it carries (the latest one sent before it with those bytes). Updates
 * with no frame were coalesced (a newer one replaced them in the device queue). A 9-byte frame
 * takes 9.4 ms to cross the line at 9600 baud, so that is the floor.
 */
export async function joystickLag(): Promise<Figure[]> {
  const rig = await startCameraProcessRig({ baudRate: BAUD });
  const ws = new WebSocket(`${rig.daemon.url.replace('http', 'ws')}/api/v1/events`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const results = new Map<number, boolean>();
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; id?: number; ok?: boolean };
      if (m.type === 'result' && typeof m.id === 'number') results.set(m.id, m.ok === true);
    });
    const sent: Array<{ at: number; frame: string }> = [];
    const from = rig.sim.log.entries.length;
    const watch = new LoopWatch();
    const start = performance.now() + 20;
    const count = RATE_HZ * SECONDS;
    for (let i = 0; i < count; i++) {
      await sleepUntil(start + (i * 1000) / RATE_HZ);
      const args = update(i);
      const message = JSON.stringify({ type: 'command', id: i, device: 'camera', command: 'move', args });
      sent.push({ at: performance.now(), frame: driveFrame(args.pan, args.tilt) });
      ws.send(message);
    }
    // The last update must reach the camera, then the release of the stick (stop) too.
    const last = sent.at(-1)!;
    await rig.sim.log.waitFor((e) => e.dir === 'in' && e.hex === last.frame && e.t >= last.at, 3000, from);
    const stopAt = performance.now();
    ws.send(JSON.stringify({ type: 'command', id: count, device: 'camera', command: 'move', args: { pan: 0, tilt: 0, zoom: 0 } }));
    const stopEntry = await rig.sim.log.waitFor((e) => e.dir === 'in' && e.hex === STOP_FRAME && e.t >= stopAt, 3000, from);
    const loop = watch.stop();

    const lags: number[] = [];
    const clearOfPolls: number[] = [];
    const carried = new Set<number>();
    const inquiries = rig.sim.log.entries.slice(from).filter((e) => e.dir === 'in' && e.hex.startsWith('81 09')).map((e) => e.t);
    for (const e of rig.sim.log.entries.slice(from)) {
      if (e.dir !== 'in' || !e.hex.startsWith('81 01 06 01') || e.hex === STOP_FRAME) continue;
      let j = sent.length - 1;
      while (j >= 0 && !(sent[j]!.at <= e.t && sent[j]!.frame === e.hex)) j--;
      if (j < 0) continue; // not one of ours
      carried.add(j);
      lags.push(e.t - sent[j]!.at);
      // Was a status poll on the line between the update and its frame? (the poll holds the device queue)
      if (!inquiries.some((t) => t > sent[j]!.at && t < e.t)) clearOfPolls.push(e.t - sent[j]!.at);
    }
    lags.push(stopEntry.t - stopAt);
    const coalesced = count - carried.size;
    const failed = [...results.values()].filter((ok) => !ok).length;
    const notes = `${rig.link}, compiled daemon in its own process, ${RATE_HZ} Hz × ${SECONDS} s over the WebSocket; ${count} updates, ${carried.size} drive frames, coalesced ${coalesced} (${round((100 * coalesced) / count)} %), ${failed} failed; lag to the frame's last byte (floor 9.4 ms): ${spread(lags)} ms, stop ${round(stopEntry.t - stopAt)} ms; frames with no poll in between: p99 ${round(percentile(clearOfPolls, 99))} ms (${clearOfPolls.length}); ${loop}`;
    return [atMost('joystickLagP99Ms', percentile(lags, 99), 30, 'ms', lags.length, notes)];
  } finally {
    ws.close();
    await rig.close();
  }
}
