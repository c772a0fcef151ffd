import { atMost, median, round, type Figure } from './lib/figures.ts';
import { allOnline, benchClient, sleep, startBenchDaemon } from '../tests/helpers/rig.ts';
import { startSimRoom, type DeviceId } from '../tests/helpers/sim-room.ts';

/** Each device's own time to do its part of the start (the room this benchmark models). */
export const DEVICE_DELAYS_MS: Record<DeviceId, number> = { display: 2000, codec: 1500, camera: 1000, mics: 50 };
const RUNS = 5;

/**
 * `meetingStartRatio`: wall time of `POST /api/v1/meeting/start` ÷ the slowest device's own delay.
 * Each simulator answers after its device's delay (the `faults.delayMs` knob), so a daemon that
 * runs devices in parallel takes ≈ 2 s and a sequential one ≈ 4.55 s (ratio ≈ 2.3).
 */
export async function meetingStart(): Promise<Figure[]> {
  const sims = await startSimRoom({ link: 'tcp' });
  // Polls are pushed out of the measured window: the delay knob slows every reply, polls included,
  // which a warming display does not do to its status query. Reply timeouts are raised above the delays.
  const slow = { more: 'pollIntervalMs: 600000' };
  const daemon = await startBenchDaemon(`
room: { id: bench, name: Bench }
${sims.devicesYaml({
  display: { ...slow, options: 'replyTimeoutMs: 5000' },
  codec: { ...slow, options: 'commandTimeoutMs: 5000' },
  camera: { ...slow, options: 'replyTimeoutMs: 3000' },
  mics: { ...slow, options: 'replyTimeoutMs: 2000' },
})}
scenes:
  meetingStart:
    - { device: display, command: powerOn }
    - { device: codec, command: powerOn }
    - { device: camera, command: recallPreset, args: { preset: 1 } }
    - { device: mics, command: unmuteMicrophones }
  meetingEnd:
    - { device: mics, command: muteMicrophones }
    - { device: camera, command: home }
    - { device: codec, command: powerOff }
    - { device: display, command: powerOff }
meeting: { idleMinutes: 0 }
`);
  const client = benchClient(daemon.url);
  try {
    await allOnline(daemon);
    const slowest = Math.max(...Object.values(DEVICE_DELAYS_MS));
    const ratios: number[] = [];
    const stepNotes: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      for (const [id, ms] of Object.entries(DEVICE_DELAYS_MS)) sims.faults[id as DeviceId].delayMs = ms;
      const res = await client.request('POST', '/api/v1/meeting/start', {});
      const wall = res.doneAt - res.sentAt;
      for (const id of Object.keys(DEVICE_DELAYS_MS)) sims.faults[id as DeviceId].delayMs = 0;
      if (res.status !== 200) throw new Error(`meeting start answered ${res.status}: ${JSON.stringify(res.body)}`);
      const failed = (res.body.steps as Array<{ device: string; status: string; error?: { message: string } }>).filter((s) => s.status !== 'ok');
      if (failed.length) throw new Error(`meeting start steps failed: ${JSON.stringify(failed)}`);
      ratios.push(wall / slowest);
      if (run === 0) stepNotes.push((res.body.steps as Array<{ device: string; ms: number }>).map((s) => `${s.device} ${s.ms}`).join(', '));
      const end = await client.request('POST', '/api/v1/meeting/end', {});
      if (end.status !== 200) throw new Error(`meeting end answered ${end.status}: ${JSON.stringify(end.body)}`);
      await sleep(300); // past the display's 100 ms pacing after the end scene
    }
    const ratio = median(ratios);
    return [
      atMost('meetingStartRatio', ratio, 1.05, '', RUNS,
        `median of ${RUNS}; wall ${round(ratio * slowest)} ms ÷ ${slowest} ms (display 2 s, codec 1.5 s, camera 1 s, mics 50 ms); runs ${ratios.map(round).join('/')}; steps (ms) ${stepNotes[0]}`),
    ];
  } finally {
    client.close();
    await daemon.close();
    await sims.close();
  }
}
