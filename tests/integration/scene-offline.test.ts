import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { ShureSimulator } from '../../drivers/shure-dcs/simulator.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/**
 * A device that is known to be offline costs the start nothing: its steps are skipped at once
 * (not after the 15 s the scene lets it reach `power: on`), and the start is over as soon as the
 * online devices are done. Real daemon, real simulators over TCP, one of them stopped.
 */
const WAIT_MS = 15_000;

describe('scene: offline devices fail fast', () => {
  let screen: MdcSimulator;
  let screenPort: number;
  let mics: ShureSimulator;
  let daemon: TestDaemon;

  beforeAll(async () => {
    screen = new MdcSimulator();
    mics = new ShureSimulator({ model: 'MXA310', muted: true });
    screenPort = await screen.listen(0);
    const micsPort = await mics.listen(0);
    daemon = await startTestDaemon(`
room: { id: fast-fail, name: "Salle", organisations: [] }
devices:
  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${screenPort} }, options: { replyTimeoutMs: 500 } }
  mics: { driver: shure-dcs, transport: { type: tcp, host: 127.0.0.1, port: ${micsPort} }, options: { model: MXA310 } }
scenes:
  meetingStart:
    - { device: screen, command: powerOn }
    - { device: screen, command: selectInput, args: { input: hdmi2 }, waitFor: { power: "on" }, timeoutMs: ${WAIT_MS} }
    - { device: screen, command: setVolume, args: { level: 20 }, waitFor: { input: "hdmi2" }, timeoutMs: ${WAIT_MS} }
    - { device: mics, command: unmuteMicrophones }
  meetingEnd:
    - { device: mics, command: muteMicrophones }
`);
    for (const id of ['screen', 'mics']) await eventually(() => daemon.api('GET', `/api/v1/devices/${id}`), (r) => r.body.online === true);
  });
  afterAll(async () => {
    await daemon?.close();
    await Promise.all([screen?.close(), mics?.close()]);
  });

  it('with the screen known offline, the start answers at once: every screen step skipped, the mics done', async () => {
    await screen.close(); // the simulator is gone: the daemon sees the link drop and marks it offline
    await eventually(() => daemon.api('GET', '/api/v1/devices/screen'), (r) => r.body.online === false);
    const t0 = performance.now();
    const res = await daemon.api('POST', '/api/v1/meeting/start', {});
    const wall = performance.now() - t0;
    expect(res.status).toBe(200);
    const steps = res.body.steps as Array<{ device: string; command: string; status: string; error?: { code: string; message: string } }>;
    expect(steps.map((s) => [s.device, s.command, s.status, s.error?.code])).toEqual([
      ['screen', 'powerOn', 'skipped', 'DeviceOffline'],
      ['screen', 'selectInput', 'skipped', 'DeviceOffline'],
      ['screen', 'setVolume', 'skipped', 'DeviceOffline'],
      ['mics', 'unmuteMicrophones', 'ok', undefined],
    ]);
    expect(steps[1]!.error!.message).toMatch(/screen is offline/);
    // Each screen step would have waited 15 s for a state that cannot come; a fifth of one wait is
    // a margin a loaded machine keeps, and still fails the old behaviour by far.
    expect(wall).toBeLessThan(WAIT_MS / 5);
    expect(mics.state.muted).toBe(false);
    expect((await daemon.api('GET', '/api/v1/state')).body.meeting).toMatchObject({ active: true, phase: 'active' });
    await daemon.api('POST', '/api/v1/meeting/end', {});
  }, 40_000);

  it('a device that drops while a step waits for its state fails that step now, not at the timeout', async () => {
    // The screen is back, but stalls: powerOn is acknowledged by nobody, so `waitFor: power on` waits.
    screen = new MdcSimulator();
    await screen.listen(screenPort);
    await eventually(() => daemon.api('GET', '/api/v1/devices/screen'), (r) => r.body.online === true, 10_000);
    screen.faults.stalled = true;
    const t0 = performance.now();
    const started = daemon.api('POST', '/api/v1/meeting/start', {});
    await eventually(() => daemon.api('GET', '/api/v1/state'), (r) => r.body.meeting.phase === 'starting');
    await screen.close();
    const res = await started;
    const wall = performance.now() - t0;
    const screenSteps = (res.body.steps as Array<{ device: string; status: string; error?: { code: string } }>).filter((s) => s.device === 'screen');
    expect(screenSteps.at(-1)).toMatchObject({ status: 'skipped', error: { code: 'DeviceOffline' } });
    expect(wall).toBeLessThan(WAIT_MS / 2);
    await daemon.api('POST', '/api/v1/meeting/end', {});
  }, 40_000);
});
