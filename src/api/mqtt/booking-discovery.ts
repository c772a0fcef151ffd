import type { EntityNames } from './discovery-names.ts';

/**
 * Home Assistant entities of the room's bookings and self-test, read from the retained
 * `B/bookings/next` and `B/selftest` (see booking-topics.ts). The room's discovery adds them.
 */
export interface BookingEntity {
  component: 'sensor' | 'button';
  key: string;
  name: string;
  fields: Record<string, unknown>;
}

/** `calendar`: whether bookings exist (no next-booking sensor without a calendar). */
export function bookingEntities(
  base: string,
  names: Pick<EntityNames, 'selftest' | 'selftestRun' | 'nextBooking'>,
  options: { calendar: boolean; canRunSelfTest: boolean },
): BookingEntity[] {
  const selftest = `${base}/selftest`;
  const out: BookingEntity[] = [
    {
      component: 'sensor',
      key: 'selftest',
      name: names.selftest,
      fields: {
        state_topic: selftest,
        value_template: "{{ 'ready' if value_json.ok else 'problem' }}",
        device_class: 'enum',
        options: ['ready', 'problem'],
        json_attributes_topic: selftest,
        json_attributes_template: '{{ {"at": value_json.at, "failed": value_json.checks | rejectattr("ok") | map(attribute="device") | list} | tojson }}',
      },
    },
  ];
  if (options.canRunSelfTest) {
    out.push({ component: 'button', key: 'selftest_run', name: names.selftestRun, fields: { command_topic: `${selftest}/set`, payload_press: 'run', icon: 'mdi:clipboard-check' } });
  }
  if (options.calendar) {
    const next = `${base}/bookings/next`;
    out.push({
      component: 'sensor',
      key: 'next_booking',
      name: names.nextBooking,
      fields: {
        state_topic: next,
        // A timestamp sensor: HA shows "in 2 hours"; none today reads as unknown.
        value_template: '{{ value_json.start if value_json else None }}',
        device_class: 'timestamp',
        json_attributes_topic: next,
        json_attributes_template: '{{ (value_json or {}) | tojson }}',
        icon: 'mdi:calendar-clock',
      },
    });
  }
  return out;
}
