import { CAPABILITIES, CallStatus, PowerState, supportedCommands, type CapabilityName } from '../../core/capabilities.ts';
import type { DeviceRecord } from '../../core/state-store.ts';
import { ENTITY_NAMES, type EntityNames, type Locale } from './discovery-names.ts';
import type { Topics } from './topics.ts';

/**
 * Home Assistant MQTT discovery, derived from the capability model: one function per capability
 * says which HA entities it yields, from the commands the device's driver declares and the bridge's
 * role may send — so no entity is offered whose command roomd would refuse. There is no table of
 * devices. Pure: the bridge publishes what these functions return.
 *
 * Format: single-component discovery, `<prefix>/<component>/<node_id>/<object_id>/config`,
 * retained, full key names (no abbreviations), `availability` list + `availability_mode: all`.
 * Templates use only what Jinja (HA) and nunjucks (the tests) both understand.
 */

/** The HA components roomd uses. */
export type Component = 'switch' | 'number' | 'button' | 'sensor' | 'select';

/** One retained discovery message. */
export interface DiscoveryMessage {
  topic: string;
  config: Record<string, unknown>;
}

export interface DiscoveryOptions {
  prefix: string;
  topics: Topics;
  room: { id: string; name: string; locale?: Locale };
  /** Whether the session figures (report sensors) exist: only with a session store. */
  sessions: boolean;
  /** The room's call directory (`directory:` in the config): what the dial select offers. */
  directory?: ReadonlyArray<{ name: string; number: string }>;
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
  name?: string;
  title: string;
  manufacturer?: string;
  model?: string;
}

/** An entity before the parts every entity shares (ids, availability, device) are added. */
export interface EntitySpec {
  component: Component;
  /** Unique within the device: `power`, `preset_2`. */
  key: string;
  name: string;
  fields: Record<string, unknown>;
}

/** What a capability's entity function gets besides the record. */
export interface EntityContext {
  topics: Topics;
  names: EntityNames;
  /** The device accepts the command and the bridge's role may send it. */
  can: (command: string) => boolean;
  directory: ReadonlyArray<{ name: string; number: string }>;
}

type DeviceEntities = (record: DeviceRecord, ctx: EntityContext) => EntitySpec[];

const ORIGIN = { name: 'roomd' };

/** `None` is how an MQTT entity is told its value is unknown (a null in our state). */
export const orNone = (path: string) => `{{ 'None' if ${path} is none else ${path} }}`;
export const boolSwitch = (path: string) => `{{ 'None' if ${path} is none else ('ON' if ${path} else 'OFF') }}`;
/** A literal for a template: JSON strings, lists and objects are valid Jinja and nunjucks literals. */
const literal = (value: unknown) => JSON.stringify(value);

export const when = (condition: boolean, spec: EntitySpec): EntitySpec[] => (condition ? [spec] : []);
const anything = () => true;

function stateOf(record: DeviceRecord, topics: Topics) {
  return { state_topic: topics.deviceState(record.id) };
}

const button = (key: string, name: string, commandTopic: string, payload: string, icon: string): EntitySpec => ({
  component: 'button',
  key,
  name,
  fields: { command_topic: commandTopic, payload_press: payload, icon },
});

/** The volume range the core validates `setVolume` with: the number entity's min and max. */
const LEVEL = CAPABILITIES.volume.commands.setVolume.properties.level;
/** The highest preset number `recallPreset` accepts. */
const MAX_PRESET = CAPABILITIES.ptz.commands.recallPreset.properties.preset.anyOf[0].maximum ?? 255;

/**
 * "Microphones muted": a switch (`ON` = muted) reading a boolean-or-null at `valuePath`, or a
 * read-only sensor when the role may not mute. One shape for a micMute device and for the room-wide
 * mute, whose REST permission (`panelCommand`) is that of `muteMicrophones`.
 */
export function microphonesEntity(key: string, name: string, state: { state_topic: string }, valuePath: string, commandTopic: string, canMute: boolean): EntitySpec {
  const read = { ...state, value_template: boolSwitch(valuePath) };
  const icon = 'mdi:microphone-off';
  return canMute
    ? { component: 'switch', key, name, fields: { ...read, command_topic: commandTopic, payload_on: 'ON', payload_off: 'OFF', state_on: 'ON', state_off: 'OFF', icon } }
    : { component: 'sensor', key, name, fields: { ...read, icon } };
}

