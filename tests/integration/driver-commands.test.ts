import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCecSimulator, type CecSimulatorHandle } from '../../drivers/cec/simulator.ts';
import { Opcode } from '../../drivers/cec/protocol.ts';
import { supportedCommands } from '../../src/core/capabilities.ts';
import { manifestProblems } from '../../src/core/driver-registry.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/**
 * A driver declares which of its capabilities' commands it implements (manifest `commands`); the
 * core refuses the others with 409 before the driver — or the wire — sees them, and REST and
 * OpenAPI say the same as the declaration. The CEC display is the case that needs it: HDMI-CEC
 * has volume keys, no absolute volume.
 */
describe('per-driver command declarations', () => {
  let sim: CecSimulatorHandle;
  let daemon: TestDaemon;
  const keyPresses = () => sim.tv.received.filter((f) => f.opcode === Opcode.USER_CONTROL_PRESSED).length;

  beforeAll(async () => {
    sim = await startCecSimulator({});
    const t = sim.transport as { command: string; args: string[] };
    daemon = await startTestDaemon(`
room: { id: decl, name: Salle }
devices:
  tv:
    driver: cec
    transport: { type: process, command: ${JSON.stringify(t.command)}, args: ${JSON.stringify(t.args)} }
    options: { inputs: { codec: "1.0.0.0" } }
`);
    await eventually(() => daemon.api('GET', '/api/v1/devices/tv'), (r) => r.body.online === true, 15_000);
  }, 30_000);

  afterAll(async () => {
    await daemon?.close();
    await sim?.close();
  });

  it('lists the commands a device accepts, from its driver\'s declaration', async () => {
    const { body } = await daemon.api('GET', '/api/v1/devices/tv');
    expect(body.commands).toEqual(['powerOn', 'powerOff', 'selectInput', 'volumeUp', 'volumeDown', 'mute', 'unmute']);
    expect(body.state.inputs).toEqual(['codec']);
  });

  it('refuses an undeclared command with 409 Unsupported before any byte reaches the display', async () => {
    const pressesBefore = keyPresses();
    const res = await daemon.api('POST', '/api/v1/devices/tv/commands/setVolume', { level: 30 });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'Unsupported', message: expect.stringContaining('volumeUp, volumeDown, mute, unmute') });
    // Refused by the core, not by the driver: it never entered the device's queue, so the device has no error.
    expect((await daemon.api('GET', '/api/v1/devices/tv')).body.lastError).toBeUndefined();
    // The same path with a declared command does reach the TV: the check above can see a key press.
    expect((await daemon.api('POST', '/api/v1/devices/tv/commands/volumeUp')).status).toBe(200);
    await eventually(() => keyPresses(), (n) => n === pressesBefore + 1);
  });

  it('documents the declaration in OpenAPI: the device schema and each command route', async () => {
    const { body } = await daemon.api('GET', '/openapi.json');
    const setVolume = body.paths['/api/v1/devices/{id}/commands/setVolume'].post;
    expect(setVolume.description).toMatch(/409 Unsupported/);
    expect(setVolume.description).toMatch(/Here, at start-up: none\./);
    expect(body.paths['/api/v1/devices/{id}/commands/volumeUp'].post.description).toMatch(/Here, at start-up: tv\./);
    const device = body.paths['/api/v1/devices/{id}'].get.responses['200'].content['application/json'].schema;
    expect(device.properties.commands).toMatchObject({ type: 'array' });
  });

  it('checks a manifest\'s declaration when the driver loads', () => {
    const base = { name: 'x', title: 'X', capabilities: ['volume'], transports: ['tcp'], options: { type: 'object' } };
    const problems = (commands: unknown) => manifestProblems('x', { manifest: { ...base, commands }, create: () => ({}) });
    expect(problems({ volume: ['volumeUp'] })).toEqual([]);
    expect(problems({ volume: ['powerOn'] })).toEqual(["manifest.commands.volume: 'powerOn' is not a volume command (known: setVolume, volumeUp, volumeDown, mute, unmute)"]);
    expect(problems({ power: ['powerOn'] })).toEqual(["manifest.commands.power: not one of the manifest's capabilities (volume)"]);
    expect(problems({ volume: [] })).toEqual(['manifest.commands.volume: expected a non-empty list of setVolume, volumeUp, volumeDown, mute, unmute']);
    expect(supportedCommands(['volume', 'micMute'], { volume: ['mute', 'unmute'] })).toEqual(['mute', 'unmute', 'muteMicrophones', 'unmuteMicrophones']);
  });
});
