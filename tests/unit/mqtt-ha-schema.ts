/**
 * Home Assistant's documented MQTT discovery schema for the components roomd uses, encoded so tests
 * can check every discovery payload key by key. Sources: home-assistant.io/integrations/
 * {switch,number,button,sensor,select}.mqtt and /integrations/mqtt (discovery topic, device and origin
 * blocks, availability list). `object_id` is documented as deprecated from 2025.10 in favour of
 * `default_entity_id` (`<domain>.<object id>`); both are accepted (roomd sends both).
 */

/** Keys every MQTT entity accepts. */
export const COMMON_KEYS = [
  'availability', 'availability_mode', 'availability_template', 'availability_topic',
  'payload_available', 'payload_not_available',
  'default_entity_id', 'device', 'enabled_by_default', 'encoding', 'entity_category', 'entity_picture',
  'icon', 'json_attributes_template', 'json_attributes_topic', 'name', 'object_id', 'origin', 'platform',
  'qos', 'unique_id',
] as const;

export interface ComponentSchema {
  required: string[];
  optional: string[];
  /** Keys whose value must be one of these. */
  enums?: Record<string, readonly string[]>;
}

export const HA_COMPONENTS: Record<'switch' | 'number' | 'button' | 'sensor' | 'select', ComponentSchema> = {
  switch: {
    required: ['command_topic'],
    optional: ['command_template', 'device_class', 'optimistic', 'payload_off', 'payload_on', 'retain', 'state_off', 'state_on', 'state_topic', 'value_template'],
    enums: { device_class: ['outlet', 'switch'] },
  },
  number: {
    required: ['command_topic'],
    optional: ['command_template', 'device_class', 'max', 'min', 'mode', 'optimistic', 'payload_reset', 'retain', 'state_topic', 'step', 'unit_of_measurement', 'value_template'],
    enums: { mode: ['auto', 'box', 'slider'] },
  },
  button: {
    required: ['command_topic'],
    optional: ['command_template', 'device_class', 'payload_press', 'retain'],
    enums: { device_class: ['identify', 'restart', 'update'] },
  },
  select: {
    required: ['command_topic', 'options'],
    optional: ['command_template', 'optimistic', 'retain', 'state_topic', 'value_template'],
  },
  sensor: {
    required: ['state_topic'],
    optional: ['device_class', 'expire_after', 'force_update', 'last_reset_value_template', 'options', 'state_class', 'suggested_display_precision', 'unit_of_measurement', 'value_template'],
    enums: { state_class: ['measurement', 'measurement_angle', 'total', 'total_increasing'] },
  },
};

/**
 * Sensor device classes roomd may use, with the units and state classes Home Assistant accepts for
 * each (homeassistant/components/sensor/const.py: DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES).
 * Where versions differ, the intersection: `weight` accepts only `measurement` before 2025 (later
 * also `total`/`total_increasing`); that is the warning a CO₂ `total` with `weight` gave.
 * A sensor without a device class may have any unit and any state class.
 */
export const SENSOR_DEVICE_CLASSES: Record<string, { units: readonly string[]; stateClasses: readonly string[] }> = {
  enum: { units: [], stateClasses: [] },
  distance: { units: ['km', 'm', 'cm', 'mm', 'mi', 'nmi', 'yd', 'in', 'ft'], stateClasses: ['measurement', 'total', 'total_increasing'] },
  duration: { units: ['d', 'h', 'min', 's', 'ms'], stateClasses: ['measurement', 'total', 'total_increasing'] },
  weight: { units: ['kg', 'g', 'mg', 'µg', 'oz', 'lb', 'st'], stateClasses: ['measurement'] },
};

export const AVAILABILITY_ITEM_KEYS = ['topic', 'payload_available', 'payload_not_available', 'value_template'];
export const AVAILABILITY_MODES = ['all', 'any', 'latest'];
export const DEVICE_KEYS = [
  'configuration_url', 'connections', 'hw_version', 'identifiers', 'manufacturer', 'model', 'model_id', 'name',
  'serial_number', 'suggested_area', 'sw_version', 'via_device',
];
export const ORIGIN_KEYS = { required: ['name'], optional: ['sw_version', 'support_url'] };
export const ENTITY_CATEGORIES = ['config', 'diagnostic'];

/** `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`; ids are `[a-zA-Z0-9_-]+`. */
export const DISCOVERY_TOPIC = /^([^/]+)\/(switch|number|button|sensor|select)\/([a-zA-Z0-9_-]+)\/([a-zA-Z0-9_-]+)\/config$/;
/** An entity id: lower-case slug, no leading/trailing/doubled underscore. */
export const ENTITY_ID = /^(switch|number|button|sensor|select)\.(?!_)(?!.*__)[a-z0-9_]+(?<!_)$/;

