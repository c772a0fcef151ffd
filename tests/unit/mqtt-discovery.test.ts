import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, initialState, supportedCommands, type CapabilityName } from '../../src/core/capabilities.ts';
import type { DeviceRecord } from '../../src/core/state-store.ts';
import { allows, commandPermission } from '../../src/api/auth.ts';
import { deviceDiscovery, roomDiscovery, slug, type DiscoveryOptions } from '../../src/api/mqtt/discovery.ts';
import { microphonesWord } from '../../src/api/mqtt/payloads.ts';
import { Topics } from '../../src/api/mqtt/topics.ts';
import { COMMON_KEYS, DISCOVERY_TOPIC, HA_COMPONENTS, schemaProblems } from './mqtt-ha-schema.ts';

const topics = new Topics('roomd', 'st-pons');
const options: DiscoveryOptions = { prefix: 'homeassistant', topics, room: { id: 'st-pons', name: 'Salle St-Pons', locale: 'fr' }, sessions: true };

function record(id: string, capabilities: CapabilityName[], state: Record<string, unknown> = {}): DeviceRecord {
  return { id, driver: 'test', online: true, capabilities, feedback: {}, state: { ...initialState(capabilities), ...state } };
}

const camera = record('camera', ['power', 'ptz', 'raw'], { presets: { '1': 'Salle entière', '2': 'Pupitre' } });
const codec = record('codec', ['power', 'volume', 'call', 'micMute']);
const display = record('display', ['power', 'input', 'volume']);
const manifest = { title: 'Sony VISCA PTZ camera', manufacturer: 'Sony', model: 'SRG-300H' };

const devices = [camera, codec, display];
const all = [
  ...roomDiscovery(options, devices),
  ...deviceDiscovery(options, camera, manifest),
  ...deviceDiscovery(options, codec, undefined),
  ...deviceDiscovery(options, display, { title: 'Samsung display over MDC', manufacturer: 'Samsung' }),
];
const byTopic = (t: string) => all.find((m) => m.topic === t)!.config;

