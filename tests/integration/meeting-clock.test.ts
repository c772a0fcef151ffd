import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

const ROOMD = fileURLToPath(new URL('../../bin/roomd.js', import.meta.url));

/**
 * Time, over REST: the daemon is given a wall clock the test can jump (the monotonic clock stays
 * the real `performance.now`), the way an NTP step or a wrong RTC corrected at boot moves it.
 */
describe('meeting time', () => {
  let screen: MdcSimulator;
  let daemon: TestDaemon;
  let offsetMs = 0;

  beforeAll(async () => {
    screen = new MdcSimulator();
    const port = await screen.listen(0);
    daemon = await startTestDaemon(
      `
room: { id: st-pons, name: Salle, timezone: Europe/Paris }
meeting: { idleMinutes: 30, nightlyEndAt: "22:00" }
devices:
  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${port} } }
scenes:
  meetingStart: [ { device: screen, command: powerOn } ]
  meetingEnd: [ { device: screen, command: powerOff } ]
`,
      { clock: { now: () => new Date(Date.now() + offsetMs) } },
    );
    await eventually(() => daemon.api('GET', '/api/v1/devices/screen'), (r) => r.body.online === true);
  });
  afterAll(async () => {
    await daemon?.close();
    await screen?.close();
  });

  it('a forward wall-clock jump of 3 days ends nothing and adds no minutes to the session or the report', async () => {
    const start = await daemon.api('POST', '/api/v1/meeting/start', { organisation: 'PNR' });
    expect(start.status).toBe(200);
    offsetMs = 3 * 86_400_000; // three nights at 22:00 and three days of "idle" pass on the wall clock
    await daemon.meeting.checkAutoEnd(); // what the 30-s timer runs
    expect((await daemon.api('GET', '/api/v1/state')).body.meeting.active).toBe(true);

    const end = await daemon.api('POST', '/api/v1/meeting/end', {});
    expect(end.body.session).toMatchObject({ status: 'closed', endReason: 'user', durationMin: 0 });
    // The end is the start plus the real time elapsed, not the jumped wall clock.
    expect(Date.parse(end.body.session.endedAt) - Date.parse(start.body.session.startedAt)).toBeLessThan(86_400_000);
    const report = await daemon.api('GET', '/api/v1/report');
    expect(report.body).toMatchObject({ sessions: 1, minutes: 0 });
  });

  it('impossible dates are refused with 400 on the sessions, CSV and report routes', async () => {
    for (const path of ['/api/v1/sessions', '/api/v1/sessions.csv', '/api/v1/report']) {
      for (const query of ['from=2026-02-30', 'to=2026-04-31', 'from=2026-02-30T10:00:00Z']) {
        const r = await daemon.api('GET', `${path}?${query}`);
        expect(r.status, `${path}?${query}`).toBe(400);
        expect(JSON.stringify(r.body)).toMatch(/2026-0[24]-3[01]/);
      }
      expect((await daemon.api('GET', `${path}?from=2028-02-29`)).status).toBe(200);
    }
  });
});

describe('room.timezone', () => {
  it('an unknown zone is refused by --check with FILE:LINE:COL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-tz-'));
    try {
      const file = join(dir, 'room.yaml');
      writeFileSync(file, 'room:\n  id: r\n  name: Salle\n  timezone: Mars/Olympus\ndevices: {}\n');
      const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(process.execPath, [ROOMD, '--config', file, '--check'], { timeout: 20_000 }, (err, _stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr });
        });
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${file}:4:3 room.timezone: unknown time zone "Mars/Olympus"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
