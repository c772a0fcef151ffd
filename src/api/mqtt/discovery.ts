import { CallStatus, PowerState, type CapabilityName } from '../../core/capabilities.ts';
import type { DeviceRecord } from '../../core/state-store.ts';
import { bookingEntities } from './booking-discovery.ts';
import type { Topics } from './topics.ts';

/**
 * Home Assistant MQTT discovery, derived from the capability model: one function per capability
 * says which HA entities it yields, and every device gets the entities of the capabilities it has.
 * There is no table of devices. Pure: the bridge publishes what these functions return.
 *
 * Format: single-component discovery, `<prefix>/<component>/<node_id>/<object_id>/config`,
 * retained, full key names (no abbreviations), `availability` list + `availability_mode: all`.
 */

/** The HA components roomd uses. */
export type Component = 'switch' | 'number' | 'button' | 'sensor';

/** One retained discovery message. */
export interface DiscoveryMessage {
  topic: string;
  config: Record<string, unknown>;
}

export interface DiscoveryOptions {
  prefix: string;
  topics: Topics;
  room: { id: string; name: string };
  /** Whether the session figures (report sensors) exist: only with a session store. */
  sessions: boolean;
  /**
   * Whether the bridge's role may send a command (`meeting` for start/end). Entities whose commands
   * would only ever be refused are not offered: a read-only sensor stands in for a switch.
   */
  can?: (command: string) => boolean;
  /** Whether a calendar is configured (the next-booking sensor). */
  calendar?: boolean;
}

/** What discovery needs of a driver manifest. */
export interface ManifestInfo {
  title: string;
  manufacturer?: string;
  model?: string;
}

/** An entity before the parts every entity shares (ids, availability, device) are added. */
interface EntitySpec {
  component: Component;
  /** Unique within the device: `power`, `preset_2`. */
  key: string;
  name: string;
  fields: Record<string, unknown>;
}

type DeviceEntities = (record: DeviceRecord, topics: Topics, can: (command: string) => boolean) => EntitySpec[];

const ORIGIN = { name: 'roomd' };

/** `None` is how an MQTT entity is told its value is unknown (a null in our state). */
const orNone = (path: string) => `{{ 'None' if ${path} is none else ${path} }}`;
const boolSwitch = (path: string) => `{{ 'None' if ${path} is none else ('ON' if ${path} else 'OFF') }}`;

const when = (condition: boolean, spec: EntitySpec): EntitySpec[] => (condition ? [spec] : []);
const anything = () => true;

function stateOf(record: DeviceRecord, topics: Topics) {
  return { state_topic: topics.deviceState(record.id) };
}

/**
 * "Microphones muted": a switch (`ON` = muted) reading a boolean-or-null at `valuePath`, or a
 * read-only sensor when the role may not mute. One shape for a micMute device and for the room-wide
 * mute, whose REST permission (`panelCommand`) is that of `muteMicrophones`.
 */
function microphonesEntity(key: string, state: { state_topic: string }, valuePath: string, commandTopic: string, can: (command: string) => boolean): EntitySpec {
  const read = { ...state, value_template: boolSwitch(valuePath) };
  const icon = 'mdi:microphone-off';
  return can('muteMicrophones')
    ? { component: 'switch', key, name: 'Microphones muted', fields: { ...read, command_topic: commandTopic, payload_on: 'ON', payload_off: 'OFF', icon } }
    : { component: 'sensor', key, name: 'Microphones muted', fields: { ...read, icon } };
}

/**
 * Which HA entities each capability yields. Typed over every capability name, so a capability added
 * to the model without a decision here fails to compile.
 */