describe('MQTT discovery against Home Assistant\'s documented schema', () => {
  it.each(all.map((m) => [m.topic, m] as const))('%s is valid', (_topic, message) => {
    expect(schemaProblems(message.topic, message.config)).toEqual([]);
  });

  it('the schema check itself catches a missing command_topic, an unknown key and a bad availability item', () => {
    expect(schemaProblems('homeassistant/switch/n/o/config', { unique_id: 'x', stat_t: 'a', availability: [{ t: 'a' }] })).toEqual([
      'switch: missing required command_topic',
      'switch: unknown key stat_t',
      'availability item without topic',
      'availability item: unknown key t',
    ]);
    expect(schemaProblems('homeassistant/light/n/o/config', {})[0]).toMatch(/does not match/);
  });

  it('uses <prefix>/<component>/roomd_<room>/<object_id>/config, retained ids unique and stable', () => {
    for (const m of all) expect(m.topic).toMatch(DISCOVERY_TOPIC);
    expect(new Set(all.map((m) => m.topic)).size).toBe(all.length);
    const uniqueIds = all.map((m) => m.config.unique_id);
    expect(new Set(uniqueIds).size).toBe(all.length);
    expect(all.map((m) => m.topic)).toContain('homeassistant/switch/roomd_st-pons/camera_power/config');
  });

  it('maps power to a switch on B/DEVICE/power/set reading state.power', () => {
    const c = byTopic('homeassistant/switch/roomd_st-pons/display_power/config');
    expect(c).toMatchObject({
      name: 'Alimentation',
      unique_id: 'roomd_st-pons_display_power',
      object_id: 'roomd_st_pons_display_power',
      default_entity_id: 'switch.roomd_st_pons_display_power',
      state_topic: 'roomd/st-pons/display/state',
      command_topic: 'roomd/st-pons/display/power/set',
      payload_on: 'ON',
      payload_off: 'OFF',
      availability_mode: 'all',
      availability: [
        { topic: 'roomd/st-pons/status', payload_available: 'online', payload_not_available: 'offline' },
        { topic: 'roomd/st-pons/display/availability', payload_available: 'online', payload_not_available: 'offline' },
      ],
    });
    expect(c.value_template).toContain('value_json.state.power');
  });

  it('maps volume to a 0-100 number and a mute switch, micMute to a switch', () => {
    expect(byTopic('homeassistant/number/roomd_st-pons/codec_volume/config')).toMatchObject({
      command_topic: 'roomd/st-pons/codec/volume/set', min: 0, max: 100, step: 1, mode: 'slider', unit_of_measurement: '%',
    });
    expect(byTopic('homeassistant/switch/roomd_st-pons/codec_mute/config')).toMatchObject({ command_topic: 'roomd/st-pons/codec/volume/set', payload_on: 'MUTE', payload_off: 'UNMUTE' });
    expect(byTopic('homeassistant/switch/roomd_st-pons/codec_mic_mute/config')).toMatchObject({ command_topic: 'roomd/st-pons/codec/micMute/set', payload_on: 'ON', payload_off: 'OFF' });
  });

  it('gives one button per named PTZ preset (payload = its number) plus home; raw yields nothing', () => {
    const buttons = all.filter((m) => m.topic.includes('/button/roomd_st-pons/camera_'));
    expect(buttons.map((b) => [b.config.name, b.config.payload_press])).toEqual([
      ['Préréglage Salle entière', '1'],
      ['Préréglage Pupitre', '2'],
      ['Position de repos', 'HOME'],
    ]);
    expect(buttons[0]!.config.command_topic).toBe('roomd/st-pons/camera/ptz/set');
    expect(all.some((m) => m.topic.includes('raw'))).toBe(false);
  });

  it('maps call status to an enum sensor whose options are the capability model\'s statuses, plus hang up', () => {
    expect(byTopic('homeassistant/sensor/roomd_st-pons/codec_call/config')).toMatchObject({
      device_class: 'enum',
      options: ['idle', 'dialing', 'ringing', 'incoming', 'connected', 'disconnecting'],
      value_template: '{{ value_json.state.call.status }}',
    });
    expect(byTopic('homeassistant/button/roomd_st-pons/codec_hangup/config')).toMatchObject({ payload_press: 'HANGUP' });
  });

  it('puts each roomd device in its own HA device, via the room device, with the manifest\'s maker and model', () => {
    expect(byTopic('homeassistant/switch/roomd_st-pons/camera_power/config').device).toEqual({
      identifiers: ['roomd_st-pons_camera'],
      name: 'camera',
      manufacturer: 'Sony',
      model: 'SRG-300H',
      via_device: 'roomd_st-pons',
      suggested_area: 'Salle St-Pons',
    });
    expect(byTopic('homeassistant/number/roomd_st-pons/display_volume/config').device).toMatchObject({ manufacturer: 'Samsung', model: 'Samsung display over MDC' });
    // The room's HA device has a short name (HA prefixes every entity with it); the long name is the area.
    expect(byTopic('homeassistant/switch/roomd_st-pons/meeting/config').device).toMatchObject({ identifiers: ['roomd_st-pons'], name: 'Salle', suggested_area: 'Salle St-Pons' });
    // A driver without a manufacturer still gets one named.
    expect(byTopic('homeassistant/switch/roomd_st-pons/codec_power/config').device).toMatchObject({ manufacturer: 'roomd driver test' });
  });

  it('gives the room a meeting switch, start/end buttons and this month\'s session sensors', () => {
    expect(byTopic('homeassistant/switch/roomd_st-pons/meeting/config')).toMatchObject({
      state_topic: 'roomd/st-pons/meeting/state', command_topic: 'roomd/st-pons/meeting/set', payload_on: 'start', payload_off: 'end',
      availability: [{ topic: 'roomd/st-pons/status' }],
    });
    expect(byTopic('homeassistant/button/roomd_st-pons/meeting_start/config')).toMatchObject({ command_topic: 'roomd/st-pons/meeting/set', payload_press: 'start' });
    expect(byTopic('homeassistant/button/roomd_st-pons/meeting_end/config')).toMatchObject({ payload_press: 'end' });
    expect(byTopic('homeassistant/sensor/roomd_st-pons/km_month/config')).toMatchObject({ state_topic: 'roomd/st-pons/report/month', unit_of_measurement: 'km', device_class: 'distance', state_class: 'total' });
    expect(byTopic('homeassistant/sensor/roomd_st-pons/co2_month/config')).toMatchObject({ unit_of_measurement: 'kg', value_template: '{{ value_json.co2Kg }}' });
    expect(byTopic('homeassistant/sensor/roomd_st-pons/meetings_month/config')).toMatchObject({ value_template: '{{ value_json.sessions }}' });
    expect(roomDiscovery({ ...options, sessions: false }, devices).some((m) => m.topic.includes('_month'))).toBe(false);
  });

  it('offers no control the bridge\'s role would refuse: read-only sensors stand in', () => {
    const can = (role: 'panel' | 'readonly') => (command: string) => allows(role, command === 'meeting' ? 'meeting' : commandPermission(command));
    const panel = deviceDiscovery({ ...options, can: can('panel') }, codec, undefined).map((m) => m.topic);
    expect(panel).toContain('homeassistant/sensor/roomd_st-pons/codec_power/config'); // powerOn is technician-only
    expect(panel).toContain('homeassistant/number/roomd_st-pons/codec_volume/config');
    const readonly = [...deviceDiscovery({ ...options, can: can('readonly') }, codec, undefined), ...roomDiscovery({ ...options, can: can('readonly') }, devices)];
    expect(readonly.every((m) => m.config.command_topic === undefined)).toBe(true);
    for (const m of readonly) expect(schemaProblems(m.topic, m.config)).toEqual([]);
  });

  it('derives entities for every capability from one function each (no device table)', () => {
    const everything = record('x', CAPABILITY_NAMES.filter((c) => c !== 'raw'), { presets: { '3': 'Tableau' } });
    const keys = deviceDiscovery(options, everything, undefined).map((m) => m.topic.split('/')[3]);
    expect(keys).toEqual(['x_power', 'x_input', 'x_volume', 'x_mute', 'x_preset_3', 'x_home', 'x_call', 'x_answer', 'x_reject', 'x_hangup', 'x_mic_mute']);
  });

  it('slugs ids into valid entity ids', () => {
    expect(slug('roomd_st-pons_cam-')).toBe('roomd_st_pons_cam');
    expect(slug('A--b__c')).toBe('a_b_c');
  });
});

