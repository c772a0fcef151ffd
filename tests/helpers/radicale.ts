import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto.ts';

/** A real Radicale CalDAV server on 127.0.0.1 with a temp storage folder and one plain-text user. */
export interface Radicale {
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  username: string;
  password: string;
  /** MKCALENDAR at `path` (e.g. /salle/visio/). */
  mkcalendar(path: string): Promise<void>;
  /** PUT one iCalendar object (one UID: master and overrides). */
  put(path: string, ics: string): Promise<number>;
  /** Stops the server (SIGTERM, by pid); `start()` brings it back on the same port and storage. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  close(): Promise<void>;
  output(): string;
}

export async function startRadicale(): Promise<Radicale> {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-radicale-'));
  const port = await freePort();
  const username = 'salle';
  const password = 'visio-secret';
  writeFileSync(join(dir, 'users'), `${username}:${password}\n`);
  let child: ChildProcess | undefined;
  let log = '';
  const base = `http://127.0.0.1:${port}`;
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  const start = async () => {
    child = spawn('radicale', [
      '--config', '',
      '--server-hosts', `127.0.0.1:${port}`,
      '--storage-filesystem-folder', join(dir, 'collections'),
      '--auth-type', 'htpasswd',
      '--auth-htpasswd-filename', join(dir, 'users'),
      '--auth-htpasswd-encryption', 'plain',
      '--logging-level', 'warning',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`radicale exited (${child.exitCode}): ${log}`);
      const up = await fetch(`${base}/`, { method: 'OPTIONS' }).then(() => true, () => false);
      if (up) return;
      if (Date.now() > deadline) throw new Error(`radicale did not listen on ${port}: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      c.once('exit', () => (clearTimeout(timer), resolve()));
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    url: base,
    username,
    password,
    async mkcalendar(path) {
      const res = await fetch(base + path, { method: 'MKCALENDAR', headers: { authorization: auth } });
      if (res.status !== 201) throw new Error(`MKCALENDAR ${path}: HTTP ${res.status} ${await res.text()}`);
    },
    async put(path, ics) {
      const res = await fetch(base + path, { method: 'PUT', headers: { authorization: auth, 'content-type': 'text/calendar; charset=utf-8' }, body: ics });
      await res.text();
      return res.status;
    },
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => log,
  };
}
