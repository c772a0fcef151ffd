import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShureSimulator } from '../../drivers/shure-dcs/simulator.ts';
import { startBaresipSimulator, type BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/** The room-wide microphone mute: every micMute device at once, codec included, and disagreement reported. */
describe('room-wide microphone mute', () => {
  let array: ShureSimulator;
  let codec: BaresipSimulator;
  let daemon: TestDaemon;

  beforeAll(async () => {
    array = new ShureSimulator({ model: 'MXA910' });
    codec = await startBaresipSimulator({ ringMs: 10, answerMs: 10 });
    daemon = await startTestDaemon(`
room: { id: mics, name: Salle }
devices:
  array: { driver: shure-dcs, transport: { type: tcp, host: 127.0.0.1, port: ${await array.listen(0)} } }
  codec: { driver: baresip, transport: { type: tcp, host: 127.0.0.1, port: ${codec.transport.port} } }
`);
    await eventually(() => daemon.api('GET', '/api/v1/health'), (r) => r.body.status === 'ok');
  });
  afterAll(async () => {
    await daemon?.close();
    await array?.close();
    await codec?.close();
  });

  it('mutes the array and the codec in one request, and the meeting state says they agree', async () => {
    const res = await daemon.api('POST', '/api/v1/meeting/microphones', { muted: true });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { device: string; status: string }) => [r.device, r.status]).sort()).toEqual([['array', 'ok'], ['codec', 'ok']]);
    expect(array.state.muted).toBe(true);
    // (with no call in progress baresip has nothing to mute yet: the driver applies the wish to the next call)
    const state = await eventually(() => daemon.api('GET', '/api/v1/state'), (r) => r.body.meeting.microphones.muted === true);
    expect(state.body.meeting.microphones).toEqual({ muted: true, devices: { array: true, codec: true }, disagree: [] });
  });

  it('reports disagreement when someone presses the array\'s own button', async () => {
    array.pressMuteButton(); // unmutes the array only
    const state = await eventually(() => daemon.api('GET', '/api/v1/state'), (r) => r.body.meeting.microphones.muted === null);
    expect(state.body.meeting.microphones.devices).toEqual({ array: false, codec: true });
    expect(state.body.meeting.microphones.disagree).toHaveLength(1);
    await daemon.api('POST', '/api/v1/meeting/microphones', { muted: false });
    const after = await eventually(() => daemon.api('GET', '/api/v1/state'), (r) => r.body.meeting.microphones.muted === false);
    expect(after.body.meeting.microphones.disagree).toEqual([]);
  });

  it('rejects a body without a boolean', async () => {
    const res = await daemon.api('POST', '/api/v1/meeting/microphones', { muted: 'yes' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/body\.muted/);
  });
});
