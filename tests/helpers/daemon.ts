import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/loader.ts';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/daemon.ts';

/** A daemon started in-process on an ephemeral port, from YAML text written to a temp file. */
export interface TestDaemon extends Daemon {
  dir: string;
  configFile: string;
  /** fetch against the daemon: JSON in, `{ status, body }` out. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any; headers: Headers }>;
  /** Rewrites the config file (for reload tests). */
  writeConfig(yaml: string): void;
  close(): Promise<void>;
}

/**
 * `$DIR` in the YAML is replaced by the daemon's temp directory; `files` are written there first
 * (token files, password files).
 */
export async function startTestDaemon(yamlText: string, options: DaemonOptions = {}, files: Record<string, string> = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-test-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const yaml = yamlText.replaceAll('$DIR', dir);
  const configFile = join(dir, 'room.yaml');
  const withDb = yaml.includes('sessions:') ? yaml : `${yaml}\nsessions:\n  database: ${join(dir, 'sessions.db')}\n`;
  writeFileSync(configFile, withDb);
  const loaded = await loadConfig(configFile);
  const daemon = await startDaemon(loaded, {
    port: 0,
    log: pino({ level: process.env.ROOMD_TEST_LOG ?? 'silent' }),
    backoff: { initialMs: 100, maxMs: 1000 },
    ...options,
  });
  return Object.assign(daemon, {
    dir,
    configFile,
    async api(method: string, path: string, body?: unknown, token?: string) {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(daemon.url + path, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    writeConfig(raw: string) {
      const text = raw.replaceAll('$DIR', dir);
      writeFileSync(configFile, text.includes('sessions:') ? text : `${text}\nsessions:\n  database: ${join(dir, 'sessions.db')}\n`);
    },
    async close() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Waits until `predicate` holds, polling every 20 ms. */
export async function eventually<T>(fn: () => T | Promise<T>, predicate: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (predicate(last)) return last;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A WebSocket client that records every message it receives. */
export async function openEvents(url: string, token?: string): Promise<{ ws: WebSocket; messages: any[]; next(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>; close(): void }> {
  const wsUrl = `${url.replace('http', 'ws')}/api/v1/events${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const ws = new WebSocket(wsUrl);
  const messages: any[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return {
    ws,
    messages,
    next(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < messages.length; seen++) {
            if (pred(messages[seen])) {
              waiters.splice(waiters.indexOf(check), 1);
              clearTimeout(timer);
              resolve(messages[seen]);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`no matching WebSocket message within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(-5))}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
    close: () => ws.close(),
  };
}
