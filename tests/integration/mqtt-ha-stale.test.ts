import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { TestClient } from './mqtt-test-client.ts';

/**
 * Home Assistant keeps every retained discovery config it finds. A restart with another `mqtt.role`
 * (power: a switch becomes a sensor) or without a device must not leave the old configs beside the
 * new ones: roomd reads back what the broker retains for its node at connect and clears (empty
 * retained payload) everything it no longer offers.
 */

const ok = requireTool('mosquitto', 'mosquitto');
const FILTER = 'homeassistant/+/roomd_st-pons/+/config';

describe.skipIf(!ok)('stale Home Assistant discovery after a restart', () => {
  let broker: Mosquitto;
  let daemon: TestDaemon | undefined;
  const config = (role: string, camera: boolean) => `
room: { id: st-pons, name: Salle }
mqtt: { url: "${broker.url}", role: ${role} }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
${camera ? '  camera: { driver: visca, transport: { type: sim }, options: { address: 1, presets: { "1": "Salle entière" } } }' : ''}
`;
  /** What a Home Assistant connecting now would find: the retained configs, by topic. */
  const retained = async (): Promise<Map<string, Record<string, unknown>>> => {
    const c = await TestClient.connect(broker.url, [FILTER]);
    // Retained messages follow the SUBACK at once; give the broker a moment to deliver them all.
    await new Promise((r) => setTimeout(r, 300));
    await c.close();
    return new Map(c.messages.filter((m) => m.retain && m.text !== '').map((m) => [m.topic, JSON.parse(m.text) as Record<string, unknown>]));
  };

  beforeAll(async () => {
    broker = await startMosquitto();
  });

  afterAll(async () => {
    await daemon?.close();
    await broker?.close();
  });

  it('clears the configs of another role and of a removed device, keeping one config per unique id', async () => {
    daemon = await startTestDaemon(config('technician', true));
    const before = await eventually(retained, (m) => m.has('homeassistant/switch/roomd_st-pons/display_power/config') && m.has('homeassistant/button/roomd_st-pons/camera_preset_1/config'), 15_000);
    expect([...before.keys()].some((t) => t.includes('/camera_'))).toBe(true);
    await daemon.close();

    // Restarted with the panel role (power is technician-only: a sensor now) and without the camera.
    daemon = await startTestDaemon(config('panel', false));
    const after = await eventually(retained, (m) => !m.has('homeassistant/switch/roomd_st-pons/display_power/config') && ![...m.keys()].some((t) => t.includes('/camera_')), 15_000);
    expect(after.has('homeassistant/sensor/roomd_st-pons/display_power/config')).toBe(true);
    const uniqueIds = [...after.values()].map((c) => c.unique_id);
    expect(new Set(uniqueIds).size).toBe(uniqueIds.length);
    // Nothing but what this run offers: the room's and the display's entities.
    for (const topic of after.keys()) expect(topic).toMatch(/\/(display_[a-z_0-9]+|meeting[a-z_]*|km_month|co2_month|meetings_month|minutes_month|km_last|co2_last)\/config$/);
  }, 60_000);
});
