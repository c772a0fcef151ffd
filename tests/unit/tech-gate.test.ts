import { describe, expect, it } from 'vitest';
import { clientKey, TechGate } from '../../src/api/panel/tech-gate.ts';

describe('TechGate lockout', () => {
  it('locks a client after 5 wrong PINs, then doubles the wait at each further wrong PIN, up to the cap', () => {
    let now = 1_000_000;
    const gate = new TechGate({ pin: '482915', lockMs: 60_000, maxLockMs: 8 * 60_000, now: () => now });
    const wait = () => {
      try {
        gate.login('000000', '10.0.0.9');
      } catch (err) {
        const m = /try again in (\d+) s/.exec((err as Error).message);
        return m ? Number(m[1]) : 0;
      }
      throw new Error('accepted a wrong PIN');
    };
    for (let i = 0; i < 4; i++) expect(wait()).toBe(0); // 401s
    expect(wait()).toBe(0); // the 5th wrong PIN locks ...
    const waits: number[] = [];
    for (let round = 0; round < 6; round++) {
      const w = wait(); // ... and this attempt is refused unseen, saying how long
      waits.push(w);
      now += w * 1000;
      expect(wait()).toBe(0); // once the wait is over, one more guess: wrong again, locked longer
    }
    expect(waits).toEqual([60, 120, 240, 480, 480, 480]);
    // Another client is never affected, and the right PIN after the wait clears the record.
    expect(gate.login('482915', '10.0.0.10')).toMatch(/^[\w-]{43}$/);
    now += 480_000;
    expect(gate.login('482915', '10.0.0.9')).toMatch(/^[\w-]{43}$/);
    expect(wait()).toBe(0);
  });

  it('reads the PIN at each use: a new PIN ends the old sessions', () => {
    let pin: string | undefined = '482915';
    const gate = new TechGate({ pin: () => pin });
    const token = gate.login('482915', '10.0.0.1');
    const request = { headers: { cookie: `roomd_tech=${token}` }, socket: { remoteAddress: '10.0.0.1' } } as never;
    expect(gate.allows(request)).toBe(true);
    pin = '739164';
    expect(gate.allows(request)).toBe(false);
    expect(() => gate.login('482915', '10.0.0.1')).toThrow(/wrong PIN/);
    pin = undefined;
    expect(gate.pinRequired).toBe(false);
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });
});
