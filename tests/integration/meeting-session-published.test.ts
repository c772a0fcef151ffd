import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaresipSimulator, type BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import { eventually, openEvents, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { TestClient } from './mqtt-test-client.ts';

const ok = requireTool('mosquitto', 'mosquitto');

/**
 * The session published at the end of a meeting is complete: the call the end hung up is in
 * `dialed` of the REST answer, the WebSocket `session` event and `B/sessions` on a real broker —
 * the same as the stored record. The codec is the baresip simulator over loopback TCP.
 */
describe.skipIf(!ok)('the session published at meeting end', () => {
  let sim: BaresipSimulator;
  let broker: Mosquitto;
  let daemon: TestDaemon;
  let mqtt: TestClient;

  beforeAll(async () => {
    sim = await startBaresipSimulator({ ringMs: 20, answerMs: 30 });
    broker = await startMosquitto();
    daemon = await startTestDaemon(`
room: { id: published, name: Salle }
mqtt: { url: "${broker.url}", role: technician }
devices:
  codec: { driver: baresip, transport: { type: tcp, host: 127.0.0.1, port: ${sim.transport.port} } }
`);
    await eventually(() => daemon.api('GET', '/api/v1/devices/codec'), (r) => r.body.online === true);
    mqtt = await TestClient.connect(broker.url, ['roomd/published/sessions']);
  });
  afterAll(async () => {
    await mqtt?.close();
    await daemon?.close();
    await broker?.close();
    await sim?.close();
  });

  it('carries the call that the end hung up, on REST, WebSocket and MQTT alike', async () => {
    const events = await openEvents(daemon.url);
    try {
      const start = await daemon.api('POST', '/api/v1/meeting/start', { organisation: 'PNR', dial: 'sip:siege@127.0.0.1' });
      expect(start.status).toBe(200);
      await eventually(() => daemon.api('GET', '/api/v1/devices/codec'), (r) => r.body.state.call.status === 'connected');

      const end = await daemon.api('POST', '/api/v1/meeting/end', {});
      expect(end.body.steps).toContainEqual(expect.objectContaining({ device: 'codec', command: 'hangup', status: 'ok' }));
      const call = expect.objectContaining({ number: 'sip:siege@127.0.0.1', direction: 'outgoing', outcome: 'answered' });
      expect(end.body.session).toMatchObject({ id: start.body.session.id, status: 'closed', dialed: [call] });

      const event = await events.next((m) => m.type === 'session');
      expect(event.session).toMatchObject({ id: start.body.session.id, dialed: [call] });
      const message = await mqtt.waitFor((m) => m.topic === 'roomd/published/sessions');
      expect(JSON.parse(message.text)).toMatchObject({ id: start.body.session.id, dialed: [call] });

      // Recorded once: the codec's later "call closed" does not add it a second time.
      await eventually(() => daemon.api('GET', '/api/v1/devices/codec'), (r) => r.body.state.call.status === 'idle');
      const stored = await daemon.api('GET', `/api/v1/sessions/${start.body.session.id}`);
      expect(stored.body.dialed).toEqual([call]);
      expect(stored.body.dialed[0]).toEqual(end.body.session.dialed[0]);
    } finally {
      events.close();
    }
  });
});
