import { describe, expect, it } from 'vitest';
import { roomDiscovery, type DiscoveryOptions } from '../../src/api/mqtt/discovery.ts';
import { Topics } from '../../src/api/mqtt/topics.ts';

const topics = new Topics('roomd', 'st-pons');
const options: DiscoveryOptions = { prefix: 'homeassistant', topics, room: { id: 'st-pons', name: 'Salle' }, sessions: false };

describe('Home Assistant entities for bookings and the self-test', () => {
  it('announces the self-test sensor and button always, the next-booking sensor only with a calendar', () => {
    const without = roomDiscovery(options, []).map((m) => m.topic);
    expect(without).toContain('homeassistant/sensor/roomd_st-pons/selftest/config');
    expect(without).toContain('homeassistant/button/roomd_st-pons/selftest_run/config');
    expect(without.some((t) => t.includes('next_booking'))).toBe(false);
    const withCalendar = roomDiscovery({ ...options, calendar: true }, []);
    const next = withCalendar.find((m) => m.topic === 'homeassistant/sensor/roomd_st-pons/next_booking/config')!.config;
    expect(next).toMatchObject({ state_topic: 'roomd/st-pons/bookings/next', device_class: 'timestamp', unique_id: 'roomd_st-pons_next_booking' });
    const selftest = withCalendar.find((m) => m.topic.endsWith('/selftest/config'))!.config;
    expect(selftest).toMatchObject({ state_topic: 'roomd/st-pons/selftest', options: ['ready', 'problem'] });
    const button = withCalendar.find((m) => m.topic.endsWith('/selftest_run/config'))!.config;
    expect(button).toMatchObject({ command_topic: 'roomd/st-pons/selftest/set' });
  });

  it('offers no self-test button to a read-only bridge', () => {
    const ro = roomDiscovery({ ...options, can: () => false }, []).map((m) => m.topic);
    expect(ro.some((t) => t.includes('selftest_run'))).toBe(false);
  });
});
