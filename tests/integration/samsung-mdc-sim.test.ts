import { afterEach, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/samsung-mdc/index.ts';
import { startMdcSimulator, type MdcSimOptions, type MdcSimulatorHandle } from '../../drivers/samsung-mdc/simulator.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';
import { createPtyPair, type PtyPair } from '../../src/sim/pty-pair.ts';
import { requireTool } from '../helpers/tools.ts';
import { RoomError } from '../../src/core/errors.ts';
import { Cmd, encodeAck } from '../../drivers/samsung-mdc/protocol.ts';
import type { MdcOptions } from '../../drivers/samsung-mdc/driver.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function setup(simOptions: MdcSimOptions = {}, options: Partial<MdcOptions> = {}) {
  const handle: MdcSimulatorHandle = await startMdcSimulator(simOptions, options);
  cleanups.push(() => handle.close());
  const h: DriverHarness<MdcOptions> = createDriverHarness(driver, { replyTimeoutMs: 500, ...options }, handle.transport);
  cleanups.push(() => h.close());
  return { sim: handle.sim, h };
}

/** Frames the simulator received after `from` (skipping the handshake). */
const rxSince = (sim: MdcSimulatorHandle['sim'], from: number) => sim.received.slice(from);

describe('samsung-mdc driver ↔ simulator over TCP', () => {
  it('connect reads status into state', async () => {
    const { sim, h } = await setup({ power: true, volume: 33, input: 0x23 });
    await h.connect();
    expect(sim.received).toEqual(['AA 00 00 00 00']);
    expect(h.state).toMatchObject({ power: 'on', volume: 33, muted: false, input: 'hdmi2' });
  });

  it('power on/off, input, volume and mute put the documented bytes on the wire', async () => {
    const { sim, h } = await setup({}, { inputs: { codec: 'hdmi1', pc: 0x25 } });
    await h.connect();
    const n = sim.received.length;
    await h.exec('powerOn');
    expect(h.state.power).toBe('on');
    await h.exec('selectInput', { input: 'codec' });
    expect(h.state.input).toBe('codec');
    await h.exec('setVolume', { level: 50 });
    expect(h.state.volume).toBe(50);
    await h.exec('mute');
    expect(h.state.muted).toBe(true);
    await h.exec('unmute');
    await h.exec('powerOff');
    expect(rxSince(sim, n)).toEqual([
      'AA 11 00 01 01 13',
      'AA 14 00 01 21 36',
      'AA 12 00 01 32 45',
      'AA 13 00 01 01 15',
      'AA 13 00 01 00 14',
      'AA 11 00 01 00 12',
    ]);
    expect(sim.state).toMatchObject({ power: false, volume: 50, muted: false, input: 0x21 });
    expect(h.state).toMatchObject({ power: 'off', muted: false });
  });

  it('volumeUp/volumeDown read, then set ±5 (clamped)', async () => {
    const { sim, h } = await setup({ volume: 98 });
    await h.connect();
    const n = sim.received.length;
    await h.exec('volumeUp');
    expect(h.state.volume).toBe(100);
    await h.exec('volumeDown');
    expect(h.state.volume).toBe(95);
    expect(rxSince(sim, n)).toEqual(['AA 12 00 00 12', 'AA 12 00 01 64 77', 'AA 12 00 00 12', 'AA 12 00 01 5F 72']);
  });

  it('sends display id 0 as FF when configured, and the display answers', async () => {
    const { sim, h } = await setup({ idZeroOnWire: 'FF' }, { idZeroOnWire: 'FF' });
    await h.connect();
    await h.exec('powerOn');
    expect(sim.received).toEqual(['AA 00 FF 00 FF', 'AA 11 FF 01 01 12']);
  });

  it('a display that ignores the id times out with a hint', async () => {
    const { h } = await setup({ idZeroOnWire: 'FF' }, { idZeroOnWire: '00' });
    await expect(h.connect()).rejects.toMatchObject({ code: 'DeviceTimeout', message: expect.stringMatching(/idZeroOnWire 'FF'/) });
  });

  it('a NAK becomes a DeviceError naming the command and the error code', async () => {
    const { h } = await setup({ inputs: [0x21] });
    await h.connect();
    const err = await h.exec('selectInput', { input: 'hdmi2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RoomError);
    expect(err).toMatchObject({ code: 'DeviceError', message: "display refused 'set input 35' (NAK, error code 0x01)" });
    // The link is still usable afterwards.
    await h.exec('selectInput', { input: 'hdmi1' });
    expect(h.state.input).toBe('hdmi1');
  });

  it('an unknown input name is BadArgs before anything is sent', async () => {
    const { sim, h } = await setup();
    await h.connect();
    const n = sim.received.length;
    await expect(h.exec('selectInput', { input: 'toaster' })).rejects.toMatchObject({ code: 'BadArgs' });
    expect(rxSince(sim, n)).toEqual([]);
  });

  it('survives garbage and a bad checksum', async () => {
    const { sim, h } = await setup({ volume: 10 });
    await h.connect();
    sim.inject(Buffer.from([0x00, 0xaa, 0x13, 0x37, 0xaa, 0xff]));
    sim.faults.garbageRate = 1; // random bytes before every reply
    for (let level = 21; level <= 40; level++) await h.exec('setVolume', { level });
    expect(h.state.volume).toBe(40);
    sim.faults.garbageRate = 0;
    // A reply with a wrong checksum is discarded: the command times out, and the next one works.
    sim.corruptNextChecksum = true;
    await expect(h.exec('setVolume', { level: 41 })).rejects.toMatchObject({ code: 'DeviceTimeout' });
    await h.exec('setVolume', { level: 42 });
    expect(h.state.volume).toBe(42);
    expect(h.lost).toEqual([]);
  });

  it('a late reply for another command is ignored, not taken as the answer', async () => {
    const { sim, h } = await setup({ volume: 10 });
    await h.connect();
    sim.faults.delayMs = 50;
    const setting = h.exec('setVolume', { level: 60 });
    sim.inject(encodeAck(0, Cmd.input, [0x21])); // an input ACK arrives while volume is awaited
    await setting;
    expect(h.state.volume).toBe(60);
  });

  it('poll updates state changed on the display itself', async () => {
    const { sim, h } = await setup();
    await h.connect();
    Object.assign(sim.state, { power: true, volume: 77, muted: true, input: 0x31 });
    await h.poll();
    expect(h.state).toMatchObject({ power: 'on', volume: 77, muted: true, input: 'hdmi3' });
  });

  it('a display that refuses the status command is read field by field', async () => {
    const { sim, h } = await setup({ noStatusCommand: true, power: true, volume: 44, muted: true, input: 0x25 });
    await h.connect();
    expect(sim.received).toEqual(['AA 00 00 00 00', 'AA 11 00 00 11', 'AA 12 00 00 12', 'AA 13 00 00 13', 'AA 14 00 00 14']);
    expect(h.state).toMatchObject({ power: 'on', volume: 44, muted: true, input: 'displayport1' });
    await h.poll(); // remembered: no second try of the status command
    expect(sim.received.filter((f) => f === 'AA 00 00 00 00')).toHaveLength(1);
  });

  it('reconnects after the display drops the connection', async () => {
    const { sim, h } = await setup();
    await h.connect();
    sim.dropConnections();
    await h.waitForState(() => h.lost.length === 1);
    await expect(h.exec('powerOn')).rejects.toMatchObject({ code: 'DeviceOffline' });
    await h.close();
    await h.connect();
    await h.exec('powerOn');
    expect(sim.state.power).toBe(true);
  });

  it('a stalled display times out the command; it recovers', async () => {
    const { sim, h } = await setup();
    await h.connect();
    sim.faults.stalled = true;
    await expect(h.exec('powerOn')).rejects.toMatchObject({ code: 'DeviceTimeout' });
    sim.faults.stalled = false;
    await h.exec('powerOn');
    expect(h.state.power).toBe('on');
  });

  it('a TLS-only display is a clear error, not a hang', async () => {
    // A driver that missed the greeting would wait for the handshake's reply until this timeout.
    const replyTimeoutMs = 5000;
    const { h } = await setup({ tlsRequired: true }, { replyTimeoutMs });
    const started = Date.now();
    await expect(h.connect()).rejects.toMatchObject({
      code: 'DeviceError',
      message: expect.stringMatching(/MDCSTART<<TLS>>.*Secured Protocol.*not support/),
    });
    expect(Date.now() - started).toBeLessThan(replyTimeoutMs);
  });

  it('warm-up: non-power commands are refused until the display is ready', async () => {
    const { h } = await setup({ warmUpMs: 300 });
    await h.connect();
    await h.exec('powerOn');
    await expect(h.exec('setVolume', { level: 5 })).rejects.toMatchObject({ code: 'DeviceError' });
    await new Promise((r) => setTimeout(r, 320));
    await h.exec('setVolume', { level: 5 });
  });

  it('startSimulator from the module gives a tcp transport on 127.0.0.1', async () => {
    const handle = await driver.startSimulator!({}, { displayId: 0, idZeroOnWire: '00', replyTimeoutMs: 500, volumeStep: 5 });
    cleanups.push(() => handle.close());
    expect(handle.transport).toMatchObject({ type: 'tcp', host: '127.0.0.1' });
    const h = createDriverHarness(driver, {}, handle.transport);
    cleanups.push(() => h.close());
    await h.connect();
    expect(h.state.power).toBe('off');
  });
});

const hasSocat = requireTool('socat', 'socat');
describe.skipIf(!hasSocat)('samsung-mdc over a socat pty (RS-232)', () => {
  it('powers on through the serial transport', async () => {
    const pty: PtyPair = await createPtyPair();
    cleanups.push(() => pty.close());
    const { MdcSimulator } = await import('../../drivers/samsung-mdc/simulator.ts');
    const sim = new MdcSimulator({ volume: 12 });
    await sim.attachSerial(pty.simPath);
    cleanups.push(() => sim.close());
    const h = createDriverHarness(driver, {}, { type: 'serial', path: pty.devicePath, baudRate: 9600 });
    cleanups.push(() => h.close());
    await h.connect();
    expect(h.state.volume).toBe(12);
    await h.exec('powerOn');
    expect(sim.received.at(-1)).toBe('AA 11 00 01 01 13');
    expect(h.state.power).toBe('on');
  });
});
