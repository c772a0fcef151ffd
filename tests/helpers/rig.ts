/**
 * The rig the benchmarks and the soak test share (clients, an in-process daemon, waits). It lives
 * with the test helpers so that bench/ imports tests/helpers and nothing under tests/ imports bench/.
 */
import http from 'node:http';
import { startTestDaemon, type TestDaemon } from './daemon.ts';

export { hasTool } from './tools.ts';

/** A keep-alive HTTP/1.1 client; `sentAt` is `performance.now()` taken right before the request is written. */
export interface BenchClient {
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; sentAt: number; doneAt: number }>;
  close(): void;
}

/** One keep-alive connection (by default) to `baseUrl`, as a panel or a home-automation poller holds. */
export function benchClient(baseUrl: string, maxSockets = 1): BenchClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const url = new URL(baseUrl);
  return {
    request(method, path, body) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const headers: Record<string, string | number> = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
        let sentAt = 0;
        const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const doneAt = performance.now();
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, sentAt, doneAt });
          });
        });
        req.on('error', reject);
        sentAt = performance.now();
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

/**
 * The daemon in this process (the simulators live here too, so one clock serves both ends), with
 * rate limiting lifted: the benchmarks send thousands of commands a minute on purpose.
 */
export async function startBenchDaemon(yaml: string): Promise<TestDaemon> {
  const withHttp = /^http:/m.test(yaml) ? yaml : `${yaml}\nhttp: { host: 127.0.0.1, port: 0, rateLimitPerMinute: 1000000 }\n`;
  return startTestDaemon(withHttp, { backoff: { initialMs: 100, maxMs: 1000 } });
}

/** Polls `fn` until it returns true; throws with `what` after `timeoutMs`. */
export async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await fn())) {
    if (performance.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Resolves once every listed device of an in-process daemon is online. */
export function allOnline(daemon: TestDaemon, ids = daemon.room.deviceIds(), timeoutMs = 15_000): Promise<void> {
  return until(`devices online (${ids.join(', ')})`, () => ids.every((id) => daemon.room.store.get(id)?.online === true), timeoutMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `at` (a `performance.now()` time), sleeping most of the way and spinning the last bit. */
export async function sleepUntil(at: number): Promise<void> {
  const ahead = at - performance.now();
  if (ahead > 2) await sleep(ahead - 1.5);
  while (performance.now() < at) await new Promise((r) => setImmediate(r));
}
