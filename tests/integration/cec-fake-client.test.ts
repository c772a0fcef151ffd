import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/cec/index.ts';
import type { CecDriver } from '../../drivers/cec/driver.ts';
import type { CecSimulatorHandle } from '../../drivers/cec/simulator.ts';
import { isRoomError } from '../../src/sdk/index.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';

/**
 * The `{ type: 'sim' }` path used by the demo: no system packages, a Node stand-in for cec-client
 * (drivers/cec/fake-cec-client.ts) on a loopback CEC bus with the same TV model. Same driver code.
 */
const OPTIONS = { inputs: { laptop: '1.0.0.0', codec: '2.0.0.0' }, answerTimeoutMs: 3000, replyTimeoutMs: 1000 };

async function start(options: Record<string, unknown> = OPTIONS) {
  const sim = (await driver.startSimulator!({ warmingMs: 200, coolingMs: 100 }, {} as never)) as CecSimulatorHandle;
  const h = createDriverHarness(driver, options, sim.transport);
  await h.connect();
  return { sim, h };
}

describe('cec driver over the fake cec-client', () => {
  let sim: CecSimulatorHandle;
  let h: DriverHarness<unknown>;
  beforeAll(async () => {
    ({ sim, h } = await start());
  });
  afterAll(async () => {
    await h?.close();
    await sim?.close();
  });

  it('runs the stand-in as a process transport with absolute paths', () => {
    expect(sim.mode).toBe('fake');
    expect(sim.transport).toMatchObject({ type: 'process', command: process.execPath });
    const args = (sim.transport as { args: string[] }).args;
    expect(args[1]).toMatch(/^file:\/\//);
    expect(args[2]).toMatch(/^\/.*fake-cec-client\.ts$/);
  });

  it('powers on and off, with the TV model following', async () => {
    await h.poll();
    expect(h.state.power).toBe('off');
    await h.exec('powerOn');
    await h.waitForState((s) => s.power === 'on');
    expect(sim.tv.power).toBe('on');
    await h.exec('powerOff');
    await h.waitForState((s) => s.power === 'off');
    expect(sim.tv.power).toBe('standby');
  });

  it('selects an input', async () => {
    await h.exec('selectInput', { input: 'laptop' });
    expect(h.state.input).toBe('laptop');
    expect(sim.tv.activeSource).toBe(0x1000);
  });

  it('follows the TV remote: power on, input, standby', async () => {
    sim.tv.powerOnFromRemote();
    await h.waitForState((s) => s.power === 'on');
    sim.tv.switchInputFromRemote(0x2000);
    await h.waitForState((s) => s.input === 'codec');
    sim.tv.switchInputFromRemote(0x3000);
    await h.waitForState((s) => s.input === '3.0.0.0'); // not configured: shown as the address
    sim.tv.standbyFromRemote();
    await h.waitForState((s) => s.power === 'off');
  });

  it('volume keys and mute', async () => {
    const v = sim.tv.volume;
    await h.exec('volumeDown');
    await h.waitForState((s) => s.volume === v - 1);
    await h.exec('mute');
    expect(sim.tv.muted).toBe(true);
    const err = await h.exec('setVolume', { level: 10 }).catch((e: unknown) => e);
    expect(isRoomError(err, 'Unsupported')).toBe(true);
  });

  it('logs and survives garbage lines from the client', async () => {
    sim.faults.garbageRate = 1;
    try {
      await h.poll();
      await h.exec('selectInput', { input: 'codec' });
    } finally {
      sim.faults.garbageRate = 0;
    }
    expect(h.state.input).toBe('codec');
    expect(h.lost).toEqual([]);
  });
});

describe('cec driver over the fake cec-client: faults', () => {
  let sim: CecSimulatorHandle | undefined;
  let h: DriverHarness<unknown> | undefined;
  afterEach(async () => {
    await h?.close();
    await sim?.close();
  });

  it('reports the link lost when the client process dies', async () => {
    ({ sim, h } = await start());
    process.kill((h.driver as CecDriver).pid!, 'SIGKILL');
    await h.waitForState(() => h!.lost.length === 1);
    // the runtime would now disconnect and connect again: the TV kept its state meanwhile
    sim.tv.powerOnFromRemote();
    await h.close();
    await h.connect();
    await h.poll();
    await h.waitForState((s) => s.power === 'on');
  });

  it('reports the link lost when the client hangs (bus stalled)', async () => {
    ({ sim, h } = await start({ ...OPTIONS, answerTimeoutMs: 400 }));
    sim.faults.stalled = true;
    // the fake echoes `<<` before the bus answers, then never prompts again: a hung cec-client
    const err = await h.poll().catch((e: unknown) => e);
    expect(isRoomError(err, 'DeviceTimeout')).toBe(true);
    expect(h.lost).toHaveLength(1);
  });

  it('fails to connect with DeviceOffline when the client cannot start', async () => {
    h = createDriverHarness(driver, OPTIONS, { type: 'process', command: '/nonexistent/cec-client', args: [] });
    const err = await h.connect().catch((e: unknown) => e);
    expect(isRoomError(err, 'DeviceOffline')).toBe(true);
  });
});
