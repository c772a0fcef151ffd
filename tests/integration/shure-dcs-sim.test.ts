import { afterEach, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/shure-dcs/index.ts';
import { startShureSimulator, type ShureSimOptions, type ShureSimulatorHandle } from '../../drivers/shure-dcs/simulator.ts';
import type { ShureOptions } from '../../drivers/shure-dcs/driver.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function setup(simOptions: ShureSimOptions = {}, options: Partial<ShureOptions> = {}) {
  const handle: ShureSimulatorHandle = await startShureSimulator(simOptions, options);
  cleanups.push(() => handle.close());
  const h: DriverHarness<ShureOptions> = createDriverHarness(driver, { replyTimeoutMs: 500, ...options }, handle.transport);
  cleanups.push(() => h.close());
  return { sim: handle.sim, h };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('shure-dcs driver ↔ simulator over TCP', () => {
  it('connect asks for everything in the model form and fills state', async () => {
    const { sim, h } = await setup({ muted: true }, { model: 'MXA910' });
    sim.state.channels[2]!.name = 'Table';
    await h.connect();
    expect(sim.commands.slice(0, 3)).toEqual(['GET 0 ALL', 'GET DEVICE_AUDIO_MUTE', 'SET METER_RATE 0']);
    expect(h.state).toMatchObject({ micMuted: true, muteLed: true, model: 'MXA910', firmware: '4.7.13' });
    const channels = h.state.channels as Array<{ index: number; name: string; muted: boolean; gain: number }>;
    expect(channels).toHaveLength(8);
    expect(channels[2]).toEqual({ index: 3, name: 'Table', muted: false, gain: 1100 });
  });

  it.each([
    ['MXA310', 'GET 0 ALL', 4],
    ['MXA920', 'GET ALL', 8],
    ['ANIUSB', 'GET 00 ALL', 10],
  ] as const)('%s: %s, %i channels', async (model, getAll, count) => {
    const { sim, h } = await setup({}, { model });
    await h.connect();
    expect(sim.commands[0]).toBe(getAll);
    await h.waitForState((s) => (s.channels as Array<{ name: string | null }>).every((c) => c.name !== null));
    expect(h.state.channels).toHaveLength(count);
  });

  it('falls back to the other GET ALL form when the firmware refuses the first', async () => {
    const { sim, h } = await setup({ model: 'MXA910', getAllForms: ['GET ALL'] }, { model: 'MXA910' });
    await h.connect();
    expect(sim.commands).toContain('GET ALL');
    await h.waitForState((s) => s.model === 'MXA910');
  });

  it('mutes and unmutes: bytes on the wire, state from the REP', async () => {
    const { sim, h } = await setup();
    await h.connect();
    await h.exec('muteMicrophones');
    expect(h.state.micMuted).toBe(true);
    expect(sim.state.muted).toBe(true);
    await h.exec('unmuteMicrophones');
    expect(h.state.micMuted).toBe(false);
    expect(sim.commands.slice(-2)).toEqual(['SET DEVICE_AUDIO_MUTE ON', 'SET DEVICE_AUDIO_MUTE OFF']);
  });

  it("notices the array's own mute button (no command sent)", async () => {
    const { sim, h } = await setup();
    await h.connect();
    const sent = sim.commands.length;
    sim.pressMuteButton();
    await h.waitForState((s) => s.micMuted === true);
    sim.pressMuteButton();
    await h.waitForState((s) => s.micMuted === false && s.muteLed === false);
    expect(sim.commands.length).toBe(sent);
  });

  it('a button press while our SET is in flight does not settle it with the wrong value', async () => {
    const { sim, h } = await setup({}, { replyTimeoutMs: 10_000 });
    await h.connect();
    // Our SET's REP ON comes late... (long enough that no busy machine lets it overtake the press)
    sim.faults.delayMs = 2000;
    let settled = false;
    const muting = h.exec('muteMicrophones').then(() => (settled = true));
    await sleep(30);
    sim.pressMuteButton(); // ...after the button's REP OFF, which must not count as the answer
    await h.waitForState((s) => s.micMuted === false && s.muteLed === false);
    await sleep(20);
    expect(settled).toBe(false);
    await muting;
    expect(h.state.micMuted).toBe(true);
  });

  it('REP ERR becomes a DeviceError naming the command in flight', async () => {
    const { h } = await setup();
    await h.connect();
    const err = await h.exec('send', { data: '< SET 42 AUDIO_MUTE ON >' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DeviceError', message: expect.stringMatching(/'< SET 42 AUDIO_MUTE ON >' with < REP ERR >/) });
    await h.exec('muteMicrophones'); // the link still works
    expect(h.state.micMuted).toBe(true);
  });

  it('a stray REP ERR does not fail a command whose REP arrives', async () => {
    const { sim, h } = await setup();
    await h.connect();
    sim.faults.delayMs = 30;
    const muting = h.exec('muteMicrophones');
    sim.inject('< REP ERR >');
    await muting;
    expect(h.state.micMuted).toBe(true);
  });

  it('raw send: technicians set channel mute and gain; channel state follows', async () => {
    const { sim, h } = await setup();
    await h.connect();
    await h.exec('send', { data: 'SET 2 AUDIO_MUTE ON' });
    await h.exec('send', { data: '< SET 2 AUDIO_GAIN_HI_RES 1050 >' });
    expect(sim.state.channels[1]).toMatchObject({ muted: true, gain: 1050 });
    expect((h.state.channels as Array<{ muted: boolean; gain: number }>)[1]).toMatchObject({ index: 2, muted: true, gain: 1050 });
    await expect(h.exec('send', { data: '< REP hello >' })).rejects.toMatchObject({ code: 'BadArgs' });
  });

  it('survives garbage between and inside the stream', async () => {
    const { sim, h } = await setup();
    await h.connect();
    sim.inject(Buffer.from([0x00, 0x3c, 0xff, 0x7b, 0x0a]));
    sim.faults.garbageRate = 1;
    for (let i = 0; i < 10; i++) await h.exec(i % 2 ? 'unmuteMicrophones' : 'muteMicrophones');
    expect(h.state.micMuted).toBe(false);
    expect(h.lost).toEqual([]);
  });

  it('a stalled array times out the command', async () => {
    const { sim, h } = await setup();
    await h.connect();
    sim.faults.stalled = true;
    await expect(h.exec('muteMicrophones')).rejects.toMatchObject({ code: 'DeviceTimeout' });
  });

  it('reconnects after the array drops off, and asks for everything again', async () => {
    const { sim, h } = await setup();
    await h.connect();
    sim.dropConnections();
    await h.waitForState(() => h.lost.length === 1);
    await expect(h.exec('muteMicrophones')).rejects.toMatchObject({ code: 'DeviceOffline' });
    sim.state.muted = true; // changed while we were away
    await h.close();
    await h.connect();
    expect(sim.commands.filter((c) => c === 'GET 0 ALL')).toHaveLength(2);
    expect(h.state.micMuted).toBe(true);
  });

  it('LED brightness option is applied on connect', async () => {
    const { sim, h } = await setup({}, { ledBrightness: 4 });
    await h.connect();
    expect(sim.commands).toContain('SET LED_BRIGHTNESS 4');
    expect(sim.state.ledBrightness).toBe(4);
    expect(h.state.ledBrightness).toBe(4);
  });

  it('metering: METER_RATE set on connect, SAMPLEs throttled into `level`', async () => {
    const levelUpdateMs = 300;
    const { sim, h } = await setup({}, { metering: { enabled: true, intervalMs: 100 }, levelUpdateMs });
    const updatedAt: number[] = [];
    const update = h.ctx.update.bind(h.ctx);
    (h.ctx as { update: typeof h.ctx.update }).update = (patch, reason) => {
      if ('level' in patch) updatedAt.push(performance.now());
      update(patch, reason);
    };
    sim.state.levels = [5, 10, 42, 3, 0, 0, 0, 0, 20];
    await h.connect();
    expect(sim.commands).toContain('SET METER_RATE 100');
    await sleep(1000);
    // A SAMPLE every 100 ms; state takes at most one per levelUpdateMs. Gaps are a lower bound: a
    // busy machine only makes them longer, an unthrottled driver makes them 100 ms.
    expect(updatedAt.length).toBeGreaterThanOrEqual(2);
    const gaps = updatedAt.slice(1).map((t, i) => t - updatedAt[i]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(levelUpdateMs - 5);
    expect(h.state.level).toBe(42);
    expect(h.state.levels).toEqual([5, 10, 42, 3, 0, 0, 0, 0, 20]);
  });

  it('startSimulator from the module gives a tcp transport on 127.0.0.1', async () => {
    const handle = await driver.startSimulator!({}, { model: 'MXA310', levelUpdateMs: 250, replyTimeoutMs: 500, errGraceMs: 150 });
    cleanups.push(() => handle.close());
    expect(handle.transport).toMatchObject({ type: 'tcp', host: '127.0.0.1' });
    const h = createDriverHarness(driver, { model: 'MXA310' }, handle.transport);
    cleanups.push(() => h.close());
    await h.connect();
    expect(h.state.micMuted).toBe(false);
  });
});