/**
 * Which HA entities each capability yields. Typed over every capability name, so a capability added
 * to the model without a decision here fails to compile.
 */
export const CAPABILITY_ENTITIES: Record<CapabilityName, DeviceEntities> = {
  power: (record, { topics, names, can }) => {
    // Warming counts as on and cooling as off: that is where the display is heading.
    const onOff = "{% set p = value_json.state.power %}{{ 'ON' if p in ['on', 'warming'] else ('OFF' if p in ['off', 'cooling'] else 'None') }}";
    return [
      can('powerOn') && can('powerOff')
        ? {
            component: 'switch',
            key: 'power',
            name: names.power,
            fields: {
              ...stateOf(record, topics),
              value_template: onOff,
              command_topic: topics.capabilitySet(record.id, 'power'),
              payload_on: 'ON',
              payload_off: 'OFF',
              state_on: 'ON',
              state_off: 'OFF',
              icon: 'mdi:power',
            },
          }
        : {
            component: 'sensor',
            key: 'power',
            name: names.power,
            fields: { ...stateOf(record, topics), value_template: '{{ value_json.state.power }}', device_class: 'enum', options: PowerState.anyOf.map((l) => l.const), icon: 'mdi:power' },
          },
    ];
  },
  // An absolute level is a slider; a device with only volume keys (HDMI-CEC) gets up/down buttons.
  volume: (record, { topics, names, can }) => {
    const set = topics.capabilitySet(record.id, 'volume');
    const level = orNone('value_json.state.volume');
    return [
      can('setVolume')
        ? {
            component: 'number',
            key: 'volume',
            name: names.volume,
            fields: {
              ...stateOf(record, topics),
              value_template: level,
              command_topic: set,
              min: LEVEL.minimum,
              max: LEVEL.maximum,
              step: 1,
              mode: 'slider',
              unit_of_measurement: '%',
              icon: 'mdi:volume-high',
            },
          }
        : {
            component: 'sensor',
            key: 'volume',
            name: names.volume,
            fields: { ...stateOf(record, topics), value_template: level, unit_of_measurement: '%', icon: 'mdi:volume-high' },
          },
      ...when(!can('setVolume') && can('volumeUp'), button('volume_up', names.volumeUp, set, 'UP', 'mdi:volume-plus')),
      ...when(!can('setVolume') && can('volumeDown'), button('volume_down', names.volumeDown, set, 'DOWN', 'mdi:volume-minus')),
      ...when(can('mute') && can('unmute'), {
        component: 'switch',
        key: 'mute',
        name: names.mute,
        fields: {
          ...stateOf(record, topics),
          value_template: boolSwitch('value_json.state.muted'),
          command_topic: set,
          payload_on: 'MUTE',
          payload_off: 'UNMUTE',
          state_on: 'ON',
          state_off: 'OFF',
          icon: 'mdi:volume-off',
        },
      }),
    ];
  },
  micMute: (record, { topics, names, can }) => [
    microphonesEntity('mic_mute', names.micMute, { state_topic: topics.deviceState(record.id) }, 'value_json.state.micMuted', topics.capabilitySet(record.id, 'micMute'), can('muteMicrophones') && can('unmuteMicrophones')),
  ],
  // One button per named preset (state.presets), plus home. Presets change at run time (they come
  // from the driver), so the bridge re-derives discovery when they do.
  ptz: (record, { topics, names, can }) => [
    ...Object.entries(can('recallPreset') ? record.state.presets ?? {} : {})
      .filter(([number]) => /^\d+$/.test(number) && Number(number) <= MAX_PRESET)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([number, label]) => button(`preset_${number}`, names.preset(label || number), topics.capabilitySet(record.id, 'ptz'), number, 'mdi:cctv')),
    ...when(can('home'), button('home', names.home, topics.capabilitySet(record.id, 'ptz'), 'HOME', 'mdi:home')),
  ],
  call: (record, { topics, names, can, directory }) => {
    const set = topics.capabilitySet(record.id, 'call');
    // The select shows the directory entry being called (if any); choosing one dials its number.
    const byNumber = Object.fromEntries(directory.map((e) => [e.number, e.name]));
    const byName = Object.fromEntries(directory.map((e) => [e.name, e.number]));
    return [
      {
        component: 'sensor',
        key: 'call',
        name: names.call,
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
      ...when(can('dial') && directory.length > 0, {
        component: 'select',
        key: 'dial',
        name: names.dial,
        fields: {
          ...stateOf(record, topics),
          value_template:
            `{% set names = ${literal(byNumber)} %}{% set call = value_json.state.call %}` +
            "{{ names[call.remote] if call.status in ['dialing', 'ringing', 'connected'] and call.remote in names else 'None' }}",
          command_topic: set,
          command_template: `{% set numbers = ${literal(byName)} %}{{ numbers[value] if value in numbers else '' }}`,
          options: directory.map((e) => e.name),
          icon: 'mdi:phone-outgoing',
        },
      }),
      ...when(can('answer'), button('answer', names.answer, set, 'ANSWER', 'mdi:phone-incoming')),
      ...when(can('reject'), button('reject', names.reject, set, 'REJECT', 'mdi:phone-cancel')),
      ...when(can('hangup'), button('hangup', names.hangup, set, 'HANGUP', 'mdi:phone-hangup')),
    ];
  },
  // A select over the configured inputs (state.inputs); a sensor when there are none or the role
  // may not switch. An input the device reports that is not configured shows as unknown.
  input: (record, { topics, names, can }) => {
    const inputs = record.state.inputs ?? [];
    const current = "{{ value_json.state.input if value_json.state.input in value_json.state.inputs else 'None' }}";
    return [
      can('selectInput') && inputs.length > 0
        ? {
            component: 'select',
            key: 'input',
            name: names.input,
            fields: { ...stateOf(record, topics), value_template: current, command_topic: topics.capabilitySet(record.id, 'input'), options: [...inputs], icon: 'mdi:video-input-hdmi' },
          }
        : {
            component: 'sensor',
            key: 'input',
            name: names.input,
            fields: { ...stateOf(record, topics), value_template: orNone('value_json.state.input'), icon: 'mdi:video-input-hdmi' },
          },
    ];
  },
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

/** The discovery topic filter that matches every config roomd may have published for this room. */
export function discoveryFilter(prefix: string, roomId: string): string {
  return `${prefix}/+/${roomIdentifier(roomId)}/+/config`;
}

/** Whether a topic is one of this room's discovery config topics (what `discoveryFilter` matches). */
export function isDiscoveryTopicOf(topic: string, prefix: string, roomId: string): boolean {
  if (!topic.startsWith(`${prefix}/`)) return false;
  const levels = topic.slice(prefix.length + 1).split('/');
  return levels.length === 4 && levels[0] !== '' && levels[1] === roomIdentifier(roomId) && levels[2] !== '' && levels[3] === 'config';
}

export function namesFor(options: DiscoveryOptions): EntityNames {
  return ENTITY_NAMES[options.room.locale ?? 'fr'];
}

export function finish(options: DiscoveryOptions, spec: EntitySpec, objectId: string, uniqueId: string, device: Record<string, unknown>, availability: Array<{ topic: string }>): DiscoveryMessage {
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

/** The HA device block of a roomd device: the maker is always named (the driver's, else the driver). */
export function deviceBlock(options: DiscoveryOptions, record: DeviceRecord, manifest: ManifestInfo | undefined): Record<string, unknown> {
  return {
    identifiers: [deviceIdentifier(options.room.id, record.id)],
    name: record.name ?? record.id,
    manufacturer: manifest?.manufacturer ?? `roomd driver ${manifest?.name ?? record.driver}`,
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
  const accepted = new Set(record.commands ?? supportedCommands(record.capabilities));
  const roleCan = options.can ?? anything;
  const ctx: EntityContext = { topics, names: namesFor(options), can: (command) => accepted.has(command) && roleCan(command), directory: options.directory ?? [] };
  return record.capabilities
    .flatMap((capability) => CAPABILITY_ENTITIES[capability]?.(record, ctx) ?? [])
    .map((spec) => finish(options, spec, `${record.id}_${spec.key}`, `${deviceIdentifier(options.room.id, record.id)}_${spec.key}`, device, availability));
}

export { roomDiscovery } from './discovery-room.ts';
