import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { eventually } from '../helpers/daemon.ts';
import { fleetRoomYaml, testCollector, type TestCollector } from '../helpers/fleet.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';

const ok = requireTool('mosquitto', 'mosquitto');
/** The room's MQTT keep-alive (src/api/mqtt/connect-options.ts): the broker gives up after 1.5 × this at worst. */
const ROOM_KEEPALIVE_MS = 30_000;

/**
 * A room daemon killed with SIGKILL: its last will turns `B/status` to `offline`, and the fleet
 * shows it offline well within the keep-alive window (the kernel closes the socket at once, so
 * the broker usually knows in milliseconds), while its figures stay.
 */
describe.skipIf(!ok)('a killed room shows offline in the fleet', () => {
  let broker: Mosquitto;
  let fleet: TestCollector;
  let room: ChildDaemon | undefined;
  let dir: string;

  beforeAll(async () => {
    broker = await startMosquitto({ persistence: true });
    fleet = testCollector(broker.url);
    await fleet.start();
    dir = mkdtempSync(join(tmpdir(), 'roomd-fleet-kill-'));
  });

  afterAll(async () => {
    if (room && room.child.exitCode === null && room.child.signalCode === null) await room.kill('SIGKILL');
    await fleet?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('goes offline after kill -9, within the keep-alive window', async () => {
    const config = join(dir, 'room.yaml');
    writeFileSync(config, fleetRoomYaml('killed', broker.url, join(dir, 'sessions.db')));
    room = await spawnDaemon(config, { ROOMD_LOG_LEVEL: 'info' });
    await eventually(() => fleet.get('/api/v1/fleet/rooms'), (r) => r.body.rooms?.some((x: any) => x.id === 'killed' && x.online), 20_000);
    const start = await fetch(`${room.url}/api/v1/meeting/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(start.status).toBe(200);
    await eventually(() => fleet.get('/api/v1/fleet/rooms'), (r) => r.body.rooms?.find((x: any) => x.id === 'killed')?.meeting.active === true, 20_000);

    await room.kill('SIGKILL');
    const { body } = await eventually(() => fleet.get('/api/v1/fleet/rooms'), (r) => r.body.rooms?.find((x: any) => x.id === 'killed')?.online === false, 1.5 * ROOM_KEEPALIVE_MS + 10_000);
    // The retained meeting state still says what the room last published: a meeting was running.
    expect(body.rooms.find((x: any) => x.id === 'killed')).toMatchObject({ online: false, meeting: { active: true } });
  }, 90_000);
});
