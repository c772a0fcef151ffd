import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatFields, readSystemdEnv, SdNotifier, type NotifySend } from '../../src/ops/sd-notify.ts';
import { statusLine } from '../../src/ops/service-notify.ts';
import type { DeviceRecord } from '../../src/core/state-store.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A sender that records what it was asked to send, optionally slowly. */
function recorder(delayMs = 0) {
  const sent: Array<{ socket: string; fields: string[] }> = [];
  const send: NotifySend = async (socket, fields) => {
    if (delayMs) await sleep(delayMs);
    sent.push({ socket, fields });
  };
  return { sent, send };
}

describe('readSystemdEnv', () => {
  it.each([
    ['path socket', { NOTIFY_SOCKET: '/run/systemd/notify' }, { socket: '/run/systemd/notify' }],
    ['abstract socket', { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify/123' }, { socket: '@/org/freedesktop/systemd1/notify/123' }],
    ['relative path is not a socket address', { NOTIFY_SOCKET: 'notify' }, {}],
    ['empty', { NOTIFY_SOCKET: '' }, {}],
    ['watchdog for us (no pid)', { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '20000000' }, { socket: '/n', watchdogMs: 20_000 }],
    ['watchdog for us (our pid)', { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '400000', WATCHDOG_PID: '42' }, { socket: '/n', watchdogMs: 400 }],
    ['watchdog for another process', { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '400000', WATCHDOG_PID: '43' }, { socket: '/n' }],
    ['watchdog of 0 is off', { WATCHDOG_USEC: '0' }, {}],
    ['garbage watchdog', { WATCHDOG_USEC: '20s' }, {}],
  ])('%s', (_name, env, expected) => {
    expect(readSystemdEnv(env, 42)).toEqual(expected);
  });
});

describe('formatFields', () => {
  it.each([
    [{ READY: 1 }, ['READY=1']],
    [{ READY: true, STATUS: '4/5 devices online, meeting active' }, ['READY=1', 'STATUS=4/5 devices online, meeting active']],
    [{ STOPPING: false, WATCHDOG: 1 }, ['WATCHDOG=1']],
    [{ STATUS: 'two\nlines\r\nthree' }, ['STATUS=two lines three']],
    [{ ERRNO: 2, EXTEND_TIMEOUT_USEC: 5_000_000 }, ['ERRNO=2', 'EXTEND_TIMEOUT_USEC=5000000']],
  ])('%j', (fields, expected) => {
    expect(formatFields(fields)).toEqual(expected);
  });

  it.each(['ready', 'STATUS=x', 'A B', ''])('rejects the field name %j', (key) => {
    expect(() => formatFields({ [key]: 1 })).toThrow(/field names/);
  });
});

describe('SdNotifier', () => {
  it('takes NOTIFY_SOCKET and WATCHDOG_* out of the environment so child processes do not inherit them', () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '1000000', WATCHDOG_PID: String(process.pid), PATH: '/bin' };
    const notifier = SdNotifier.fromEnv({ env, send: recorder().send });
    expect(env).toEqual({ PATH: '/bin' });
    expect(notifier.enabled).toBe(true);
    expect(notifier.watchdogIntervalMs).toBe(500);
  });

  it('is a silent no-op outside systemd', async () => {
    const { sent, send } = recorder();
    const notifier = SdNotifier.fromEnv({ env: {}, send });
    await notifier.notify({ READY: 1 });
    const watchdog = notifier.startWatchdog({ intervalMs: 5, isHealthy: () => true });
    await sleep(30);
    watchdog.stop();
    expect(notifier.enabled).toBe(false);
    expect(sent).toEqual([]);
  });

  it('sends one message at a time, in order, even when the sender is slow', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const sent: string[][] = [];
    const send: NotifySend = async (_socket, fields) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(fields[0] === 'STATUS=a' ? 30 : 1); // the first is the slowest
      sent.push(fields);
      inFlight--;
    };
    const notifier = new SdNotifier({ socket: '/n' }, undefined, send);
    await Promise.all([notifier.notify({ STATUS: 'a' }), notifier.notify({ STATUS: 'b' }), notifier.notify({ STOPPING: 1 })]);
    expect(sent).toEqual([['STATUS=a'], ['STATUS=b'], ['STOPPING=1']]);
    expect(maxInFlight).toBe(1);
  });

  it('never rejects, and stops trying when systemd-notify is missing', async () => {
    let calls = 0;
    const send: NotifySend = async () => {
      calls++;
      throw Object.assign(new Error('spawn systemd-notify ENOENT'), { code: 'ENOENT' });
    };
    const errors: string[] = [];
    const log = { error: (_o: unknown, m: string) => errors.push(m), warn() {}, debug() {} } as never;
    const notifier = new SdNotifier({ socket: '/n' }, log, send);
    await expect(notifier.notify({ READY: 1 })).resolves.toBeUndefined();
    await notifier.notify({ STATUS: 'x' });
    expect(calls).toBe(1);
    expect(notifier.enabled).toBe(false);
    expect(errors[0]).toMatch(/systemd-notify cannot be run/);
  });

  it('a failing send is logged once at warn level and later ones at debug', async () => {
    const levels: string[] = [];
    const log = { warn: () => levels.push('warn'), debug: () => levels.push('debug'), error: () => levels.push('error') } as never;
    const notifier = new SdNotifier({ socket: '/n' }, log, async () => {
      throw new Error('systemd-notify exited 1: Failed to notify init system');
    });
    await notifier.notify({ WATCHDOG: 1 });
    await notifier.notify({ WATCHDOG: 1 });
    expect(levels).toEqual(['warn', 'debug']);
  });
});

