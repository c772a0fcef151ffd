import { describe, it, expect, afterEach, vi } from 'vitest';
import { driver } from '../../drivers/visca/index.ts';
import { ViscaSerialSimulator, type ViscaSimOptions } from '../../drivers/visca/simulator.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';
import { makeCommand, validateCommand } from '../../src/core/command.ts';
import { requireTool } from '../helpers/tools.ts';

/**
 * `visca` driver ↔ its simulator over a real socat pty (and the same bytes over TCP), asserting
 * the bytes on the wire and the state the driver reports.
 */
const hasSocat = requireTool('socat', 'socat');

type Options = Record<string, unknown>;
let cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanups.reverse()) await c().catch(() => {});
  cleanups = [];
});

async function setup(sim: ViscaSimOptions = {}, options: Options = {}) {
  const simulator = await ViscaSerialSimulator.start({ link: 'pty', motionScale: 20, ...sim });
  cleanups.push(() => simulator.close());
  const h = createDriverHarness(driver, { presets: { '1': 'Salle entière', '2': 'Pupitre' }, ...options }, simulator.transport);
  cleanups.push(() => h.close());
  return { simulator, h };
}

/** Frames the camera received since `from`, without the driver's own inquiries (polls). */
function commandsSince(sim: ViscaSerialSimulator, from: number): string[] {
  return sim.log.received().slice(from).filter((f) => !/^8\d 09 /.test(f));
}

async function connected(sim: ViscaSimOptions = {}, options: Options = {}): Promise<{ simulator: ViscaSerialSimulator; h: DriverHarness<Options> }> {
  const s = await setup(sim, options);
  await s.h.connect();
  return s as never;
}

