import mqtt from 'mqtt';
import { startMosquitto } from '../tests/helpers/mosquitto.ts';
import { atMost, percentile, spread, unavailable, type Figure } from './lib/figures.ts';
import { driveFrame, STOP_FRAME } from './lib/camera-rig.ts';
import { startCameraProcessRig, type CameraProcessRig } from './lib/child-rig.ts';
import { LoopWatch } from './lib/loop-delay.ts';
import { hasTool, until } from '../tests/helpers/rig.ts';
import { panSpeed } from './rest-to-wire.ts';

const WARMUP = 50;
const SAMPLES = 1000;

/**
 * `mqttToWireP50Ms` / `mqttToWireP99Ms`: a `move` published to `roomd/bench/camera/set` on a real
 * Mosquitto → its Pan-tilt Drive frame at the camera simulator. The daemon's bridge subscribes
 * on the broker like any client; one command at a time, QoS 0.
 */
export async function mqttToWire(): Promise<Figure[]> {
  if (!hasTool('mosquitto')) {
    return [
      unavailable('mqttToWireP50Ms', 'ms', '', 'skipped: install mosquitto (apt-get install -y mosquitto)'),
      unavailable('mqttToWireP99Ms', 'ms', '≤ 10', 'skipped: install mosquitto (apt-get install -y mosquitto)'),
    ];
  }
  const broker = await startMosquitto();
  let rig: CameraProcessRig | undefined;
  let client: mqtt.MqttClient | undefined;
  try {
    rig = await startCameraProcessRig({ extraYaml: `mqtt: { url: "${broker.url}", homeAssistant: { discovery: false } }`, checks: ['mqtt'] });
    client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    const topic = `roomd/${rig.roomId}/camera/set`;
    // The bridge's subscription may trail its connection: wait until a command gets through.
    await until('bridge subscribed', async () => {
      const from = rig!.sim.log.entries.length;
      await client!.publishAsync(topic, JSON.stringify({ command: 'move', args: { pan: 0.25, tilt: 0.5 } }));
      return rig!.sim.log.waitFor((e) => e.dir === 'in' && e.hex === driveFrame(0.25, 0.5), 300, from).then(() => true, () => false);
    });
    const watch = new LoopWatch();
    const lags: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const pan = panSpeed(i);
      const from = rig.sim.log.entries.length;
      const arrived = rig.sim.log.waitFor((e) => e.dir === 'in' && e.hex === driveFrame(pan, 0.5), 3000, from);
      const payload = JSON.stringify({ command: 'move', args: { pan, tilt: 0.5 } });
      const sentAt = performance.now();
      client.publish(topic, payload, { qos: 0 });
      const entry = await arrived;
      if (i >= WARMUP) lags.push(entry.t - sentAt);
      if (rig.sim.log.entries.length > 5000) rig.sim.log.clear();
    }
    const loop = watch.stop();
    const stopped = rig.sim.log.waitFor((e) => e.dir === 'in' && e.hex === STOP_FRAME, 3000, rig.sim.log.entries.length);
    client.publish(topic, JSON.stringify({ command: 'stop' }));
    await stopped;
    const notes = `mosquitto ${broker.url}, QoS 0, ${rig.link}, compiled daemon in its own process, move with a new pan speed each time, after ${WARMUP} warm-up; ${spread(lags)} ms; ${loop}`;
    return [
      { key: 'mqttToWireP50Ms', value: percentile(lags, 50), unit: 'ms', goal: '', samples: lags.length, notes: 'publish → Pan-tilt Drive frame received by the simulator' },
      atMost('mqttToWireP99Ms', percentile(lags, 99), 10, 'ms', lags.length, notes),
    ];
  } finally {
    await client?.endAsync().catch(() => {});
    await rig?.close();
    await broker.close();
  }
}