/**
 * The watchdog runs on fake timers: every tick and ping is counted exactly, and a busy machine
 * cannot make a tick late. `performance.now()` follows the fake `Date`, so a blocked event loop is
 * the clock jumping ahead while no timer runs (`blockEventLoop`).
 */
describe('watchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(performance, 'now').mockImplementation(() => Date.now());
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
  const blockEventLoop = (ms: number) => vi.setSystemTime(Date.now() + ms);

  it('pings at once and then every interval while healthy, and stops pinging while unhealthy', async () => {
    const { sent, send } = recorder();
    const notifier = new SdNotifier({ socket: '/n', watchdogMs: 40 }, undefined, send);
    expect(notifier.watchdogIntervalMs).toBe(20);
    let healthy = true;
    const watchdog = notifier.startWatchdog({ isHealthy: () => healthy, maxLagMs: 1000 });
    await advance(0);
    expect(sent).toHaveLength(1); // at once: systemd counts from the start
    await advance(100);
    expect(sent).toHaveLength(6); // ticks at 20, 40, 60, 80, 100
    expect(sent.every((m) => m.fields[0] === 'WATCHDOG=1')).toBe(true);
    healthy = false;
    await advance(100);
    expect(sent).toHaveLength(6);
    expect(watchdog.skipped).toBe(5);
    healthy = true;
    await advance(20);
    expect(sent).toHaveLength(7);
    watchdog.stop();
    await advance(100);
    expect(sent).toHaveLength(7);
    expect(watchdog.pings).toBe(7);
  });

  it('skips the ping of a tick that came too late because the event loop was blocked', async () => {
    const { sent, send } = recorder();
    const notifier = new SdNotifier({ socket: '/n' }, undefined, send);
    const watchdog = notifier.startWatchdog({ intervalMs: 20, maxLagMs: 100, isHealthy: () => true });
    await advance(50); // pings at 0, 20, 40; the next tick is due at 60
    expect(watchdog.pings).toBe(3);
    blockEventLoop(300);
    await advance(10); // the tick due at 60 runs 300 ms late
    expect(watchdog.lastLagMs).toBe(300);
    expect(watchdog.skipped).toBe(1);
    expect(watchdog.pings).toBe(3);
    await advance(20); // on time again: pings resume
    expect(watchdog.lastLagMs).toBe(0);
    expect(watchdog.pings).toBe(4);
    expect(sent).toHaveLength(4);
    watchdog.stop();
  });

  it('a tick late by no more than maxLagMs still pings', async () => {
    const { send } = recorder();
    const notifier = new SdNotifier({ socket: '/n' }, undefined, send);
    const watchdog = notifier.startWatchdog({ intervalMs: 20, maxLagMs: 100, isHealthy: () => true });
    await advance(10);
    blockEventLoop(100);
    await advance(10);
    expect(watchdog.lastLagMs).toBe(100);
    expect(watchdog.skipped).toBe(0);
    expect(watchdog.pings).toBe(2);
    watchdog.stop();
  });

  it('never queues a second ping behind one that is still being sent', async () => {
    const { sent, send } = recorder(80);
    const notifier = new SdNotifier({ socket: '/n' }, undefined, send);
    const watchdog = notifier.startWatchdog({ intervalMs: 5, maxLagMs: 1000, isHealthy: () => true });
    await advance(200); // 41 ticks; each ping takes 80 ms to hand over: pings start at 0, 80 and 160
    watchdog.stop();
    await advance(100);
    await notifier.flush();
    expect(sent).toHaveLength(3);
    expect(watchdog.pings).toBe(3);
  });

  it('sends extra fields with each ping', async () => {
    const { sent, send } = recorder();
    const notifier = new SdNotifier({ socket: '/n' }, undefined, send);
    const watchdog = notifier.startWatchdog({ intervalMs: 1000, isHealthy: () => true, extra: () => ({ STATUS: 'ok' }) });
    await advance(10);
    watchdog.stop();
    expect(sent[0]!.fields).toEqual(['WATCHDOG=1', 'STATUS=ok']);
  });
});

describe('statusLine', () => {
  const device = (id: string, online: boolean) => ({ id, online }) as DeviceRecord;
  it.each([
    [[device('camera', true), device('display', true)], { active: false, phase: 'idle' }, undefined, '2/2 devices online, no meeting'],
    [
      [device('camera', false), device('display', true), device('codec', true), device('mics', true), device('pc', true)],
      { active: true, phase: 'active' },
      undefined,
      '4/5 devices online (offline: camera), meeting active',
    ],
    [
      [device('a', false), device('b', false), device('c', false), device('d', false), device('e', true)],
      { active: false, phase: 'starting' },
      'http://127.0.0.1:8080',
      '1/5 devices online (offline: a, b, c, +1), meeting starting — http://127.0.0.1:8080',
    ],
    [[], { active: true, phase: 'ending' }, undefined, '0/0 devices online, meeting ending'],
  ] as const)('%#', (devices, meeting, url, expected) => {
    expect(statusLine([...devices], meeting, url)).toBe(expected);
  });
});