/**
 * Every problem with one discovery message against the schema (empty when valid). Checks: required
 * keys present, no key outside the component's documented set (so no stray abbreviation either),
 * enum values, availability list items, availability mode, device and origin blocks.
 */
export function schemaProblems(topic: string, config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const m = DISCOVERY_TOPIC.exec(topic);
  if (!m) return [`topic ${topic} does not match <prefix>/<component>/<node_id>/<object_id>/config`];
  const component = m[2] as keyof typeof HA_COMPONENTS;
  const schema = HA_COMPONENTS[component];
  const allowed = new Set<string>([...COMMON_KEYS, ...schema.required, ...schema.optional]);
  for (const key of schema.required) if (config[key] === undefined) problems.push(`${component}: missing required ${key}`);
  for (const key of Object.keys(config)) if (!allowed.has(key)) problems.push(`${component}: unknown key ${key}`);
  for (const [key, values] of Object.entries(schema.enums ?? {})) {
    if (config[key] !== undefined && !values.includes(config[key] as string)) problems.push(`${component}: ${key}=${String(config[key])} not in ${values.join('|')}`);
  }
  if (config.availability !== undefined) {
    if (config.availability_topic !== undefined) problems.push('availability and availability_topic must not be used together');
    if (!Array.isArray(config.availability)) problems.push('availability must be a list');
    else {
      for (const item of config.availability as Array<Record<string, unknown>>) {
        if (typeof item.topic !== 'string') problems.push('availability item without topic');
        for (const k of Object.keys(item)) if (!AVAILABILITY_ITEM_KEYS.includes(k)) problems.push(`availability item: unknown key ${k}`);
      }
    }
  }
  if (config.availability_mode !== undefined && !AVAILABILITY_MODES.includes(config.availability_mode as string)) problems.push('bad availability_mode');
  if (config.entity_category !== undefined && !ENTITY_CATEGORIES.includes(config.entity_category as string)) problems.push('bad entity_category');
  if (config.device !== undefined) {
    const device = config.device as Record<string, unknown>;
    for (const k of Object.keys(device)) if (!DEVICE_KEYS.includes(k)) problems.push(`device: unknown key ${k}`);
    // The device registry needs identifiers or connections, and a unique_id on the entity.
    if (device.identifiers === undefined && device.connections === undefined) problems.push('device: needs identifiers or connections');
    if (config.unique_id === undefined) problems.push('device block without unique_id');
  }
  if (config.origin !== undefined) {
    const origin = config.origin as Record<string, unknown>;
    for (const k of ORIGIN_KEYS.required) if (origin[k] === undefined) problems.push(`origin: missing ${k}`);
    for (const k of Object.keys(origin)) if (![...ORIGIN_KEYS.required, ...ORIGIN_KEYS.optional].includes(k)) problems.push(`origin: unknown key ${k}`);
  }
  if (component === 'sensor' && config.device_class === 'enum') {
    if (!Array.isArray(config.options)) problems.push('enum sensor needs options');
    if (config.unit_of_measurement !== undefined || config.state_class !== undefined) problems.push('enum sensor must not have a unit or state_class');
  }
  if (component === 'sensor' && config.options !== undefined && config.device_class !== 'enum') problems.push('options only with device_class enum');
  if (component === 'sensor' && config.device_class !== undefined) {
    const rule = SENSOR_DEVICE_CLASSES[config.device_class as string];
    if (!rule) problems.push(`sensor: device_class ${String(config.device_class)} is not encoded in SENSOR_DEVICE_CLASSES`);
    else {
      const unit = config.unit_of_measurement as string | undefined;
      if (unit !== undefined && !rule.units.includes(unit)) problems.push(`sensor: unit ${unit} is not valid for device_class ${String(config.device_class)}`);
      if (unit === undefined && rule.units.length > 0) problems.push(`sensor: device_class ${String(config.device_class)} needs a unit`);
      const stateClass = config.state_class as string | undefined;
      if (stateClass !== undefined && !rule.stateClasses.includes(stateClass)) problems.push(`sensor: state_class ${stateClass} is impossible with device_class ${String(config.device_class)}`);
    }
  }
  if (component === 'sensor' && config.last_reset_value_template !== undefined && config.state_class !== 'total') problems.push('sensor: last_reset only with state_class total');
  if (component === 'sensor' && config.state_class !== undefined && config.unit_of_measurement === undefined) problems.push('sensor: a numeric sensor with a state class needs a unit (roomd\'s rule: HA would show a bare number)');
  if (component === 'select' && (!Array.isArray(config.options) || config.options.length === 0)) problems.push('select: options must be a non-empty list');
  if (config.default_entity_id !== undefined) {
    if (!ENTITY_ID.test(config.default_entity_id as string)) problems.push(`default_entity_id ${String(config.default_entity_id)} is not an entity id`);
    else if (!(config.default_entity_id as string).startsWith(`${component}.`)) problems.push('default_entity_id domain differs from the component');
  }
  return problems;
}
