import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaresipSimulator, type BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/** `dial` in the start request dials through the room's codec; every call lands on the session. */
describe('meeting with a call', () => {
  let sim: BaresipSimulator;
  let daemon: TestDaemon;

  beforeAll(async () => {
    sim = await startBaresipSimulator({ ringMs: 20, answerMs: 30 });
    daemon = await startTestDaemon(`
room: { id: calls, name: Salle }
devices:
  codec: { driver: baresip, transport: { type: tcp, host: 127.0.0.1, port: ${sim.transport.port} } }
directory:
  - { name: "PNR — siège", number: "sip:siege@127.0.0.1" }
`);
    await eventually(() => daemon.api('GET', '/api/v1/devices/codec'), (r) => r.body.online === true);
  });
  afterAll(async () => {
    await daemon?.close();
    await sim?.close();
  });

  it('dials as part of the start scene, follows the call, and records it on the session', async () => {
    const start = await daemon.api('POST', '/api/v1/meeting/start', { organisation: 'PNR', dial: 'sip:siege@127.0.0.1' });
    expect(start.status).toBe(200);
    expect(start.body.steps).toContainEqual(expect.objectContaining({ device: 'codec', command: 'dial', status: 'ok' }));
    expect(sim.received.some((c) => c.command === 'dial' && c.params === 'sip:siege@127.0.0.1')).toBe(true);
    await eventually(() => daemon.api('GET', '/api/v1/devices/codec'), (r) => r.body.state.call.status === 'connected');
    sim.farHangup();
    await eventually(() => daemon.api('GET', '/api/v1/devices/codec'), (r) => r.body.state.call.status === 'idle');
    const end = await daemon.api('POST', '/api/v1/meeting/end', {});
    expect(end.body.session.dialed).toEqual([
      expect.objectContaining({ number: 'sip:siege@127.0.0.1', direction: 'outgoing', outcome: 'answered' }),
    ]);
  });

  it('records why a call never connected, in the words the codec driver used', async () => {
    await daemon.api('POST', '/api/v1/meeting/start', {});
    // The simulated far end answers a number containing "busy" with 486 Busy Here.
    await daemon.api('POST', '/api/v1/devices/codec/commands/dial', { number: 'sip:busy@127.0.0.1' });
    await eventually(() => daemon.api('GET', '/api/v1/devices/codec'), (r) => r.body.state.calls?.at(-1)?.outcome === 'rejected');
    const end = await daemon.api('POST', '/api/v1/meeting/end', {});
    expect(end.body.session.dialed).toEqual([
      expect.objectContaining({ number: 'sip:busy@127.0.0.1', direction: 'outgoing', outcome: 'rejected' }),
    ]);
    expect(end.body.session.dialed[0].connectedAt).toBeNull();
  });

  it('ending the meeting hangs up a call still in progress', async () => {
    await daemon.api('POST', '/api/v1/meeting/start', { dial: 'sip:siege@127.0.0.1' });
    await eventually(() => daemon.api('GET', '/api/v1/devices/codec'), (r) => r.body.state.call.status === 'connected');
    const end = await daemon.api('POST', '/api/v1/meeting/end', {});
    expect(end.body.steps).toContainEqual(expect.objectContaining({ device: 'codec', command: 'hangup', status: 'ok' }));
    expect(sim.call()).toBeUndefined();
  });
});