describe('MQTT discovery: the room-wide microphone mute', () => {
  const topic = 'homeassistant/switch/roomd_st-pons/microphones/config';
  const config = byTopic(topic);

  it('is a switch on the room device, field by field', () => {
    expect(config).toEqual({
      name: 'Tous les micros coupés',
      unique_id: 'roomd_st-pons_microphones',
      object_id: 'roomd_st_pons_microphones',
      default_entity_id: 'switch.roomd_st_pons_microphones',
      state_topic: 'roomd/st-pons/meeting/state',
      value_template: "{{ 'None' if value_json.microphones.muted is none else ('ON' if value_json.microphones.muted else 'OFF') }}",
      command_topic: 'roomd/st-pons/meeting/microphones/set',
      payload_on: 'ON',
      payload_off: 'OFF',
      state_on: 'ON',
      state_off: 'OFF',
      icon: 'mdi:microphone-off',
      availability: [{ topic: 'roomd/st-pons/status', payload_available: 'online', payload_not_available: 'offline' }],
      availability_mode: 'all',
      device: { identifiers: ['roomd_st-pons'], name: 'Salle', manufacturer: 'roomd', model: 'Salle de visioconférence', suggested_area: 'Salle St-Pons' },
      origin: { name: 'roomd' },
    });
  });

  it('matches HA\'s documented switch schema: every key documented, command_topic present', () => {
    expect(schemaProblems(topic, config)).toEqual([]);
    const documented = new Set<string>([...COMMON_KEYS, ...HA_COMPONENTS.switch.required, ...HA_COMPONENTS.switch.optional]);
    expect(Object.keys(config).filter((k) => !documented.has(k))).toEqual([]);
    // The template says ON/OFF (or 'None': unknown), and state_on/state_off say so explicitly.
    expect([config.state_on, config.state_off]).toEqual(['ON', 'OFF']);
    expect(config.value_template).toContain("'None' if value_json.microphones.muted is none");
  });

  it('sends payloads the command topic understands: payload_on mutes, payload_off unmutes', () => {
    expect(microphonesWord(config.payload_on as string)).toEqual({ muted: true });
    expect(microphonesWord(config.payload_off as string)).toEqual({ muted: false });
  });

  it('has the same shape as a micMute device\'s switch (one definition, different topics)', () => {
    const device = byTopic('homeassistant/switch/roomd_st-pons/codec_mic_mute/config');
    const shape = (c: Record<string, unknown>) => Object.keys(c).filter((k) => k !== 'availability' && k !== 'device');
    expect(shape(config)).toEqual(shape(device));
    expect({ payload_on: device.payload_on, payload_off: device.payload_off, icon: device.icon })
      .toEqual({ payload_on: config.payload_on, payload_off: config.payload_off, icon: config.icon });
    // One room, three microphone switches (array, codec, room-wide): not three of the same name.
    expect(device.name).toBe('Micro coupé');
    expect(config.name).not.toBe(device.name);
    expect(device.value_template).toBe((config.value_template as string).replaceAll('value_json.microphones.muted', 'value_json.state.micMuted'));
  });

  it('exists only while some device has the micMute capability', () => {
    expect(roomDiscovery(options, [camera, display]).map((m) => m.topic)).not.toContain(topic);
    expect(roomDiscovery(options, []).map((m) => m.topic)).not.toContain(topic);
    expect(roomDiscovery(options, [display, codec]).map((m) => m.topic)).toContain(topic);
  });

  it('is a read-only sensor for a role that may not mute (readonly), a switch for panel', () => {
    const can = (role: 'panel' | 'readonly') => (command: string) => allows(role, command === 'meeting' ? 'meeting' : commandPermission(command));
    const readonly = roomDiscovery({ ...options, can: can('readonly') }, devices).find((m) => m.topic.endsWith('/microphones/config'))!;
    expect(readonly.topic).toBe('homeassistant/sensor/roomd_st-pons/microphones/config');
    expect(readonly.config).toMatchObject({ state_topic: 'roomd/st-pons/meeting/state', value_template: config.value_template, default_entity_id: 'sensor.roomd_st_pons_microphones' });
    expect(readonly.config.command_topic).toBeUndefined();
    expect(schemaProblems(readonly.topic, readonly.config)).toEqual([]);
    const panel = roomDiscovery({ ...options, can: can('panel') }, devices).map((m) => m.topic);
    expect(panel).toContain(topic);
  });
});

