import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import { startMosquitto } from '../tests/helpers/mosquitto.ts';
import { percentile, round, spread, unavailable, type Figure } from './lib/figures.ts';
import { recallFrame } from './lib/camera-rig.ts';
import { startCameraProcessRig, type CameraProcessRig } from './lib/child-rig.ts';
import { LoopWatch } from './lib/loop-delay.ts';
import { hasTool, sleep, until } from '../tests/helpers/rig.ts';

const WARMUP = 50;
const SAMPLES = 500;
const RATE_HZ = 50;
const GRACE_MS = 3000;
const P50_GOAL = 1.0;
const P99_GOAL = 2.5;

/** Presets 1..9 in turn: two consecutive recalls are never the same frame. */
function presetFor(i: number): number {
  return 1 + (i % 9);
}

/** Frames arriving less than 1 ms after the previous one, though sent 20 ms apart: a sign of batching on the way. */
function bunched(arrivals: number[]): number {
  let n = 0;
  for (let i = 1; i < arrivals.length; i++) if (arrivals[i]! - arrivals[i - 1]! < 1) n++;
  return n;
}

/** What one stream run measured. */
export interface StreamRun {
  /** Publish → frame at the camera, ms, one per measured command (after the warm-up). */
  lags: number[];
  /** `performance.now()` of each measured send, in step with `lags`' commands. */
  sentAt: number[];
  lost: number;
  sent: number;
  rate: number;
  /** Frames arriving less than 1 ms after the previous one. */
  bunched: number;
  /** Lags of the recalls with no other frame on the line meanwhile. */
  clear: number[];
  /** Publish → the same message at a read-only client here (the broker's share). */
  brokerLeg: number[];
  /** The benchmark's own event-loop delay, for the notes. */
  loop: string;
}

/**
 * Publishes `warmup + samples` recalls at 50 msg/s on the camera's command topic (and goes on
 * while `more()` says so, up to `maxSamples`), then pairs each with its Memory Recall frame.
 * Open loop: the next command does not wait for the previous frame.
 */
export async function runStream(rig: CameraProcessRig, brokerUrl: string, options: { warmup?: number; samples?: number; more?: () => boolean; maxSamples?: number } = {}): Promise<StreamRun> {
  const warmup = options.warmup ?? WARMUP;
  const samples = options.samples ?? SAMPLES;
  const maxSamples = options.maxSamples ?? samples;
  const sim = rig.sim;
  let client: mqtt.MqttClient | undefined;
  let observer: mqtt.MqttClient | undefined;
  try {
    client = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, reconnectPeriod: 0 });
    // The publisher's own Nagle is not what is measured: its small writes go out at once.
    (client.stream as Socket).setNoDelay?.(true);
    const topic = `roomd/${rig.roomId}/camera/set`;
    // The broker's own share: the same stream seen by a client here that only reads (as a Node-RED
    // "mqtt in" node does). roomd's share is the rest, up to the frame at the camera.
    observer = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, reconnectPeriod: 0 });
    (observer.stream as Socket).setNoDelay?.(true);
    await observer.subscribeAsync(topic, { qos: 0 });
    const seen: number[] = [];
    observer.on('message', () => seen.push(performance.now()));
    const payload = (n: number) => JSON.stringify({ command: 'recallPreset', args: { preset: n } });
    // The daemon's subscription may trail its connection: wait until a command gets through.
    await until('daemon subscribed', async () => {
      const from = sim.log.entries.length;
      await client!.publishAsync(topic, payload(9));
      return sim.log.waitFor((e) => e.dir === 'in' && e.hex === recallFrame(9), 300, from).then(() => true, () => false);
    });
    await sleep(500);
    seen.length = 0;

    const from = sim.log.entries.length;
    const sends: Array<{ at: number; hex: string }> = [];
    const watch = new LoopWatch();
    const t0 = performance.now();
    for (let i = 0; i < warmup + samples || (i < warmup + maxSamples && options.more?.()); i++) {
      const due = t0 + (i * 1000) / RATE_HZ;
      const ahead = due - performance.now();
      // Timers, not a spin: the benchmark must not take the CPU the daemon and the broker need.
      if (ahead > 0.5) await sleep(ahead);
      const n = presetFor(i);
      sends.push({ at: performance.now(), hex: recallFrame(n) });
      client.publish(topic, payload(n), { qos: 0 });
    }
    const recalls = () => sim.log.entries.slice(from).filter((e) => e.dir === 'in' && e.hex.startsWith('81 01 04 3F 02'));
    await until('every recall at the camera', () => recalls().length >= sends.length, GRACE_MS).catch(() => {});
    const loop = watch.stop();

    // Pair frames with sends in order (MQTT and the device queue keep it); a send without its frame is lost.
    const arrived = recalls();
    // Other frames the driver sent (the position read-back after a recall, the 1 s status poll):
    // a recall queued behind one waits for the camera's answer to it.
    const others = sim.log.entries.slice(from).filter((e) => e.dir === 'in' && !e.hex.startsWith('81 01 04 3F 02')).map((e) => e.t);
    const run: StreamRun = { lags: [], sentAt: [], lost: 0, sent: sends.length, rate: 0, bunched: 0, clear: [], brokerLeg: [], loop };
    const arrivals: number[] = [];
    let j = 0;
    for (let i = 0; i < sends.length; i++) {
      const send = sends[i]!;
      while (j < arrived.length && arrived[j]!.t < send.at) j++;
      if (j < arrived.length && arrived[j]!.hex === send.hex) {
        if (i >= warmup) {
          run.lags.push(arrived[j]!.t - send.at);
          run.sentAt.push(send.at);
          if (!others.some((t) => t > send.at && t < arrived[j]!.t)) run.clear.push(arrived[j]!.t - send.at);
          arrivals.push(arrived[j]!.t);
        }
        j++;
      } else {
        run.lost++;
      }
    }
    run.bunched = bunched(arrivals);
    run.brokerLeg = seen.slice(warmup).map((t, k) => t - sends[warmup + k]!.at);
    run.rate = (sends.length - 1) / ((sends.at(-1)!.at - sends[0]!.at) / 1000);
    return run;
  } finally {
    await client?.endAsync().catch(() => {});
    await observer?.endAsync().catch(() => {});
  }
}

