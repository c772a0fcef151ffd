import { afterEach, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/cisco-xapi/index.ts';
import { startCiscoSimulator, type CiscoSimulator, type CiscoSimOptions } from '../../drivers/cisco-xapi/simulator.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';
import { requireTool } from '../helpers/tools.ts';
import { isRoomError, type TransportConfig } from '../../src/sdk/index.ts';

/** Driver ↔ simulator over real TCP (with the login prompt) and over real SSH. */

const OPTS = { username: 'admin', password: 'secret', loginQuietMs: 150, commandTimeoutMs: 2000 };

let sim: CiscoSimulator | undefined;
let harness: DriverHarness<Record<string, unknown>> | undefined;

afterEach(async () => {
  await harness?.close();
  await sim?.close();
  harness = sim = undefined;
});

async function setup(transport: 'tcp' | 'ssh' | 'serial', simOptions: CiscoSimOptions = {}, options: Record<string, unknown> = OPTS) {
  sim = await startCiscoSimulator({ transport, connectDelayMs: 40, ...simOptions });
  harness = createDriverHarness(driver, options, sim.transport) as DriverHarness<Record<string, unknown>>;
  await harness.connect();
  return { sim, h: harness };
}

const FEEDBACK = [
  'xFeedback register /Status/Call',
  'xFeedback register /Status/Standby',
  'xFeedback register /Status/Audio/Microphones/Mute',
];

describe.each(['tcp', 'ssh'] as const)('cisco-xapi over %s', (transport) => {
  it('logs in, turns echo off, registers feedback with tags and reads status', async () => {
    const { sim, h } = await setup(transport);
    const lines = sim.received.map((r) => r.line);
    expect(lines[0]).toBe('echo off');
    for (const f of FEEDBACK) expect(lines.some((l) => l.startsWith(`${f} | resultId="roomd-`))).toBe(true);
    expect(lines.some((l) => l.startsWith('xStatus Call |'))).toBe(true);
    expect(sim.received.every((r) => r.via === transport)).toBe(true);
    expect(h.state).toMatchObject({ power: 'on', micMuted: false, call: { status: 'idle' } });
  });

  it('dials: result, then Dialling → Connecting → Connected feedback; remote hangup → idle', async () => {
    const { sim, h } = await setup(transport);
    await h.exec('dial', { number: 'alice@example.com' });
    expect(sim.linesMatching(/^xCommand Dial Number: "alice@example.com" \| resultId="roomd-\d+"$/)).toHaveLength(1);
    await h.waitForState((s) => s.call?.status === 'connected');
    expect(h.state.call).toMatchObject({ status: 'connected', remote: 'alice@example.com' });
    expect(typeof h.state.call?.since).toBe('string');

    expect(sim.codec.remoteHangup()).toBe(true);
    await h.waitForState((s) => s.call?.status === 'idle');
    const calls = h.state.calls as Array<Record<string, unknown>>;
    expect(calls.at(-1)).toMatchObject({ number: 'alice@example.com', direction: 'outgoing', outcome: 'answered' });
    expect(calls.at(-1)?.connectedAt).toBeDefined();
    expect(calls.at(-1)?.endedAt).toBeDefined();
  });

  it('standby on/off and microphone mute follow feedback', async () => {
    const { sim, h } = await setup(transport);
    await h.exec('powerOff');
    await h.waitForState((s) => s.power === 'off');
    expect(sim.codec.standby).toBe(true);
    await h.exec('powerOn');
    await h.waitForState((s) => s.power === 'on');
    await h.exec('muteMicrophones');
    await h.waitForState((s) => s.micMuted === true);
    await h.exec('unmuteMicrophones');
    await h.waitForState((s) => s.micMuted === false);
    // A change made on the codec itself arrives as feedback too.
    sim.codec.setStandby(true);
    await h.waitForState((s) => s.power === 'off');
    expect(sim.linesMatching(/^xCommand Standby (Activate|Deactivate) \|/)).toHaveLength(2);
  });

  it('re-registers feedback after a dropped connection', async () => {
    const { sim, h } = await setup(transport);
    sim.dropConnections();
    await new Promise<void>((resolve) => {
      const t = setInterval(() => h.lost.length > 0 && (clearInterval(t), resolve()), 10);
    });
    expect(h.lost).toHaveLength(1);
    await h.close(); // what the runtime does on ctx.lost
    await h.connect();
    for (const f of FEEDBACK) expect(sim.linesMatching(new RegExp(`^${f.replaceAll('/', '\\/')} \\|`))).toHaveLength(2);
    // ...and the new session really gets feedback.
    sim.codec.setStandby(true);
    await h.waitForState((s) => s.power === 'off');
  });
});

describe('cisco-xapi calls and errors (tcp)', () => {
  it('a dial refused by the codec is a DeviceError with its Reason, logged as failed', async () => {
    const { sim, h } = await setup('tcp');
    sim.codec.failNextDial('Invalid number');
    const err = await h.exec('dial', { number: '999' }).catch((e: unknown) => e);
    expect(isRoomError(err, 'DeviceError')).toBe(true);
    expect((err as Error).message).toBe('dial "999" failed: Invalid number');
    expect((h.state.calls as Array<Record<string, unknown>>).at(-1)).toMatchObject({ number: '999', outcome: 'failed', reason: 'Invalid number' });
    expect(h.state.call?.status).toBe('idle');
  });

  it('an incoming call can be answered, then hung up', async () => {
    const { sim, h } = await setup('tcp');
    const id = sim.codec.incomingCall('bob@example.com');
    await h.waitForState((s) => s.call?.status === 'incoming');
    expect(h.state.call?.remote).toBe('bob@example.com');
    await h.exec('answer');
    expect(sim.linesMatching(new RegExp(`^xCommand Call Accept CallId: ${id} \\|`))).toHaveLength(1);
    await h.waitForState((s) => s.call?.status === 'connected');
    await h.exec('dtmf', { digits: '12#' });
    expect(sim.linesMatching(/DTMFSend CallId: \d+ DTMFString: "12#"/)).toHaveLength(1);
    await h.exec('hangup');
    // By CallId, as CE/RoomOS document it; never the TC-era DisconnectAll.
    expect(sim.linesMatching(new RegExp(`^xCommand Call Disconnect CallId: ${id} \\|`))).toHaveLength(1);
    expect(sim.linesMatching(/DisconnectAll/)).toEqual([]);
    await h.waitForState((s) => s.call?.status === 'idle');
    expect((h.state.calls as Array<Record<string, unknown>>).at(-1)).toMatchObject({ direction: 'incoming', outcome: 'answered' });
  });

  it('a rejected incoming call is recorded as rejected', async () => {
    const { sim, h } = await setup('tcp');
    sim.codec.incomingCall('carol@example.com');
    await h.waitForState((s) => s.call?.status === 'incoming');
    await h.exec('reject');
    await h.waitForState((s) => s.call?.status === 'idle');
    expect((h.state.calls as Array<Record<string, unknown>>).at(-1)).toMatchObject({ number: 'carol@example.com', outcome: 'rejected' });
  });

  it('answer without an incoming call surfaces the codec error', async () => {
    const { h } = await setup('tcp');
    await expect(h.exec('answer')).rejects.toThrow(/No incoming call to accept/);
  });

  it('refuses a number the xAPI cannot quote', async () => {
    const { sim, h } = await setup('tcp');
    const before = sim.received.length;
    await expect(h.exec('dial', { number: 'a"b' })).rejects.toMatchObject({ code: 'BadArgs' });
    expect(sim.received.length).toBe(before);
  });

  it('wrong password is a clear DeviceError', async () => {
    sim = await startCiscoSimulator({ password: 'right' });
    harness = createDriverHarness(driver, { ...OPTS, password: 'wrong' }, sim.transport) as DriverHarness<Record<string, unknown>>;
    await expect(harness.connect()).rejects.toThrow(/login as 'admin' refused.*Login incorrect/);
  });

  it('a line without a login prompt (serial, LoginRequired off) is poked, then used', async () => {
    const { sim, h } = await setup('tcp', { loginRequired: false });
    expect(sim.received.map((r) => r.line)[0]).toBe('echo off');
    expect(h.state.power).toBe('on');
  });

  it('survives line noise and delays from the codec', async () => {
    const { sim, h } = await setup('tcp');
    sim.faults.garbageRate = 1;
    sim.faults.delayMs = 20;
    await h.exec('muteMicrophones');
    await h.waitForState((s) => s.micMuted === true);
    await h.exec('dial', { number: '1234' });
    await h.waitForState((s) => s.call?.status === 'connected');
    expect(h.lost).toHaveLength(0);
  });

  it('a stalled codec times the command out without dropping the link', async () => {
    const { sim, h } = await setup('tcp', {}, { ...OPTS, commandTimeoutMs: 200 });
    sim.faults.stalled = true;
    await expect(h.exec('powerOff')).rejects.toMatchObject({ code: 'DeviceTimeout' });
    expect(h.lost).toHaveLength(0);
  });

  it('the SSH link checks a pinned host key', async () => {
    sim = await startCiscoSimulator({ transport: 'ssh' });
    harness = createDriverHarness(driver, { ...OPTS, hostKeySha256: 'AAAA' }, sim.transport as TransportConfig) as DriverHarness<Record<string, unknown>>;
    await expect(harness.connect()).rejects.toMatchObject({ code: 'DeviceOffline' });
  });
});

describe.skipIf(!requireTool('socat', 'socat'))('cisco-xapi over RS-232 (socat pty)', () => {
  it('pokes the quiet port for its login prompt, logs in, and stays logged in across reconnects', async () => {
    const { sim, h } = await setup('serial');
    expect(h.ctx.transport.type).toBe('serial');
    expect(sim.received[0]).toMatchObject({ via: 'serial', line: 'echo off' });
    await h.exec('muteMicrophones');
    await h.waitForState((s) => s.micMuted === true);
    // A serial session outlives our connection: no prompt the second time, feedback registered again.
    await h.close();
    await h.connect();
    expect(sim.linesMatching(/^xFeedback register \/Status\/Call \|/)).toHaveLength(2);
    sim.codec.setStandby(true);
    await h.waitForState((s) => s.power === 'off');
  });
});