export const CAPABILITY_ENTITIES: Record<CapabilityName, DeviceEntities> = {
  power: (record, topics, can) => [
    can('powerOn')
      ? {
          component: 'switch',
          key: 'power',
          name: 'Power',
          fields: {
            ...stateOf(record, topics),
            // Warming counts as on and cooling as off: that is where the display is heading.
            value_template: "{{ {'on': 'ON', 'warming': 'ON', 'off': 'OFF', 'cooling': 'OFF'}.get(value_json.state.power, 'None') }}",
            command_topic: topics.capabilitySet(record.id, 'power'),
            payload_on: 'ON',
            payload_off: 'OFF',
            icon: 'mdi:power',
          },
        }
      : {
          component: 'sensor',
          key: 'power',
          name: 'Power',
          fields: { ...stateOf(record, topics), value_template: '{{ value_json.state.power }}', device_class: 'enum', options: PowerState.anyOf.map((l) => l.const), icon: 'mdi:power' },
        },
  ],
  volume: (record, topics, can) => [
    can('setVolume')
      ? {
          component: 'number',
          key: 'volume',
          name: 'Volume',
          fields: {
            ...stateOf(record, topics),
            value_template: orNone('value_json.state.volume'),
            command_topic: topics.capabilitySet(record.id, 'volume'),
            min: 0,
            max: 100,
            step: 1,
            mode: 'slider',
            unit_of_measurement: '%',
            icon: 'mdi:volume-high',
          },
        }
      : {
          component: 'sensor',
          key: 'volume',
          name: 'Volume',
          fields: { ...stateOf(record, topics), value_template: orNone('value_json.state.volume'), unit_of_measurement: '%', icon: 'mdi:volume-high' },
        },
    ...when(can('mute'), {
      component: 'switch',
      key: 'mute',
      name: 'Mute',
      fields: {
        ...stateOf(record, topics),
        value_template: boolSwitch('value_json.state.muted'),
        command_topic: topics.capabilitySet(record.id, 'volume'),
        payload_on: 'MUTE',
        payload_off: 'UNMUTE',
        state_on: 'ON',
        state_off: 'OFF',
        icon: 'mdi:volume-off',
      },
    }),
  ],
  micMute: (record, topics, can) => [
    microphonesEntity('mic_mute', { state_topic: topics.deviceState(record.id) }, 'value_json.state.micMuted', topics.capabilitySet(record.id, 'micMute'), can),
  ],
  // One button per named preset (state.presets), plus home. Presets change at run time (they come
  // from the driver), so the bridge re-derives discovery when they do.
  ptz: (record, topics, can) => [
    ...Object.entries(can('recallPreset') ? record.state.presets ?? {} : {})
      .filter(([number]) => /^\d+$/.test(number))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([number, label]): EntitySpec => ({
        component: 'button',
        key: `preset_${number}`,
        name: `Preset ${label || number}`,
        fields: { command_topic: topics.capabilitySet(record.id, 'ptz'), payload_press: number, icon: 'mdi:cctv' },
      })),
    ...when(can('home'), {
      component: 'button',
      key: 'home',
      name: 'Home position',
      fields: { command_topic: topics.capabilitySet(record.id, 'ptz'), payload_press: 'HOME', icon: 'mdi:home' },
    }),
  ],
  call: (record, topics, can) => [
    {
      component: 'sensor',
      key: 'call',
      name: 'Call',
      fields: {
        ...stateOf(record, topics),
        value_template: '{{ value_json.state.call.status }}',
        device_class: 'enum',
        // The options come from the capability model's own schema of call statuses.
        options: CallStatus.anyOf.map((literal) => literal.const),
        json_attributes_topic: topics.deviceState(record.id),
        json_attributes_template: '{{ value_json.state.call | tojson }}',
        icon: 'mdi:phone',
      },
    },
    ...when(can('hangup'), {
      component: 'button',
      key: 'hangup',
      name: 'Hang up',
      fields: { command_topic: topics.capabilitySet(record.id, 'call'), payload_press: 'HANGUP', icon: 'mdi:phone-hangup' },
    }),
  ],
  input: (record, topics) => [
    {
      component: 'sensor',
      key: 'input',
      name: 'Input',
      fields: { ...stateOf(record, topics), value_template: orNone('value_json.state.input'), icon: 'mdi:video-input-hdmi' },
    },
  ],
  raw: () => [], // technician-only: never offered to a home-automation UI
};

/** `roomd_st-pons`: the HA device of the room itself, and the discovery node id. */
export function roomIdentifier(roomId: string): string {
  return `roomd_${roomId}`;
}

/** `roomd_st-pons_display`: a roomd device's HA device identifier. */
export function deviceIdentifier(roomId: string, deviceId: string): string {
  return `roomd_${roomId}_${deviceId}`;
}

/** HA entity ids allow `[a-z0-9_]` with no leading, trailing or doubled underscore. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

function finish(options: DiscoveryOptions, spec: EntitySpec, objectId: string, uniqueId: string, device: Record<string, unknown>, availability: Array<{ topic: string }>): DiscoveryMessage {
  const entityId = slug(uniqueId);
  return {
    topic: `${options.prefix}/${spec.component}/${roomIdentifier(options.room.id)}/${objectId}/config`,
    config: {
      name: spec.name,
      unique_id: uniqueId,
      // object_id for HA before 2025.10; default_entity_id for later versions (object_id is deprecated there).
      object_id: entityId,
      default_entity_id: `${spec.component}.${entityId}`,
      ...spec.fields,
      availability: availability.map((a) => ({ ...a, payload_available: 'online', payload_not_available: 'offline' })),
      availability_mode: 'all',
      device,
      origin: ORIGIN,
    },
  };
}

/** The HA device block of a roomd device. */
export function deviceBlock(options: DiscoveryOptions, record: DeviceRecord, manifest: ManifestInfo | undefined): Record<string, unknown> {
  return {
    identifiers: [deviceIdentifier(options.room.id, record.id)],
    name: record.name ?? record.id,
    ...(manifest?.manufacturer ? { manufacturer: manifest.manufacturer } : {}),
    model: manifest?.model ?? manifest?.title ?? record.driver,
    via_device: roomIdentifier(options.room.id),
    suggested_area: options.room.name,
  };
}

