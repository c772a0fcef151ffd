import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';

/** A killed daemon loses no session: kill -9 during a meeting, restart, find it closed as interrupted. */
describe('crash recovery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-crash-'));
  const config = join(dir, 'room.yaml');
  writeFileSync(config, `
room: { id: crash, name: "Salle" }
http: { port: 0 }
sessions:
  database: ${join(dir, 'sessions.db')}
  sites: { castres: { name: Castres, roundTripKm: 116 } }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
scenes:
  meetingStart: [ { device: display, command: powerOn } ]
`);
  const daemons: ChildDaemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes the open session as interrupted after a SIGKILL, keeping what was known', async () => {
    const first = await spawnDaemon(config);
    daemons.push(first);
    const start = await fetch(`${first.url}/api/v1/meeting/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organisation: 'PNR', title: 'Comité syndical', avoidedTravel: [{ site: 'castres', people: 3 }] }),
    }).then((r) => r.json() as Promise<{ session: { id: string } }>);
    expect(start.session.id).toBeTruthy();
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');

    const second = await spawnDaemon(config);
    daemons.push(second);
    const { sessions } = (await fetch(`${second.url}/api/v1/sessions`).then((r) => r.json())) as { sessions: Array<Record<string, unknown>> };
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      id: start.session.id,
      status: 'interrupted',
      endedAt: null,
      organisation: 'PNR',
      title: 'Comité syndical',
      kmAvoided: 348,
    });
    const state = (await fetch(`${second.url}/api/v1/state`).then((r) => r.json())) as { meeting: { active: boolean } };
    expect(state.meeting.active).toBe(false);
    expect(second.output()).toContain('closed as interrupted');
    expect(await second.kill('SIGTERM')).toBe(0);
  });

  it('a clean stop (SIGTERM) closes the open session with its real end time', async () => {
    const first = await spawnDaemon(config);
    daemons.push(first);
    const start = (await fetch(`${first.url}/api/v1/meeting/start`, { method: 'POST' }).then((r) => r.json())) as { session: { id: string } };
    expect(await first.kill('SIGTERM')).toBe(0);
    const second = await spawnDaemon(config);
    daemons.push(second);
    const session = (await fetch(`${second.url}/api/v1/sessions/${start.session.id}`).then((r) => r.json())) as Record<string, unknown>;
    expect(session).toMatchObject({ status: 'closed', endReason: 'shutdown', endedBy: 'roomd' });
    expect(session.endedAt).toEqual(expect.any(String));
    await second.kill('SIGTERM');
  });
});
