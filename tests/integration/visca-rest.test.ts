import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViscaSerialSimulator } from '../../drivers/visca/simulator.ts';
import { ViscaIpSimulator } from '../../drivers/visca-ip/simulator.ts';
import { driver as viscaDriver } from '../../drivers/visca/index.ts';
import { eventually, openEvents, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { requireTool } from '../helpers/tools.ts';

const isDrive = (hex: string) => hex.startsWith('81 01 06 01 ');
const isStop = (hex: string) => /^81 01 06 01 [0-9A-F]{2} [0-9A-F]{2} 03 03 FF$/.test(hex);

/** The dead-man delay of the serial camera below: a move with no follow-up is stopped after it. */
const DEADMAN_MS = 500;
/** How long the tests wait for something that must happen: far beyond any delay configured here. */
const PATIENCE_MS = 10_000;

/**
 * The daemon driven over REST and the WebSocket, a VISCA camera simulator on the far end of a
 * real socat pty paced at 9600 baud, and a Sony VISCA-over-IP camera on UDP: bytes on the wire.
 */
describe.skipIf(!requireTool('socat', 'socat'))('VISCA through the daemon', () => {
  let serial: ViscaSerialSimulator;
  let ip: ViscaIpSimulator;
  let daemon: TestDaemon;

  beforeAll(async () => {
    serial = await ViscaSerialSimulator.start({ link: 'pty', baudRate: 9600 });
    ip = await ViscaIpSimulator.start({ framing: 'sony' });
    const port = (ip.transport as { port: number }).port;
    const path = (serial.transport as { path: string }).path;
    daemon = await startTestDaemon(`
room: { id: visca, name: Salle }
devices:
  camera:
    driver: visca
    transport: { type: serial, path: ${path}, baudRate: 9600 }
    options: { presets: { "1": "Salle entière", "2": "Pupitre" } }
    deadmanMs: ${DEADMAN_MS}
  ipcam:
    driver: visca-ip
    transport: { type: udp, host: 127.0.0.1, port: ${port} }
    deadmanMs: 0  # no dead-man: a stop can only come from the client going away
`);
    await eventually(() => daemon.api('GET', '/api/v1/health'), (r) => r.body.status === 'ok', 8000);
  });
  afterAll(async () => {
    await daemon?.close();
    await serial?.close();
    await ip?.close();
  });

  it('recalls a preset by name: the exact bytes reach the camera over the pty', async () => {
    serial.log.clear();
    const res = await daemon.api('POST', '/api/v1/devices/camera/commands/recallPreset', { preset: 'Pupitre' });
    expect(res.status).toBe(200);
    expect(serial.log.received()).toContain('81 01 04 3F 02 02 FF');
    expect((await daemon.api('GET', '/api/v1/devices/camera')).body.state.presets).toEqual({ 1: 'Salle entière', 2: 'Pupitre' });
  });

  it('powers the IP camera: the VISCA payload arrives in a Sony VISCA-over-IP datagram', async () => {
    ip.log.clear();
    const res = await daemon.api('POST', '/api/v1/devices/ipcam/commands/powerOn');
    expect(res.status).toBe(200);
    expect(ip.log.received()).toContain('81 01 04 00 02 FF');
  });

  it('50 joystick updates faster than the 9600-baud link: a handful of drive frames, ending with a stop', async () => {
    const events = await openEvents(daemon.url);
    try {
      await events.next((m) => m.snapshot);
      serial.log.clear();
      for (let i = 0; i < 50; i++) {
        events.ws.send(JSON.stringify({ type: 'command', id: i, device: 'camera', command: 'move', args: { pan: ((i % 10) + 1) / 10, tilt: 0 } }));
      }
      events.ws.send(JSON.stringify({ type: 'command', id: 'stop', device: 'camera', command: 'stop' }));
      const stopped = await events.next((m) => m.type === 'result' && m.id === 'stop');
      expect(stopped.ok).toBe(true);
      const results = await eventually(() => events.messages.filter((m) => m.type === 'result'), (r) => r.length === 51);
      expect(results.every((r) => r.ok)).toBe(true);
      const drives = serial.log.received().filter(isDrive);
      expect(drives.length).toBeGreaterThan(0);
      expect(drives.length).toBeLessThanOrEqual(10);
      expect(isStop(drives.at(-1)!)).toBe(true);
    } finally {
      const from = serial.log.entries.length;
      events.close();
      // The client that moved the camera went away: its stop lands before the next test starts.
      await serial.log.waitFor((e) => e.dir === 'in' && isStop(e.hex), PATIENCE_MS, from);
    }
  });

  it('a move with no follow-up is stopped by the dead-man timer, not before its delay', async () => {
    serial.log.clear();
    const t0 = performance.now();
    expect((await daemon.api('POST', '/api/v1/devices/camera/commands/move', { pan: 0.5 })).status).toBe(200);
    // Nothing else is sent: the stop can only come from the dead-man timer. A lower bound only, as
    // a busy machine may run the timer late, never early.
    const stop = await serial.log.waitFor((e) => e.dir === 'in' && isStop(e.hex), PATIENCE_MS);
    expect(stop.t - t0).toBeGreaterThanOrEqual(DEADMAN_MS - 50);
  });

  it('a client that moved the camera and went away leaves it stopped', async () => {
    const events = await openEvents(daemon.url);
    await events.next((m) => m.snapshot);
    ip.log.clear();
    events.ws.send(JSON.stringify({ type: 'command', id: 1, device: 'ipcam', command: 'move', args: { tilt: -0.5 } }));
    await events.next((m) => m.type === 'result' && m.id === 1);
    const from = ip.log.entries.length;
    events.close();
    // The IP camera has no dead-man timer, so this stop is the disconnect's doing.
    await ip.log.waitFor((e) => e.dir === 'in' && isStop(e.payloadHex ?? ''), PATIENCE_MS, from);
  });

  it('a vanished serial device turns offline within seconds, answers 503 at once, and comes back by itself', async () => {
    await serial.disconnect(); // the USB adapter is pulled: the pty and its path disappear
    await eventually(() => daemon.api('GET', '/api/v1/devices/camera'), (r) => r.body.online === false, 3000);
    const t0 = performance.now();
    const res = await daemon.api('POST', '/api/v1/devices/camera/commands/home');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('DeviceOffline');
    // "At once": refused before the command queue, so well inside the driver's command timeout
    // (a command that waited on the dead link would take all of it, and answer 504).
    expect(performance.now() - t0).toBeLessThan(viscaDriver.manifest.commandTimeoutMs! / 2);
    expect((await daemon.api('GET', '/api/v1/health')).body.status).toBe('degraded');

    await serial.reconnect(); // plugged back in at the same path
    await eventually(() => daemon.api('GET', '/api/v1/devices/camera'), (r) => r.body.online === true, 8000);
    serial.log.clear();
    expect((await daemon.api('POST', '/api/v1/devices/camera/commands/home')).status).toBe(200);
    expect(serial.log.received()).toContain('81 01 06 04 FF');
  });
});
