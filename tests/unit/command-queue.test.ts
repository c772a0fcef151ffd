import { describe, expect, it } from 'vitest';
import { CommandQueue } from '../../src/core/command-queue.ts';
import { RoomError } from '../../src/core/errors.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A task whose completion the test controls, recording when it started. */
function controllable(log: string[], label: string) {
  let finish!: (v: string) => void;
  const done = new Promise<string>((r) => (finish = r));
  return {
    finish: () => finish(label),
    task: { label, run: async () => { log.push(label); return done; } },
  };
}

describe('CommandQueue', () => {
  it('starts an idle task synchronously, inside push()', () => {
    const q = new CommandQueue();
    const started: string[] = [];
    void q.push({ label: 'a', run: async () => void started.push('a') });
    expect(started).toEqual(['a']);
  });

  it('runs one task at a time, in order', async () => {
    const q = new CommandQueue();
    const log: string[] = [];
    const a = controllable(log, 'a');
    const b = controllable(log, 'b');
    const pa = q.push(a.task);
    const pb = q.push(b.task);
    expect(log).toEqual(['a']);
    a.finish();
    await pa;
    await sleep(0);
    expect(log).toEqual(['a', 'b']);
    b.finish();
    await expect(pb).resolves.toBe('b');
  });

  it('latest wins: 50 moves while busy collapse into the last one, and every caller gets its result', async () => {
    const q = new CommandQueue();
    const log: string[] = [];
    const first = controllable(log, 'first');
    const pFirst = q.push(first.task);
    const ran: number[] = [];
    const pending = Array.from({ length: 50 }, (_, i) =>
      q.push({ key: 'move', label: `move${i}`, run: async () => { ran.push(i); return i; } }),
    );
    expect(q.depth).toBe(1);
    first.finish();
    await pFirst;
    const results = await Promise.all(pending);
    expect(ran).toEqual([49]);
    expect(new Set(results)).toEqual(new Set([49]));
  });

  it('a higher-priority task overtakes waiting ones', async () => {
    const q = new CommandQueue();
    const log: string[] = [];
    const busy = controllable(log, 'busy');
    const p0 = q.push(busy.task);
    const order: string[] = [];
    const p1 = q.push({ label: 'low', run: async () => void order.push('low') });
    const p2 = q.push({ label: 'high', priority: 10, run: async () => void order.push('high') });
    busy.finish();
    await Promise.all([p0, p1, p2]);
    expect(order).toEqual(['high', 'low']);
  });

  it('times out a task with DeviceTimeout and aborts its signal', async () => {
    const q = new CommandQueue();
    let aborted = false;
    const p = q.push({
      label: 'slow',
      timeoutMs: 30,
      run: (signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = true))),
    });
    await expect(p).rejects.toMatchObject({ code: 'DeviceTimeout' });
    expect(aborted).toBe(true);
  });

  it('retries after a timeout only as many times as allowed', async () => {
    const q = new CommandQueue();
    let attempts = 0;
    const p = q.push({ label: 'flaky', timeoutMs: 20, retries: 2, run: () => { attempts++; return attempts < 3 ? new Promise(() => {}) : Promise.resolve('ok'); } });
    await expect(p).resolves.toBe('ok');
    expect(attempts).toBe(3);
  });

  it('does not retry device errors', async () => {
    const q = new CommandQueue();
    let attempts = 0;
    const p = q.push({ label: 'bad', retries: 3, run: async () => { attempts++; throw new RoomError('DeviceError', 'syntax error'); } });
    await expect(p).rejects.toMatchObject({ code: 'DeviceError', message: 'syntax error' });
    expect(attempts).toBe(1);
  });

  it('paces task starts', async () => {
    const q = new CommandQueue({ pacingMs: 40 });
    const starts: number[] = [];
    await Promise.all([1, 2, 3].map((i) => q.push({ label: `t${i}`, run: async () => void starts.push(performance.now()) })));
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(38);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(38);
  });

  it('clear() fails waiting tasks with the given error', async () => {
    const q = new CommandQueue();
    const log: string[] = [];
    const busy = controllable(log, 'busy');
    void q.push(busy.task);
    const waiting = q.push({ label: 'w', run: async () => 'never' });
    q.clear(new RoomError('DeviceOffline', 'gone'));
    await expect(waiting).rejects.toMatchObject({ code: 'DeviceOffline' });
    busy.finish();
  });
});