describe('MQTT discovery from what each driver declares', () => {
  // The cec driver's declaration: volume keys and mute, no absolute level.
  const cecCommands = supportedCommands(['power', 'input', 'volume'], { volume: ['volumeUp', 'volumeDown', 'mute', 'unmute'] });
  const cec: DeviceRecord = { ...record('tv', ['power', 'input', 'volume'], { inputs: ['codec', 'pc'] }), commands: cecCommands };
  const messages = deviceDiscovery(options, cec, { title: 'HDMI-CEC display', manufacturer: 'HDMI-CEC display (any brand)' });
  const of = (key: string) => messages.find((m) => m.topic.split('/')[3] === `tv_${key}`);

  it('gives a CEC display volume up/down buttons and mute, and no absolute-volume slider', () => {
    expect(messages.map((m) => m.topic.split('/').slice(1, 2).concat(m.topic.split('/')[3]!).join(' '))).toEqual([
      'switch tv_power', 'select tv_input', 'sensor tv_volume', 'button tv_volume_up', 'button tv_volume_down', 'switch tv_mute',
    ]);
    expect(of('volume_up')!.config).toMatchObject({ name: 'Volume +', command_topic: 'roomd/st-pons/tv/volume/set', payload_press: 'UP' });
    expect(of('volume_down')!.config).toMatchObject({ name: 'Volume −', payload_press: 'DOWN' });
    expect(messages.some((m) => m.topic.includes('/number/'))).toBe(false);
  });

  it('makes input a select over the configured inputs', () => {
    expect(of('input')!.config).toMatchObject({ name: 'Entrée', command_topic: 'roomd/st-pons/tv/input/set', options: ['codec', 'pc'], state_topic: 'roomd/st-pons/tv/state' });
    // Nothing configured: nothing to choose from, a sensor shows what the display reports.
    expect(deviceDiscovery(options, { ...cec, state: { ...cec.state, inputs: [] } }, undefined).find((m) => m.topic.endsWith('/tv_input/config'))!.topic).toContain('/sensor/');
  });

  it('takes the number\'s range from the setVolume schema', () => {
    expect(byTopic('homeassistant/number/roomd_st-pons/display_volume/config')).toMatchObject({ min: 0, max: 100 });
  });

  it('offers dial as a select over the directory, with answer, reject and hang up buttons', () => {
    const directory = [{ name: 'PNR — siège', number: 'sip:siege@pnr.example' }, { name: 'Mairie', number: '0467000000' }];
    const dial = deviceDiscovery({ ...options, directory }, codec, undefined).find((m) => m.topic.endsWith('/codec_dial/config'))!;
    expect(dial.topic).toBe('homeassistant/select/roomd_st-pons/codec_dial/config');
    expect(dial.config).toMatchObject({ name: 'Appeler', command_topic: 'roomd/st-pons/codec/call/set', options: ['PNR — siège', 'Mairie'] });
    expect(schemaProblems(dial.topic, dial.config)).toEqual([]);
    expect(deviceDiscovery(options, codec, undefined).some((m) => m.topic.endsWith('/codec_dial/config'))).toBe(false); // empty directory
    expect(['answer', 'reject', 'hangup'].map((k) => byTopic(`homeassistant/button/roomd_st-pons/codec_${k}/config`).payload_press)).toEqual(['ANSWER', 'REJECT', 'HANGUP']);
  });

  it('names every entity in the room\'s locale, distinctly, never repeating the room\'s long name', () => {
    const directory = [{ name: 'Mairie', number: '1' }];
    const room = [...roomDiscovery({ ...options, directory }, devices), ...devices.flatMap((d) => deviceDiscovery({ ...options, directory }, d, undefined)), ...messages];
    const friendly = room.map((m) => `${(m.config.device as { name: string }).name} ${m.config.name as string}`);
    expect(new Set(friendly).size).toBe(friendly.length);
    for (const m of room) expect(m.config.name as string).not.toContain('Salle St-Pons');
    expect(room.map((m) => m.config.name)).toEqual(expect.arrayContaining(['Réunion', 'Raccrocher', 'Micro coupé', 'Tous les micros coupés', 'Entrée', 'Répondre']));
    for (const m of room) expect((m.config.device as { manufacturer?: string }).manufacturer).toBeTruthy();
    const english = roomDiscovery({ ...options, room: { ...options.room, locale: 'en' } }, devices).map((m) => m.config.name);
    expect(english).toContain('Meeting');
    expect(english).toContain('All microphones muted');
  });

  it('uses only sensor metadata HA documents as valid, and gives every figure a unit', () => {
    const sensors = all.filter((m) => m.topic.includes('/sensor/'));
    for (const m of sensors) expect(schemaProblems(m.topic, m.config)).toEqual([]);
    expect(byTopic('homeassistant/sensor/roomd_st-pons/meetings_month/config')).toMatchObject({ unit_of_measurement: 'réunions', state_class: 'total' });
    expect(byTopic('homeassistant/sensor/roomd_st-pons/co2_month/config').device_class).toBeUndefined();
    // What HA warned about: state class total with device class weight.
    expect(schemaProblems('homeassistant/sensor/n/o/config', { state_topic: 't', device_class: 'weight', state_class: 'total', unit_of_measurement: 'kg' })).toEqual([
      'sensor: state_class total is impossible with device_class weight',
    ]);
  });
});