/** Discovery messages for one device: the entities of each of its capabilities. */
export function deviceDiscovery(options: DiscoveryOptions, record: DeviceRecord, manifest: ManifestInfo | undefined): DiscoveryMessage[] {
  const { topics } = options;
  const device = deviceBlock(options, record, manifest);
  // The bridge being up AND the device being online: `availability_mode: all`.
  const availability = [{ topic: topics.status }, { topic: topics.deviceAvailability(record.id) }];
  return record.capabilities
    .flatMap((capability) => CAPABILITY_ENTITIES[capability]?.(record, topics, options.can ?? anything) ?? [])
    .map((spec) => finish(options, spec, `${record.id}_${spec.key}`, `${deviceIdentifier(options.room.id, record.id)}_${spec.key}`, device, availability));
}

/**
 * The room's own entities: the meeting; the room-wide microphone mute when any device has the
 * micMute capability (`devices`: the room's devices now; the bridge re-derives when they change);
 * and this month's session figures.
 */
export function roomDiscovery(options: DiscoveryOptions, devices: ReadonlyArray<Pick<DeviceRecord, 'capabilities'>>): DiscoveryMessage[] {
  const { topics } = options;
  const device = {
    identifiers: [roomIdentifier(options.room.id)],
    name: options.room.name,
    manufacturer: 'roomd',
    model: 'Videoconference room',
    suggested_area: options.room.name,
  };
  const meeting = { command_topic: topics.meetingSet };
  const can = options.can ?? anything;
  const specs: EntitySpec[] = [
    can('meeting')
      ? {
          component: 'switch',
          key: 'meeting',
          name: 'Meeting',
          fields: { state_topic: topics.meetingState, value_template: "{{ 'ON' if value_json.active else 'OFF' }}", ...meeting, payload_on: 'start', payload_off: 'end', icon: 'mdi:video' },
        }
      : {
          component: 'sensor',
          key: 'meeting',
          name: 'Meeting',
          fields: { state_topic: topics.meetingState, value_template: "{{ 'ON' if value_json.active else 'OFF' }}", icon: 'mdi:video' },
        },
    ...when(can('meeting'), { component: 'button', key: 'meeting_start', name: 'Start meeting', fields: { ...meeting, payload_press: 'start', icon: 'mdi:play' } }),
    ...when(can('meeting'), { component: 'button', key: 'meeting_end', name: 'End meeting', fields: { ...meeting, payload_press: 'end', icon: 'mdi:stop' } }),
    {
      component: 'sensor',
      key: 'meeting_phase',
      name: 'Meeting phase',
      fields: { state_topic: topics.meetingState, value_template: '{{ value_json.phase }}', device_class: 'enum', options: ['idle', 'starting', 'active', 'ending'] },
    },
    // `microphones.muted` is null while the devices disagree or none is known: HA shows unknown.
    ...when(
      devices.some((d) => d.capabilities.includes('micMute')),
      microphonesEntity('microphones', { state_topic: topics.meetingState }, 'value_json.microphones.muted', topics.microphonesSet, can),
    ),
  ];
  specs.push(...bookingEntities(topics.base, { calendar: options.calendar ?? false, canRunSelfTest: can('meeting') }));
  if (options.sessions) {
    // Monthly totals: state_class total with the month's start as last_reset.
    const report = (key: string, name: string, field: string, extra: Record<string, unknown>): EntitySpec => ({
      component: 'sensor',
      key,
      name,
      fields: { state_topic: topics.report, value_template: `{{ value_json.${field} }}`, state_class: 'total', last_reset_value_template: '{{ value_json.from }}', ...extra },
    });
    specs.push(
      report('km_month', 'Travel avoided this month', 'kmAvoided', { device_class: 'distance', unit_of_measurement: 'km', icon: 'mdi:car-off' }),
      report('co2_month', 'CO2 avoided this month', 'co2Kg', { device_class: 'weight', unit_of_measurement: 'kg', icon: 'mdi:molecule-co2' }),
      report('meetings_month', 'Meetings this month', 'sessions', { icon: 'mdi:calendar-check' }),
      report('minutes_month', 'Meeting time this month', 'minutes', { device_class: 'duration', unit_of_measurement: 'min' }),
    );
  }
  return specs.map((spec) => finish(options, spec, spec.key, `${roomIdentifier(options.room.id)}_${spec.key}`, device, [{ topic: topics.status }]));
}
