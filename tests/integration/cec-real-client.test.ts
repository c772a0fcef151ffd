import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/cec/index.ts';
import type { CecDriver } from '../../drivers/cec/driver.ts';
import { startCecSimulator, type CecSimulatorHandle } from '../../drivers/cec/simulator.ts';
import { isRoomError } from '../../src/sdk/index.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';
import { requireTool } from '../helpers/tools.ts';

/**
 * The REAL libCEC cec-client (Debian cec-utils) against the Pulse-Eight adapter emulator on a socat
 * pty, with the simulated TV on the emulated bus.
 */
const ok = requireTool('cec-client', 'cec-utils') && requireTool('socat', 'socat');

// answerTimeoutMs keeps its default (5 s): a busy 2-core CI machine once kept cec-client's prompt
// 6 s behind its echo, and with the link declared hung every later test lost it.
const OPTIONS = { inputs: { laptop: '1.0.0.0', codec: '2.0.0.0' }, replyTimeoutMs: 1500 };

async function start(options: Record<string, unknown> = OPTIONS) {
  const sim = await startCecSimulator({ real: true, warmingMs: 300, coolingMs: 200 });
  expect(sim.mode).toBe('real');
  const h = createDriverHarness(driver, options, sim.transport);
  await h.connect();
  return { sim, h };
}

describe.skipIf(!ok)('cec driver over the real cec-client and the adapter emulator', () => {
  let sim: CecSimulatorHandle;
  let h: DriverHarness<unknown>;

  beforeAll(async () => {
    ({ sim, h } = await start());
  });
  afterAll(async () => {
    await h?.close();
    await sim?.close();
  });

  it('completes the adapter handshake the way libCEC does it', () => {
    const msgs = sim.emulator!.hostMessages;
    for (const code of ['PING', 'FIRMWARE_VERSION', 'SET_CONTROLLED', 'GET_BUILDDATE', 'GET_ADAPTER_TYPE', 'SET_ACK_MASK']) {
      expect(msgs).toContain(code);
    }
    expect(sim.emulator!.controlled).toBe(true);
    // -t p: libCEC claims Playback 1 (4) and announces 1.0.0.0
    expect(sim.emulator!.ackMask).toBe(1 << 4);
    expect(sim.emulator!.hostFrames()).toContain('4f:84:10:00:04');
  });

  it('polls power (TV starts in standby)', async () => {
    await h.poll();
    expect(h.state.power).toBe('off');
    expect(sim.emulator!.hostFrames()).toContain('40:8f');
  });

  it('powers the TV on: Image View On, warming, then on', async () => {
    await h.exec('powerOn');
    // `on 0` resolves at cec-client's echo, which it prints just before the frame reaches the adapter
    await expect.poll(() => sim.emulator!.hostFrames()).toContain('40:04');
    expect(['warming', 'on']).toContain(h.state.power);
    await h.waitForState((s) => s.power === 'on', 3000);
    expect(sim.tv.power).toBe('on');
    await h.poll();
    expect(h.state.power).toBe('on');
  });

  it('selects an input with Set Stream Path to the configured physical address', async () => {
    await h.exec('selectInput', { input: 'codec' });
    expect(sim.emulator!.hostFrames()).toContain('4f:86:20:00');
    expect(h.state.input).toBe('codec');
    await expect.poll(() => sim.tv.activeSource).toBe(0x2000);
  });

  it('rejects an unknown input naming the known ones', async () => {
    const err = await h.exec('selectInput', { input: 'hdmi9' }).catch((e: unknown) => e);
    expect(isRoomError(err, 'BadArgs')).toBe(true);
    expect((err as Error).message).toMatch(/laptop, codec/);
  });

  it('sends volume keys to the TV and reads the audio status it reports', async () => {
    const before = sim.tv.volume;
    const sent = sim.emulator!.hostFrames().length;
    await h.exec('volumeUp');
    // libCEC Feature-Aborts the TV's Report Audio Status (40:00:7a:03) in between: harmless
    const frames = sim.emulator!.hostFrames().slice(sent).filter((f) => !f.startsWith('40:00'));
    expect(frames).toEqual(['40:44:41', '40:45']);
    await h.waitForState((s) => s.volume === before + 1);
    expect(sim.tv.volume).toBe(before + 1);
    await h.exec('mute');
    expect(sim.tv.muted).toBe(true);
    expect(h.state.muted).toBe(true);
    await h.exec('unmute');
    expect(sim.tv.muted).toBe(false);
    expect(h.state.muted).toBe(false);
  });

  it('follows the TV switching input with its own remote (Routing Change)', async () => {
    sim.tv.switchInputFromRemote(0x1000);
    await h.waitForState((s) => s.input === 'laptop');
  });

  it('survives garbage on the serial line', async () => {
    sim.emulator!.injectRaw(Buffer.from([0x13, 0x37, 0xfe, 0xff, 0x3e, 0xfe, 0x00]));
    await new Promise((r) => setTimeout(r, 100));
    await h.poll();
    expect(h.state.power).toBe('on');
    expect(h.lost).toEqual([]);
  });

  it('powers the TV off', async () => {
    await h.exec('powerOff');
    await expect.poll(() => sim.emulator!.hostFrames()).toContain('40:36');
    await h.waitForState((s) => s.power === 'off', 3000);
    expect(sim.tv.power).toBe('standby');
  });

  it('sees the TV put in standby with its own remote', async () => {
    await h.exec('powerOn');
    await h.waitForState((s) => s.power === 'on', 3000);
    sim.tv.standbyFromRemote();
    await h.waitForState((s) => s.power === 'off', 3000);
    expect(h.lost).toEqual([]);
  });
});

describe.skipIf(!ok)('cec driver: a dying or hung cec-client', () => {
  let sim: CecSimulatorHandle | undefined;
  let h: DriverHarness<unknown> | undefined;
  afterEach(async () => {
    await h?.close();
    await sim?.close();
  });

  it('reports the link lost when cec-client is killed', async () => {
    ({ sim, h } = await start());
    const pid = (h.driver as CecDriver).pid!;
    process.kill(pid, 'SIGKILL');
    await h.waitForState(() => h!.lost.length === 1, 3000);
    expect(h.lost[0].message).toMatch(/exited with SIGKILL/);
    await expect(h.poll()).rejects.toMatchObject({ code: 'DeviceOffline' });
  });

  it('reports the link lost when cec-client stops answering', async () => {
    ({ sim, h } = await start({ ...OPTIONS, answerTimeoutMs: 500 }));
    const pid = (h.driver as CecDriver).pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      const err = await h.poll().catch((e: unknown) => e);
      expect(isRoomError(err, 'DeviceTimeout')).toBe(true);
      expect(h.lost).toHaveLength(1);
      expect(h.lost[0].message).toMatch(/cec-client hung/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('fails the poll, but keeps the link, when the TV does not answer', async () => {
    ({ sim, h } = await start({ ...OPTIONS, replyTimeoutMs: 300 }));
    sim.tv.stalled = true;
    const err = await h.poll().catch((e: unknown) => e);
    expect(isRoomError(err, 'DeviceTimeout')).toBe(true);
    expect((err as Error).message).toMatch(/TV \(0\) did not answer/);
    expect(h.lost).toEqual([]);
  });
});
