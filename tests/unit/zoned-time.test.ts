import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isKnownTimeZone, systemTimeZone, wallClock, zonedInstant, zoneFromEnvironment } from '../../src/core/zoned-time.ts';
import { monthKey } from '../../src/sessions/time.ts';

describe('the system time zone, read where the C library and V8 read it', () => {
  let dir: string;
  let zoneinfo: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-zone-'));
    zoneinfo = join(dir, 'zoneinfo');
    for (const zone of ['Europe/Paris', 'America/New_York', 'Etc/UTC']) {
      mkdirSync(join(zoneinfo, zone, '..'), { recursive: true });
      writeFileSync(join(zoneinfo, zone), 'TZif');
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const link = (name: string, target: string) => {
    const path = join(dir, name);
    symlinkSync(target, path);
    return path;
  };

  it.each([
    ['Europe/Paris', 'Europe/Paris'],
    [':Europe/Paris', 'Europe/Paris'],
    ['', 'UTC'],
    ['Etc/UTC', 'UTC'],
    ['CET-1CEST,M3.5.0,M10.5.0/3', undefined],
    ['Mars/Olympus', undefined],
    ['../../etc/passwd', undefined],
  ])('TZ=%j gives %j', (tz, zone) => {
    expect(zoneFromEnvironment({ TZ: tz }, join(dir, 'none'), zoneinfo)).toBe(zone);
  });

  it('follows /etc/localtime into the zone database when TZ is unset, absolute or relative', () => {
    expect(zoneFromEnvironment({}, link('abs', join(zoneinfo, 'Europe/Paris')), zoneinfo)).toBe('Europe/Paris');
    expect(zoneFromEnvironment({}, link('rel', '../x/zoneinfo/America/New_York'), zoneinfo)).toBe('America/New_York');
    expect(zoneFromEnvironment({}, link('utc', join(zoneinfo, 'Etc/UTC')), zoneinfo)).toBe('UTC');
  });

  it('leaves a copied /etc/localtime, a missing one or a link outside the database to Intl', () => {
    const copy = join(dir, 'copy');
    writeFileSync(copy, 'TZif');
    expect(zoneFromEnvironment({}, copy, zoneinfo)).toBeUndefined();
    expect(zoneFromEnvironment({}, join(dir, 'missing'), zoneinfo)).toBeUndefined();
    expect(zoneFromEnvironment({}, link('elsewhere', '/tmp/Europe/Paris'), zoneinfo)).toBeUndefined();
  });
});

/**
 * The system's zone is read with Date's local getters, any other through Intl: both must give the
 * same wall clock. TZ is set for this file's process (Node tells V8); /usr/share/zoneinfo comes
 * with the Debian package tzdata.
 */
describe('wall-clock arithmetic in the system zone, without Intl', () => {
  const saved = process.env.TZ;
  beforeAll(() => {
    if (!existsSync('/usr/share/zoneinfo/Europe/Paris')) throw new Error('/usr/share/zoneinfo/Europe/Paris not found: install the Debian package tzdata');
    process.env.TZ = 'Europe/Paris';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  afterEach(() => vi.restoreAllMocks());

  const intlWallClock = (ms: number, timeZone: string) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms));
    const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    return { y: n('year'), m: n('month'), d: n('day'), h: n('hour'), min: n('minute'), s: n('second') };
  };

  it('is the zone TZ names, and builds no Intl formatter to read or check it', () => {
    const built = vi.spyOn(Intl, 'DateTimeFormat');
    expect(systemTimeZone()).toBe('Europe/Paris');
    expect(isKnownTimeZone('Europe/Paris')).toBe(true);
    expect(monthKey(Date.parse('2026-10-31T23:30:00Z'), 'Europe/Paris')).toBe('2026-11');
    expect(wallClock(Date.parse('2026-07-01T10:00:00Z'), 'Europe/Paris')).toEqual({ y: 2026, m: 7, d: 1, h: 12, min: 0, s: 0 });
    expect(built).not.toHaveBeenCalled();
  });

  it('gives what Intl gives, every 37 minutes through 2026 and around both of its DST changes', () => {
    const instants: number[] = [];
    for (let ms = Date.parse('2026-01-01T00:00:00Z'); ms < Date.parse('2027-01-01T00:00:00Z'); ms += 37 * 60_000 + 13_000) instants.push(ms);
    for (const change of ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z']) {
      for (let s = -3600; s <= 3600; s += 450) instants.push(Date.parse(change) + s * 1000);
    }
    for (const ms of instants) expect(wallClock(ms, 'Europe/Paris'), new Date(ms).toISOString()).toEqual(intlWallClock(ms, 'Europe/Paris'));
    // Other zones still go through Intl, and both directions agree.
    const ms = Date.parse('2026-11-03T14:00:00Z');
    expect(wallClock(ms, 'America/New_York')).toEqual(intlWallClock(ms, 'America/New_York'));
    expect(zonedInstant(2026, 3, 29, 3, 30, 'Europe/Paris')).toBe(Date.parse('2026-03-29T01:30:00Z'));
    expect(zonedInstant(2026, 11, 3, 9, 0, 'America/New_York')).toBe(Date.parse('2026-11-03T14:00:00Z'));
  });

  it('follows TZ when it changes at run time', () => {
    process.env.TZ = 'America/New_York';
    try {
      expect(systemTimeZone()).toBe('America/New_York');
      expect(wallClock(Date.parse('2026-11-03T14:00:00Z'), 'America/New_York').h).toBe(9);
    } finally {
      process.env.TZ = 'Europe/Paris';
    }
    expect(systemTimeZone()).toBe('Europe/Paris');
  });
});
