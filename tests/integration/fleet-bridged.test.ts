import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestDaemon } from '../helpers/daemon.ts';
import { holdMeeting, RESEND_MS, startFleetRoom, testCollector, type TestCollector } from '../helpers/fleet.ts';
import { freePort, startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';

const ok = requireTool('mosquitto', 'mosquitto');
const ARRIVES_MS = 20 * RESEND_MS;

/**
 * A site broker bridged to a central one (Mosquitto's own `connection` bridge, `roomd/#` both
 * ways, persistence on both): a room on the site broker, another on the central one, the
 * collector on the central one. Sessions and acks cross the bridge; a session closed while the
 * central broker is down arrives once it is back.
 */
describe.skipIf(!ok)('fleet collection through two bridged Mosquittos', () => {
  let central: Mosquitto;
  let site: Mosquitto;
  let siteRoom: TestDaemon;
  let centralRoom: TestDaemon;
  let fleet: TestCollector;

  const report = async () => (await fleet.get('/api/v1/fleet/report')).body;
  const pending = (room: TestDaemon) => room.ctx.sessions!.outbox(1000).length;

  beforeAll(async () => {
    central = await startMosquitto({ persistence: true, port: await freePort() });
    const tag = `${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
    site = await startMosquitto({
      persistence: true,
      extraLines: [
        'connection central',
        `address 127.0.0.1:${central.port}`,
        'topic roomd/# both 1',
        'cleansession false',
        `remote_clientid site-bridge-${tag}`,
        `local_clientid site-bridge-local-${tag}`,
        'restart_timeout 1',
      ],
    });
    fleet = testCollector(central.url);
    await fleet.start();
    siteRoom = await startFleetRoom('site-room', site.url);
    centralRoom = await startFleetRoom('central-room', central.url);
    await eventually(() => fleet.get('/api/v1/fleet/rooms'), (r) => r.body.rooms?.filter((x: any) => x.online).length === 2, 20_000);
  }, 60_000);

  afterAll(async () => {
    await siteRoom?.close();
    await centralRoom?.close();
    await fleet?.close();
    await site?.close();
    await central?.close();
  });

  it('delivers each room\'s sessions once and carries the acks back across the bridge', async () => {
    await holdMeeting(siteRoom, 'PNR');
    await holdMeeting(centralRoom, 'Mairie');
    const r = await eventually(report, (b) => b.sessions === 2, ARRIVES_MS);
    expect(r.byRoom.map((x: any) => [x.room, x.sessions])).toEqual([['central-room', 1], ['site-room', 1]]);
    await eventually(() => pending(siteRoom), (n) => n === 0, ARRIVES_MS);
    await new Promise((res) => setTimeout(res, 3 * RESEND_MS));
    expect((await report()).sessions).toBe(2);
  });

  it('delivers a session closed while the central broker was down', async () => {
    await fleet.stop();
    await central.stop();
    await holdMeeting(siteRoom, 'Pendant la coupure');
    await central.start();
    await fleet.start();
    await eventually(report, (b) => b.sessions === 3, 2 * ARRIVES_MS);
    await eventually(() => pending(siteRoom), (n) => n === 0, 2 * ARRIVES_MS);
    expect((await report()).byRoom.find((x: any) => x.room === 'site-room').sessions).toBe(2);
  }, 90_000);
});
