import { describe, expect, it } from 'vitest';
import { httpStatusOf, RoomError, toRoomError } from '../../src/core/errors.ts';
import { backoffDelay } from '../../src/core/device-runtime.ts';

describe('error codes', () => {
  it.each([
    ['BadArgs', 400], ['BadRequest', 400], ['Unauthorized', 401], ['Forbidden', 403], ['UnknownDevice', 404],
    ['UnknownCommand', 404], ['Unsupported', 409], ['PayloadTooLarge', 413], ['RateLimited', 429],
    ['DeviceOffline', 503], ['DeviceTimeout', 504], ['DeviceError', 502],
  ] as const)('%s maps to HTTP %i', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });

  it('wraps foreign errors without losing the message', () => {
    const e = toRoomError(new Error('ECONNREFUSED'), 'DeviceOffline');
    expect(e).toBeInstanceOf(RoomError);
    expect(e.toJSON()).toEqual({ code: 'DeviceOffline', message: 'ECONNREFUSED' });
  });
});

describe('backoffDelay', () => {
  const opts = { initialMs: 500, maxMs: 30_000 };
  it('doubles from the initial delay and is capped', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, opts, mid))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(30, opts, mid)).toBe(30_000);
  });
  it('jitters within ±20 %', () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(400);
    expect(backoffDelay(0, opts, () => 0.999999)).toBe(600);
  });
});