/** The notes' account of a run. */
export function describeRun(run: StreamRun): string {
  return `QoS 0 at ${round(run.rate)} msg/s; lost ${run.lost}/${run.sent}; ${spread(run.lags)} ms; ${run.bunched} frames < 1 ms after the previous; recalls with no other frame on the line meanwhile: ${run.clear.length}, p50 ${round(percentile(run.clear, 50))}, p99 ${round(percentile(run.clear, 99))} ms; the broker's share (publish → a read-only client here): p50 ${round(percentile(run.brokerLeg, 50))}, p99 ${round(percentile(run.brokerLeg, 99))} ms (${run.brokerLeg.length}); ${run.loop}`;
}

/**
 * `mqttStreamP50Ms` / `mqttStreamP99Ms`: a 50 msg/s stream of `{"command":"recallPreset",...}` on
 * `roomd/bench/camera/set` (QoS 0) through a Mosquitto with its default settings (Nagle on, as
 * Debian ships it), the compiled daemon as its own process, the camera a simulator on a socat pty
 * answering ACK + completion. Latency: publish → the Memory Recall frame complete at the camera.
 * Open loop (the next command does not wait for the previous frame), so a stall shows up as
 * bunched arrivals; every command must arrive (`lost` in the notes).
 */
export async function mqttStream(): Promise<Figure[]> {
  if (!hasTool('mosquitto')) {
    const reason = 'skipped: install mosquitto (apt-get install -y mosquitto)';
    return [unavailable('mqttStreamP50Ms', 'ms', `≤ ${P50_GOAL}`, reason), unavailable('mqttStreamP99Ms', 'ms', `≤ ${P99_GOAL}`, reason)];
  }
  const broker = await startMosquitto();
  let rig: CameraProcessRig | undefined;
  try {
    rig = await startCameraProcessRig({ extraYaml: `mqtt: { url: "${broker.url}" }`, checks: ['mqtt'] });
    const run = await runStream(rig, broker.url);
    const notes = `${rig.link}, mosquitto default settings ${broker.url}, compiled daemon in its own process, ${WARMUP} warm-up + ${SAMPLES}; ${describeRun(run)}`;
    const p50 = percentile(run.lags, 50);
    const p99 = percentile(run.lags, 99);
    return [
      { key: 'mqttStreamP50Ms', value: p50, unit: 'ms', goal: `≤ ${P50_GOAL}`, met: p50 <= P50_GOAL && run.lost === 0, samples: run.lags.length, notes: `publish → Memory Recall frame at the camera; lost ${run.lost}` },
      { key: 'mqttStreamP99Ms', value: p99, unit: 'ms', goal: `≤ ${P99_GOAL}`, met: p99 <= P99_GOAL && run.lost === 0, samples: run.lags.length, notes },
    ];
  } finally {
    await rig?.close();
    await broker.close();
  }
}
