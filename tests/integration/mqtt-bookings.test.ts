import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { TestClient } from './mqtt-test-client.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/calendar/salle-visio.ics', import.meta.url));
const B = 'roomd/st-pons';

describe.skipIf(!requireTool('mosquitto', 'mosquitto'))('bookings and the self-test on MQTT (a real mosquitto)', () => {
  let broker: Mosquitto;
  let screen: MdcSimulator;
  let daemon: TestDaemon;
  let watcher: TestClient;

  beforeAll(async () => {
    broker = await startMosquitto();
    screen = new MdcSimulator();
    const port = await screen.listen(0);
    daemon = await startTestDaemon(`
room: { id: st-pons, name: Salle, organisations: [PNR, Commune de Riols], timezone: Europe/Paris }
mqtt: { url: "${broker.url}", homeAssistant: { discovery: false } }
calendar: { url: ./salle.ics, refreshSeconds: 3600, prepareMinutes: 0 }
devices:
  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${port} } }
  ghost: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: 1 } }
`, { clock: { now: () => new Date('2026-03-31T09:00:00Z') } });
    copyFileSync(FIXTURE, join(daemon.dir, 'salle.ics'));
    await daemon.bookings!.calendar.refresh();
    await daemon.bookings!.scheduler.tick();
    await eventually(() => daemon.api('GET', '/api/v1/devices/screen'), (r) => r.body.online === true);
    watcher = await TestClient.connect(broker.url, [`${B}/selftest`, `${B}/bookings/next`]);
  });
  afterAll(async () => {
    await watcher?.close();
    await daemon?.close();
    await screen?.close();
    await broker?.close();
  });

  it('publishes the next booking today, retained', async () => {
    const body = await watcher.waitForJson(`${B}/bookings/next`, (b) => b !== null);
    const next = watcher.messages.find((m) => m.topic === `${B}/bookings/next` && m.text !== 'null')!;
    expect(next.retain).toBe(true); // it was published before this client subscribed
    expect(body).toMatchObject({ start: '2026-03-31T12:00:00.000Z', organisation: 'PNR', status: 'upcoming' });
  });

  it('runs the self-test on B/selftest/set and publishes the result retained', async () => {
    const requester = await TestClient.connect(broker.url, []);
    try {
      await requester.client.publishAsync(`${B}/selftest/set`, 'run', { qos: 1 });
      const result = await watcher.waitForJson<any>(`${B}/selftest`);
      expect(result).toMatchObject({ ok: false, reason: 'mqtt' });
      expect(result.checks.find((c: any) => c.device === 'ghost' && c.check === 'answers')).toMatchObject({ ok: false, detail: expect.stringMatching(/^offline/) });
    } finally {
      await requester.close();
    }
  });
});