describe.skipIf(!hasSocat)('visca over a socat pty', () => {
  it('connects with Address Set then IF_Clear, then reads state; presets names land in state', async () => {
    const { simulator, h } = await connected({ power: 'off' });
    const rx = simulator.log.received();
    expect(rx.slice(0, 2)).toEqual(['88 30 01 FF', '88 01 00 01 FF']);
    expect(rx.slice(2)).toEqual(['81 09 04 00 FF', '81 09 04 47 FF', '81 09 06 12 FF']);
    expect(simulator.log.sent().slice(0, 2)).toEqual(['88 30 02 FF', '88 01 00 01 FF']);
    expect(h.state).toMatchObject({ power: 'off', pan: 0, tilt: 0, zoom: 0, presets: { '1': 'Salle entière', '2': 'Pupitre' } });
    expect(simulator.transport).toMatchObject({ type: 'serial', baudRate: 9600 });
  });

  it('powers on with 81 01 04 00 02 FF and reports power', async () => {
    const { simulator, h } = await connected({ power: 'off', powerDelayMs: 50 });
    const from = simulator.log.received().length;
    await h.exec('powerOn');
    expect(commandsSince(simulator, from)).toEqual(['81 01 04 00 02 FF']);
    expect(h.state.power).toBe('on');
    await h.exec('powerOff');
    await h.poll();
    expect(h.state.power).toBe('off');
  });

  it('recalls presets by number and by name, and stores them', async () => {
    const { simulator, h } = await connected();
    const from = simulator.log.received().length;
    await h.exec('recallPreset', { preset: 3 });
    await h.exec('recallPreset', { preset: 'pupitre' });
    await h.exec('storePreset', { preset: 5 });
    expect(commandsSince(simulator, from)).toEqual(['81 01 04 3F 02 03 FF', '81 01 04 3F 02 02 FF', '81 01 04 3F 01 05 FF']);
    expect(h.state.preset).toBe(5);
    await expect(h.exec('recallPreset', { preset: 'Tableau' })).rejects.toMatchObject({ code: 'BadArgs', message: expect.stringMatching(/no preset named 'Tableau' \(known: 1 "Salle entière", 2 "Pupitre"\)/) });
    await expect(h.exec('recallPreset', { preset: 200 })).rejects.toMatchObject({ code: 'BadArgs', message: expect.stringMatching(/200 is outside this camera's presets 0–127/) });
  });

  it('moves, stops, and reads the moved position back by poll', async () => {
    const { simulator, h } = await connected();
    const from = simulator.log.received().length;
    await h.exec('move', { pan: 1, tilt: -0.5 });
    await new Promise((r) => setTimeout(r, 60));
    await h.exec('stop');
    expect(commandsSince(simulator, from)).toEqual([
      '81 01 06 01 18 0C 02 02 FF',
      '81 01 04 07 00 FF', // first move: zoom state unknown, so it is stopped explicitly
      '81 01 06 01 08 08 03 03 FF',
      '81 01 04 07 00 FF',
    ]);
    const cam = simulator.camera.position();
    expect(cam.pan).toBeGreaterThan(0);
    expect(cam.tilt).toBeLessThan(0);
    await h.poll();
    expect(h.state.pan).toBeGreaterThan(0);
    expect(h.state.tilt).toBeLessThan(0);
    expect(h.state.pan).toBeCloseTo(cam.pan / 0x2200, 3);
    // A repeated joystick value sends only pan/tilt; zoom alone sends only zoom; all zero is Stop.
    const from2 = simulator.log.received().length;
    await h.exec('move', { zoom: 0.5 });
    await h.exec('move', { pan: 0, tilt: 0, zoom: 0 });
    expect(commandsSince(simulator, from2)).toEqual([
      '81 01 04 07 24 FF',
      '81 01 06 01 08 08 03 03 FF',
      '81 01 04 07 00 FF',
    ]);
  });

  it('sends goto as Pan-tilt Absolute plus Zoom Direct and reads the arrival back', async () => {
    const { simulator, h } = await connected();
    const from = simulator.log.received().length;
    await h.exec('goto', { pan: -1, tilt: 1, zoom: 1 });
    expect(commandsSince(simulator, from)).toEqual(['81 01 06 02 18 17 0D 0E 00 00 01 02 00 00 FF', '81 01 04 47 04 00 00 00 FF']);
    await h.waitForState((s) => s.pan === -1 && s.tilt === 1 && s.zoom === 1, 5000);
  });

  it('survives a Network Change mid-session by re-running Address Set', async () => {
    const { simulator, h } = await connected();
    const from = simulator.log.received().length;
    simulator.networkChange();
    await simulator.log.waitFor((e) => e.dir === 'in' && e.hex === '88 30 01 FF', 2000, simulator.log.entries.length - 1);
    await h.exec('home');
    expect(commandsSince(simulator, from)).toEqual(['88 30 01 FF', '81 01 06 04 FF']);
    expect(h.lost).toEqual([]);
  });

  it('tolerates a camera answering with header A0 instead of 90', async () => {
    const { simulator, h } = await connected({ replyHeader: 0xa0 });
    await h.exec('recallPreset', { preset: 1 });
    expect(simulator.log.sent()).toContain('A0 41 FF');
    await h.poll();
    expect(h.state.power).toBe('on');
    expect(h.lost).toEqual([]);
  });

  it('turns a syntax error into a DeviceError naming the reply bytes', async () => {
    const { h } = await connected();
    await expect(h.exec('send', { data: '81 01 7F 7F FF' })).rejects.toMatchObject({
      code: 'DeviceError',
      message: expect.stringContaining('camera replied syntax error (90 60 02 FF)'),
    });
    await h.exec('send', { data: '81 09 04 00 FF' });
    expect(h.state.rawReply).toBe('90 50 02 FF');
    await expect(h.exec('send', { data: '81 09 zz FF' })).rejects.toMatchObject({ code: 'BadArgs', message: expect.stringMatching(/'zz' is not a hex byte/) });
  });

  it('refuses motion in standby as not executable', async () => {
    const { h } = await connected({ power: 'off' });
    await expect(h.exec('home')).rejects.toMatchObject({ code: 'DeviceError', message: expect.stringContaining('command not executable (90 61 41 FF)') });
  });

  it('gets a Stop through when both sockets are busy (cancel, then retry)', async () => {
    const { simulator, h } = await connected({ motionScale: 0.05, strictSockets: true });
    await h.exec('send', { data: '81 01 04 47 04 00 00 00 FF' }); // zoom direct: holds socket 1
    await h.exec('send', { data: '81 01 06 02 01 01 00 01 00 00 00 00 00 00 FF' }); // slow absolute: socket 2
    await expect(h.exec('storePreset', { preset: 4 })).rejects.toThrow(/command buffer full \(90 60 03 FF\)/);
    expect(simulator.camera.busySockets()).toEqual([1, 2]);
    const from = simulator.log.received().length;
    await h.exec('stop');
    expect(simulator.log.received().slice(from)).toEqual([
      '81 01 06 01 08 08 03 03 FF', // refused: buffer full
      '81 21 FF',
      '81 22 FF',
      '81 01 06 01 08 08 03 03 FF',
      '81 01 04 07 00 FF',
    ]);
    expect(simulator.camera.counters.cancelled).toBe(2);
  });

  it('survives garbage before every reply', async () => {
    let seed = 7;
    vi.spyOn(Math, 'random').mockImplementation(() => ((seed = (seed * 16807) % 2147483647) / 2147483647));
    const { simulator, h } = await connected();
    simulator.faults.garbageRate = 1;
    for (let i = 0; i < 5; i++) await h.exec('recallPreset', { preset: i });
    await h.poll();
    expect(h.state.power).toBe('on');
    expect(simulator.log.entries.some((e) => e.note === 'garbage')).toBe(true);
  });

  it('calls lost within a couple of seconds when the pty disappears', async () => {
    const { simulator, h } = await connected();
    const t0 = Date.now();
    await simulator.disconnect();
    await h.waitForState(() => h.lost.length > 0, 2000);
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(h.exec('home')).rejects.toMatchObject({ code: 'DeviceOffline' });
  });

  it('calls lost after repeated timeouts from a stalled camera', async () => {
    const { simulator, h } = await connected({}, { replyTimeoutMs: 100, maxTimeouts: 3 });
    simulator.faults.stalled = true;
    for (let i = 0; i < 3; i++) await expect(h.exec('home')).rejects.toMatchObject({ code: 'DeviceTimeout' });
    expect(h.lost).toHaveLength(1);
    expect(h.lost[0]!.message).toMatch(/3 consecutive timeouts/);
  });

  it('sends a Stop before closing on disconnect', async () => {
    const { simulator, h } = await connected();
    await h.exec('move', { pan: -0.2 });
    const from = simulator.log.received().length;
    await h.close();
    expect(simulator.log.received().slice(from)).toEqual(['81 01 06 01 08 08 03 03 FF', '81 01 04 07 00 FF']);
  });
});

describe('visca over TCP (same bytes, no system packages)', () => {
  it('runs the same handshake and commands through startSimulator', async () => {
    const handle = await driver.startSimulator!({}, { address: 1 } as never);
    cleanups.push(() => handle.close());
    expect(handle.transport).toMatchObject({ type: 'tcp', host: '127.0.0.1' });
    const simulator = (handle as unknown as { simulator: ViscaSerialSimulator }).simulator;
    const h = createDriverHarness(driver, {}, handle.transport);
    cleanups.push(() => h.close());
    await h.connect();
    await h.exec('recallPreset', { preset: 2 });
    expect(simulator.log.received().filter((f) => !f.includes(' 09 '))).toEqual(['88 30 01 FF', '88 01 00 01 FF', '81 01 04 3F 02 02 FF']);
  });

  it('addresses camera 3 on a chain (83 …) and accepts its B0 replies', async () => {
    const handle = await driver.startSimulator!({ link: 'tcp' }, { address: 3 } as never);
    cleanups.push(() => handle.close());
    const simulator = (handle as unknown as { simulator: ViscaSerialSimulator }).simulator;
    const h = createDriverHarness(driver, { address: 3 }, handle.transport);
    cleanups.push(() => h.close());
    await h.connect();
    await h.exec('powerOn');
    expect(simulator.log.sent().slice(0, 1)).toEqual(['88 30 04 FF']); // three cameras on the chain
    expect(simulator.log.received()).toContain('83 01 04 00 02 FF');
    expect(simulator.log.sent()).toContain('B0 41 FF');
  });

  it('stores a preset where the camera stands and recalls it later', async () => {
    const simulator = await ViscaSerialSimulator.start({ link: 'tcp', motionScale: 20 });
    cleanups.push(() => simulator.close());
    const h = createDriverHarness(driver, {}, simulator.transport);
    cleanups.push(() => h.close());
    await h.connect();
    await h.exec('goto', { pan: 0.5, tilt: 0.5, zoom: 0.5 });
    await h.waitForState((s) => s.pan === 0.5 && s.tilt === 0.5 && s.zoom === 0.5);
    await h.exec('storePreset', { preset: 7 });
    await h.exec('home');
    await h.waitForState((s) => s.pan === 0 && s.tilt === 0);
    await h.exec('recallPreset', { preset: 7 });
    await h.waitForState((s) => s.pan === 0.5 && s.tilt === 0.5 && s.zoom === 0.5);
    expect(simulator.camera.presets.get(7)).toEqual({ pan: 0x1100, tilt: 0x0900, zoom: 0x2000 });
  });

  it('paces bytes at the configured baud rate', async () => {
    const simulator = await ViscaSerialSimulator.start({ link: 'tcp', baudRate: 9600, ackDelayMs: 0 });
    cleanups.push(() => simulator.close());
    const h = createDriverHarness(driver, {}, simulator.transport);
    cleanups.push(() => h.close());
    await h.connect();
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await h.exec('recallPreset', { preset: 1 });
    // 7 bytes out + 3 bytes ACK = 10 bytes ≈ 10.4 ms per command at 9600 baud.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(5 * 10);
  });

  it('coalesces move and stop under one key, stop first, with short timeouts for moves', () => {
    const h = createDriverHarness(driver, {}, { type: 'tcp', host: '127.0.0.1', port: 9 });
    const policy = (command: string, args: Record<string, unknown> = {}) =>
      h.driver.policy!(validateCommand(makeCommand('dev', command, args, { surface: 'test' })));
    const move = policy('move', { pan: 1 });
    const stop = policy('stop');
    expect(move.key).toBe('move');
    expect(stop.key).toBe('move');
    expect(stop.priority!).toBeGreaterThan(move.priority ?? 0);
    expect(move.timeoutMs!).toBeLessThan(policy('recallPreset', { preset: 1 }).timeoutMs!);
  });
});
