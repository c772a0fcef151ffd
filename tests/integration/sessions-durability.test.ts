import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/sessions/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/sessions-crash-child.ts', import.meta.url));

let child: ChildProcess | undefined;
let dir: string | undefined;
let store: SessionStore | undefined;

afterEach(() => {
  store?.close();
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  child = dir = store = undefined;
});

/** Runs the fixture until it prints its session, then kill -9s it. */
async function startAndKill(path: string): Promise<{ id: string; callAt: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture, path], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.on('exit', (code) => reject(new Error(`child exited (${code}) before starting a session: ${err}`)));
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  proc.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return JSON.parse(line) as { id: string; callAt: string };
}

describe('sessions durability', () => {
  it('a session started by a process killed with SIGKILL survives and is recovered as interrupted', async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-sessions-kill-'));
    const path = join(dir, 'var', 'sessions.db');
    const { id, callAt } = await startAndKill(path);
    // The child never closed the database: its commits live in the WAL until this open checkpoints them.
    expect(existsSync(`${path}-wal`)).toBe(true);

    store = SessionStore.open({ path, room: 'st-pons' });
    expect(store.openSession()).toMatchObject({ id, status: 'open', organisation: 'PNR', kmAvoided: 660 });

    const before = Date.now();
    const recovered = store.recoverInterrupted(before);
    expect(recovered).toHaveLength(1);
    const r = recovered[0];
    expect(r).toMatchObject({
      id, status: 'interrupted', endReason: 'interrupted', endedAt: null, durationMin: null,
      title: 'Killed mid-meeting', kmAvoided: 660, co2Kg: 161.04,
      dialed: [{ number: 'sip:siege@pnr.example', outcome: 'answered' }],
    });
    expect(r.faults.map((f) => f.code)).toEqual(['Interrupted']);
    expect(r.faults[0].message).toMatch(/its end time is unknown \(last activity /);
    // Last known activity: the call's connection, not the moment of recovery.
    expect(Date.parse(r.lastActivityAt)).toBeGreaterThanOrEqual(Date.parse(callAt));
    expect(Date.parse(r.lastActivityAt)).toBeLessThanOrEqual(before);

    expect(store.openSession()).toBeUndefined();
    expect(store.recoverInterrupted()).toEqual([]);
    expect(store.report().sessions).toBe(1);
    // A new meeting can start after recovery.
    expect(store.startSession({ startedBy: 'panel' }).status).toBe('open');
  });
});
