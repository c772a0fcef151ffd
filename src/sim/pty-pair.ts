import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real pseudo-terminal pair made by `socat`, like a null-modem cable: what is written to one end
 * is read from the other. The daemon opens `devicePath` as its serial port; a simulator opens
 * `simPath`. Killing socat (`close`) makes both ends vanish, as a pulled USB adapter does.
 */
export interface PtyPair {
  devicePath: string;
  simPath: string;
  close(): Promise<void>;
}

/**
 * `at` recreates a pair at known paths (a cable plugged back in: the daemon finds its device again
 * at the same path); by default the links live in a new temp directory.
 */
export async function createPtyPair(timeoutMs = 5000, at?: { devicePath: string; simPath: string }): Promise<PtyPair> {
  const dir = at ? undefined : mkdtempSync(join(tmpdir(), 'roomd-pty-'));
  const devicePath = at?.devicePath ?? join(dir!, 'device');
  const simPath = at?.simPath ?? join(dir!, 'sim');
  if (at) for (const p of [devicePath, simPath]) mkdirSync(dirname(p), { recursive: true });
  const child: ChildProcess = spawn(
    'socat',
    [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${simPath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`socat: ${err.message} (install the 'socat' package)`)));
    child.once('exit', (code) => reject(new Error(`socat exited with code ${code}: ${stderr.trim()}`)));
  });
  const ready = (async () => {
    const until = Date.now() + timeoutMs;
    while (!(existsSync(devicePath) && existsSync(simPath))) {
      if (Date.now() > until) throw new Error('socat did not create the pty pair in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await Promise.race([ready, failed]);
  failed.catch(() => {}); // later exits are expected (close)
  return {
    devicePath,
    simPath,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
