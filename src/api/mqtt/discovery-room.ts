import type { DeviceRecord } from '../../core/state-store.ts';
import { bookingEntities } from './booking-discovery.ts';
import { finish, microphonesEntity, namesFor, roomIdentifier, when, type DiscoveryMessage, type DiscoveryOptions, type EntitySpec } from './discovery.ts';

/**
 * The room's own HA entities: the meeting (switch, start/end buttons, phase, organisation); the
 * room-wide microphone mute while any device has micMute; and with a session store, this month's
 * figures and the last meeting's. Sensor metadata uses only combinations HA documents as valid
 * (its `DEVICE_CLASS_STATE_CLASSES` and `DEVICE_CLASS_UNITS`, in every version since 2023):
 * distance and duration accept any state class; weight only `measurement` in older versions, so the
 * monthly CO₂ total carries its unit without a device class.
 */
export function roomDiscovery(options: DiscoveryOptions, devices: ReadonlyArray<Pick<DeviceRecord, 'capabilities'>>): DiscoveryMessage[] {
  const { topics } = options;
  const names = namesFor(options);
  const device = {
    identifiers: [roomIdentifier(options.room.id)],
    // Short: HA prefixes every entity with its device's name; the long room name is the area.
    name: names.roomDevice,
    manufacturer: 'roomd',
    model: names.roomModel,
    suggested_area: options.room.name,
  };
  const meeting = { command_topic: topics.meetingSet };
  const can = options.can ?? (() => true);
  const active = "{{ 'ON' if value_json.active else 'OFF' }}";
  const specs: EntitySpec[] = [
    can('meeting')
      ? {
          component: 'switch',
          key: 'meeting',
          name: names.meeting,
          // The template says ON/OFF; the command topic wants start/end: state_on/state_off bridge the two.
          fields: { state_topic: topics.meetingState, value_template: active, ...meeting, payload_on: 'start', payload_off: 'end', state_on: 'ON', state_off: 'OFF', icon: 'mdi:video' },
        }
      : {
          component: 'sensor',
          key: 'meeting',
          name: names.meeting,
          fields: { state_topic: topics.meetingState, value_template: active, icon: 'mdi:video' },
        },
    ...when(can('meeting'), { component: 'button', key: 'meeting_start', name: names.meetingStart, fields: { ...meeting, payload_press: 'start', icon: 'mdi:play' } }),
    ...when(can('meeting'), { component: 'button', key: 'meeting_end', name: names.meetingEnd, fields: { ...meeting, payload_press: 'end', icon: 'mdi:stop' } }),
    {
      component: 'sensor',
      key: 'meeting_phase',
      name: names.meetingPhase,
      fields: { state_topic: topics.meetingState, value_template: '{{ value_json.phase }}', device_class: 'enum', options: ['idle', 'starting', 'active', 'ending'] },
    },
    {
      component: 'sensor',
      key: 'meeting_organisation',
      name: names.organisation,
      fields: {
        state_topic: topics.meetingState,
        value_template: "{{ value_json.session.organisation if value_json.active and value_json.session is defined and value_json.session.organisation else 'None' }}",
        icon: 'mdi:domain',
      },
    },
    // `microphones.muted` is null while the devices disagree or none is known: HA shows unknown.
    ...when(
      devices.some((d) => d.capabilities.includes('micMute')),
      microphonesEntity('microphones', names.microphones, { state_topic: topics.meetingState }, 'value_json.microphones.muted', topics.microphonesSet, can('muteMicrophones')),
    ),
  ];
  specs.push(...bookingEntities(topics.base, names, { calendar: options.calendar ?? false, canRunSelfTest: can('meeting') }));
  if (options.sessions) {
    // Monthly totals: state_class total with the month's start as last_reset.
    const month = (key: string, name: string, field: string, extra: Record<string, unknown>): EntitySpec => ({
      component: 'sensor',
      key,
      name,
      fields: { state_topic: topics.report, value_template: `{{ value_json.${field} }}`, state_class: 'total', last_reset_value_template: '{{ value_json.from }}', ...extra },
    });
    // The last closed meeting's figures: a value per meeting, not a running total.
    const last = (key: string, name: string, field: string, extra: Record<string, unknown>): EntitySpec => ({
      component: 'sensor',
      key,
      name,
      fields: { state_topic: topics.reportLast, value_template: `{{ value_json.${field} if value_json.${field} is number else 'None' }}`, state_class: 'measurement', ...extra },
    });
    specs.push(
      month('km_month', names.kmMonth, 'kmAvoided', { device_class: 'distance', unit_of_measurement: 'km', icon: 'mdi:car-off' }),
      month('co2_month', names.co2Month, 'co2Kg', { unit_of_measurement: 'kg', icon: 'mdi:molecule-co2' }),
      month('meetings_month', names.meetingsMonth, 'sessions', { unit_of_measurement: names.meetingsUnit, icon: 'mdi:calendar-check' }),
      month('minutes_month', names.minutesMonth, 'minutes', { device_class: 'duration', unit_of_measurement: 'min' }),
      last('km_last', names.kmLast, 'kmAvoided', { device_class: 'distance', unit_of_measurement: 'km', icon: 'mdi:car-off' }),
      last('co2_last', names.co2Last, 'co2Kg', { device_class: 'weight', unit_of_measurement: 'kg', icon: 'mdi:molecule-co2' }),
    );
  }
  return specs.map((spec) => finish(options, spec, spec.key, `${roomIdentifier(options.room.id)}_${spec.key}`, device, [{ topic: topics.status }]));
}
