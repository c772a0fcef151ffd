import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/**
 * A fault in the session log never stops the room: a real SQLite file on a real file system that
 * fills up, turns read-only, holds garbage or disappears. The small file systems are tmpfs mounts
 * (`mount -t tmpfs -o size=…`): the tests run as root and this machine allows mounting. Read-only
 * is tested at start-up (the file system is remounted read-only before roomd opens the file): Linux
 * refuses to remount a file system read-only while a file on it is open for writing (EBUSY), so
 * "turns read-only under a running roomd" cannot be produced for real here; a disk that fills up
 * under it can, and takes the same path (a write fails, it is queued and retried). Each test checks the room through REST: the display is switched on, health
 * says `degraded` and names the file, and the queued writes land once the file is usable again.
 */
const RETRY_MS = 200;
let mounts: string[] = [];
let daemon: TestDaemon | undefined;
let screen: MdcSimulator | undefined;

function mountTmpfs(sizeKb: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`this test needs to mount a tmpfs (run as root): ${(err as Error).message}`);
  }
  mounts.push(dir);
  return dir;
}

/** Fills the file system until it is full (ENOSPC), returning the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'pipe' });
  } catch {
    /* dd exits 1 at "No space left on device": that is the point */
  }
  return filler;
}

async function startRoom(database: string): Promise<TestDaemon> {
  screen = new MdcSimulator();
  const port = await screen.listen(0);
  daemon = await startTestDaemon(
    `
room: { id: st-pons, name: Salle, organisations: [PNR] }
devices:
  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${port} } }
scenes:
  meetingStart: [ { device: screen, command: powerOn } ]
  meetingEnd: [ { device: screen, command: powerOff } ]
sessions:
  database: ${database}
`,
    { sessionsRetryMs: RETRY_MS },
  );
  await eventually(() => daemon!.api('GET', '/api/v1/devices/screen'), (r) => r.body.online === true);
  return daemon;
}

/** The sessions in the file, read by a separate connection (what a restart would find). */
function sessionsInFile(path: string): Array<{ id: string; status: string }> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT id, status FROM sessions ORDER BY started_at').all() as Array<{ id: string; status: string }>;
  } finally {
    db.close();
  }
}

afterEach(async () => {
  await daemon?.close();
  await screen?.close();
  daemon = screen = undefined;
  for (const dir of mounts) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      /* already unmounted */
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mounts = [];
});

describe('session log faults', () => {
  it('disk full: the meeting starts and ends, health names the file, the session is written once there is room', async () => {
    const fs = mountTmpfs(1024);
    const path = join(fs, 'sessions.db');
    const d = await startRoom(path);
    const filler = fill(fs);

    const start = await d.api('POST', '/api/v1/meeting/start', { organisation: 'PNR', title: 'CA' });
    expect(start.status).toBe(200);
    expect(screen!.state.power).toBe(true);
    const id = start.body.session.id as string;
    const health = await d.api('GET', '/api/v1/health');
    expect(health.body.status).toBe('degraded');
    expect(health.body.checks.sessions.detail).toContain(path);
    expect(health.body.checks.sessions.detail).toMatch(/disk full/);
    // Reads answer from the queued copy; nothing is a 500.
    expect((await d.api('GET', `/api/v1/sessions/${id}`)).body).toMatchObject({ id, status: 'open', organisation: 'PNR' });
    expect((await d.api('GET', '/api/v1/sessions')).body.sessions.map((s: { id: string }) => s.id)).toContain(id);

    const end = await d.api('POST', '/api/v1/meeting/end', {});
    expect(end.status).toBe(200);
    expect(end.body.session).toMatchObject({ id, status: 'closed' });
    expect(screen!.state.power).toBe(false);
    expect(sessionsInFile(path).map((s) => s.id)).not.toContain(id);

    unlinkSync(filler);
    await eventually(() => d.api('GET', '/api/v1/health'), (r) => r.body.checks.sessions.ok === true, 10_000);
    expect(sessionsInFile(path)).toEqual([{ id, status: 'closed' }]);
  });

  it('read-only at start-up: the daemon starts degraded and names the file', async () => {
    const fs = mountTmpfs(4096);
    const path = join(fs, 'sessions.db');
    execFileSync('mount', ['-o', 'remount,ro', fs]);
    const d = await startRoom(path);
    const health = await d.api('GET', '/api/v1/health');
    expect(health.body.status).toBe('degraded');
    expect(health.body.checks.sessions.detail).toContain(path);
    const start = await d.api('POST', '/api/v1/meeting/start', {});
    expect(start.status).toBe(200);
    expect(screen!.state.power).toBe(true);
    // A read of the log while no file is open is a 503 that says why, not a 500.
    const list = await d.api('GET', '/api/v1/sessions');
    expect(list.status).toBe(503);
    expect(list.body.error.message).toContain(path);

    execFileSync('mount', ['-o', 'remount,rw', fs]);
    await eventually(() => d.api('GET', '/api/v1/health'), (r) => r.body.checks.sessions.ok === true, 10_000);
    expect(sessionsInFile(path)).toEqual([{ id: start.body.session.id, status: 'open' }]);
  });

  it('corrupt file at start-up (garbage bytes): starts degraded naming the file; the meeting still runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-corrupt-'));
    mounts.push(dir); // removed after the test (umount fails harmlessly)
    const path = join(dir, 'sessions.db');
    writeFileSync(path, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)));
    const d = await startRoom(path);
    const health = await d.api('GET', '/api/v1/health');
    expect(health.body.status).toBe('degraded');
    expect(health.body.checks.sessions.detail).toContain(path);
    expect(health.body.checks.sessions.detail).toMatch(/corrupt/);
    const start = await d.api('POST', '/api/v1/meeting/start', {});
    expect(start.status).toBe(200);
    expect(screen!.state.power).toBe(true);
    expect((await d.api('POST', '/api/v1/meeting/end', {})).status).toBe(200);
  });

  it('deleted while running: noticed, reported, written back; sessions before and after survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomd-deleted-'));
    mounts.push(dir);
    mkdirSync(join(dir, 'var'));
    const path = join(dir, 'var', 'sessions.db');
    let d = await startRoom(path);
    const first = (await d.api('POST', '/api/v1/meeting/start', { organisation: 'PNR' })).body.session.id as string;
    await d.api('POST', '/api/v1/meeting/end', {});
    for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) unlinkSync(f);

    const second = await d.api('POST', '/api/v1/meeting/start', {});
    expect(second.status).toBe(200);
    const health = await d.api('GET', '/api/v1/health');
    expect(health.body.status).toBe('degraded');
    expect(health.body.checks.sessions.detail).toContain(path);
    expect(health.body.checks.sessions.detail).toMatch(/deleted while roomd was running/);
    await d.api('POST', '/api/v1/meeting/end', {});

    await d.close();
    await screen!.close();
    daemon = undefined;
    d = await startRoom(path);
    const listed = (await d.api('GET', '/api/v1/sessions')).body.sessions.map((s: { id: string }) => s.id);
    expect(listed).toEqual([second.body.session.id, first]);
  });
});
