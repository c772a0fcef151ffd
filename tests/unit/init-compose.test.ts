import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/loader.ts';
import { assignIds, composeConfig, slugify, type ChosenDevice } from '../../src/init/compose.ts';
import type { Candidate } from '../../src/init/probes.ts';
import { parseCecAdapterList, parsePactlShortList } from '../../src/init/system-lists.ts';

const visca: Candidate = {
  role: 'camera', driver: 'visca', description: 'Sony model 0x0511, address 1 on /dev/ttyUSB0',
  device: { driver: 'visca', transport: { type: 'serial', path: '/dev/ttyUSB0', baudRate: 9600 }, options: { address: 1 } },
};
const cec: Candidate = {
  role: 'display', driver: 'cec', description: 'Pulse-Eight USB-CEC Adapter on /dev/ttyACM0',
  device: { driver: 'cec', transport: { type: 'process', command: 'cec-client', args: ['-d', '8', '-t', 'p', '-o', 'roomd', '/dev/ttyACM0'] }, options: { inputs: { codec: '1.0.0.0', pc: '2.0.0.0' } } },
};
const pulse: Candidate = { role: 'mics', driver: 'pulse', description: 'PulseAudio source mic', device: { driver: 'pulse', options: { source: 'alsa_input.usb-mic', sink: 'alsa_output.hdmi' } } };
const baresip: Candidate = { role: 'codec', driver: 'baresip', description: 'baresip ctrl_tcp on 127.0.0.1:4444', device: { driver: 'baresip' } };
const onvif: Candidate = {
  role: 'camera', driver: 'onvif', description: 'PTZ cam', needsCredentials: true,
  device: { driver: 'onvif', transport: { type: 'http', url: 'http://192.0.2.7/onvif/device_service', username: 'admin', passwordFile: '/etc/roomd/camera-2.password' } },
};

const tokens = { panel: '/etc/roomd/panel.token', technician: '/etc/roomd/tech.token' };

function choose(candidates: Candidate[], names: string[]): ChosenDevice[] {
  const ids = assignIds(candidates);
  return candidates.map((candidate, i) => ({ id: ids[i], name: names[i], candidate }));
}

describe('roomd init: the configuration it writes', () => {
  it('passes the same checks as roomd --check, with scenes every chosen driver supports', async () => {
    const devices = choose([visca, cec, pulse, baresip], ['Caméra', 'Écran', 'Micros', 'Visio']);
    const text = composeConfig({
      room: { id: 'salle-du-conseil', name: 'Salle du conseil', locale: 'fr', helpLine: '04 67 00 00 00' },
      http: { host: '127.0.0.1', port: 8080 }, tokenFiles: { panel: 'panel.token', technician: 'tech.token' },
      database: 'sessions.db', devices, pending: [], scenes: true,
    }, '/tmp/roomd.yaml');
    // Token files must exist for the loader; parseConfig with a base directory that has none would
    // complain, so the tokens are given inline for this check only.
    const inline = text.replace(/tokenFile: panel\.token/, `token: ${'p'.repeat(24)}`).replace(/tokenFile: tech\.token/, `token: ${'t'.repeat(24)}`);
    const loaded = await parseConfig(inline, 'roomd.yaml');
    expect(Object.keys(loaded.config.devices)).toEqual(['camera', 'display', 'mics', 'codec']);
    expect(loaded.config.devices.display.name).toBe('Écran');
    expect(loaded.config.scenes.meetingStart).toEqual([
      { device: 'camera', command: 'recallPreset', args: { preset: 1 } },
      { device: 'display', command: 'powerOn' },
      { device: 'display', command: 'selectInput', args: { input: 'codec' }, waitFor: { power: 'on' } },
      { device: 'mics', command: 'unmuteMicrophones' },
    ]);
    expect(loaded.config.scenes.meetingEnd).toEqual([
      { device: 'mics', command: 'muteMicrophones' },
      { device: 'camera', command: 'home' },
      { device: 'display', command: 'powerOff' },
    ]);
    expect(text.startsWith('# Configuration écrite par « roomd init »')).toBe(true);
  });

  it('writes a camera still missing its password as a comment, so the file stays valid', () => {
    const [camera, second] = choose([visca, onvif], ['Caméra', 'Caméra 2']);
    const text = composeConfig({
      room: { id: 'salle', name: 'Salle', locale: 'en' }, http: { host: '127.0.0.1', port: 8080 }, tokenFiles: tokens,
      database: '/var/lib/roomd/sessions.db', devices: [camera], pending: [second], scenes: false,
    }, '/etc/roomd/roomd.yaml');
    const data = parse(text);
    expect(Object.keys(data.devices)).toEqual(['camera']);
    expect(data.scenes).toBeUndefined();
    expect(text).toContain('# Cameras found without credentials');
    expect(text).toContain('#   camera-2:');
    expect(text).toContain('#       url: http://192.0.2.7/onvif/device_service');
  });

  it('numbers devices of the same role and makes MQTT-safe room ids from French names', () => {
    expect(assignIds([visca, cec, onvif, visca])).toEqual(['camera', 'display', 'camera-2', 'camera-3']);
    expect(slugify('Maison du Tourisme — salle de visioconférence')).toBe('maison-du-tourisme-salle-de');
    expect(slugify('Mairie de Saint-Étienne-d’Albagnan')).toBe('mairie-de-saint-etienne-d-albagnan');
    expect(slugify('—')).toBe('salle');
  });
});

describe('roomd init: what it reads from system tools', () => {
  it('reads the adapters from cec-client -l, and none from its NONE answer', () => {
    // libCEC 6's cec-client -l with a Pulse-Eight adapter plugged in, and on this CI machine without one.
    const one = [
      'libCEC version: 6.0.2, compiled on Linux ... , features: P8_USB, DRM, P8_detect, randr, Exynos, Linux, AOCEC',
      'Found devices: 1',
      '',
      'device:              1',
      'com port:            /dev/ttyACM0',
      'vendor id:           2548',
      'product id:          1002',
      'firmware version:    12',
      'firmware build date: Mon Jun 27 13:52:28 2022 +0000',
      'type:                Pulse-Eight USB-CEC Adapter',
      '',
    ].join('\n');
    expect(parseCecAdapterList(one)).toEqual([
      { comPort: '/dev/ttyACM0', vendorId: '2548', productId: '1002', firmware: '12', type: 'Pulse-Eight USB-CEC Adapter' },
    ]);
    expect(parseCecAdapterList('libCEC version: 6.0.2, compiled on Linux ... , features: P8_USB\nFound devices: NONE\n')).toEqual([]);
  });

  it('reads microphones from pactl list short sources, leaving out the monitors of sinks', () => {
    const sources = [
      '0\talsa_output.pci-0000_00_1f.3.analog-stereo.monitor\tmodule-alsa-card.c\ts16le 2ch 44100Hz\tSUSPENDED',
      '1\talsa_input.usb-Shure_MV5-00.analog-stereo\tmodule-alsa-card.c\ts24le 2ch 48000Hz\tRUNNING',
      '',
    ].join('\n');
    expect(parsePactlShortList(sources)).toEqual([{ name: 'alsa_input.usb-Shure_MV5-00.analog-stereo', driver: 'module-alsa-card.c', state: 'RUNNING' }]);
    expect(parsePactlShortList('Connection failure: Connection refused\n')).toEqual([]);
  });
});
