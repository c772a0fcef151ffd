import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BaresipControl, startBaresip, stopBaresip, type BaresipInstance } from '../helpers/baresip.ts';
import { eventually, openEvents, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { requireTool } from '../helpers/tools.ts';

/**
 * The daemon with a REAL baresip as its `codec` device (ctrl_tcp on loopback), calling a second
 * real baresip that auto-answers. Everything goes through REST and the WebSocket: the call state
 * the room sees must follow what the two SIP phones actually did.
 */

const ok = requireTool('baresip', 'baresip-core');

type CallState = { status: string; remote?: string; since?: string };

describe.skipIf(!ok)('the daemon driving a real baresip', () => {
  let room: BaresipInstance | undefined;
  let far: BaresipInstance | undefined;
  let farCtl: BaresipControl | undefined;
  let daemon: TestDaemon | undefined;

  const call = async (): Promise<CallState> => (await daemon!.api('GET', '/api/v1/state')).body.devices.codec.state.call as CallState;
  const waitStatus = (status: string, timeoutMs = 5000): Promise<CallState> => eventually(call, (c) => c?.status === status, timeoutMs);

  beforeAll(async () => {
    [room, far] = await Promise.all([startBaresip('room', 'manual'), startBaresip('far', 'auto')]);
    farCtl = await BaresipControl.connect(far.ctrlPort);
    daemon = await startTestDaemon(`
room: { id: baresip, name: Salle }
devices:
  codec:
    driver: baresip
    transport: { type: tcp, host: 127.0.0.1, port: ${room.ctrlPort} }
    options: { answerMode: manual }
`);
    await eventually(() => daemon!.api('GET', '/api/v1/devices/codec'), (r) => r.body.online === true, 5000);
  }, 15_000);

  afterAll(async () => {
    await daemon?.close();
    farCtl?.close();
    await Promise.all([stopBaresip(room), stopBaresip(far)]);
  });

  afterEach(async () => {
    // Leave both phones idle for the next test whatever happened.
    if (daemon && (await call()).status !== 'idle') {
      await daemon.api('POST', '/api/v1/devices/codec/commands/hangup');
      await waitStatus('idle', 3000).catch(() => undefined);
    }
  });

  it('comes online idle over ctrl_tcp', async () => {
    const device = (await daemon!.api('GET', '/api/v1/devices/codec')).body;
    expect(device).toMatchObject({ online: true, driver: 'baresip', capabilities: expect.arrayContaining(['call', 'micMute']) });
    expect(device.state.call).toMatchObject({ status: 'idle' });
    expect(device.state.call.remote).toBeUndefined();
  });

  it('dial over REST: the WebSocket sees dialing → connected with remote and since; hang up from the room → idle', async () => {
    const events = await openEvents(daemon!.url);
    try {
      const snap = await events.next((m) => m.snapshot);
      expect(snap.devices.codec.state.call.status).toBe('idle');
      const farMark = farCtl!.events.length;
      const before = Date.now();

      const dial = await daemon!.api('POST', '/api/v1/devices/codec/commands/dial', { number: far!.uri });
      expect(dial.status).toBe(200);
      expect(dial.body.ok).toBe(true);
      // The answer comes once baresip acknowledged: the call exists, whatever stage it reached.
      expect(['dialing', 'ringing', 'connected']).toContain(dial.body.state.call.status);

      const connected = await waitStatus('connected');
      expect(connected.remote).toBe(far!.uri);
      const since = Date.parse(connected.since!);
      expect(since).toBeGreaterThanOrEqual(before - 1000);
      expect(since).toBeLessThanOrEqual(Date.now());
      // The far phone really answered (not just our idea of it).
      await farCtl!.waitEvent('CALL_ESTABLISHED', farMark);

      const hangup = await daemon!.api('POST', '/api/v1/devices/codec/commands/hangup');
      expect(hangup.status).toBe(200);
      await waitStatus('idle');
      await farCtl!.waitEvent('CALL_CLOSED', farMark);
      await events.next((m) => m.type === 'state' && m.device?.id === 'codec' && m.device.state.call?.status === 'idle');

      // Every status change the WebSocket carried, duplicates collapsed.
      const seen: string[] = [];
      for (const m of events.messages) {
        const s = m.type === 'state' && !m.snapshot && m.device?.id === 'codec' ? (m.device.state.call?.status as string | undefined) : undefined;
        if (s && seen.at(-1) !== s) seen.push(s);
      }
      expect(seen.filter((s) => s !== 'ringing' && s !== 'disconnecting')).toEqual(['dialing', 'connected', 'idle']);
      expect(seen.every((s) => ['dialing', 'ringing', 'connected', 'disconnecting', 'idle'].includes(s))).toBe(true);
      const wsConnected = events.messages.find((m) => m.device?.id === 'codec' && m.device.state.call?.status === 'connected');
      expect(wsConnected.device.state.call).toMatchObject({ remote: far!.uri, since: connected.since });

      const history = (await daemon!.api('GET', '/api/v1/devices/codec')).body.state.calls;
      expect(history.at(-1)).toMatchObject({ number: far!.uri, direction: 'outgoing', outcome: 'answered' });
    } finally {
      events.close();
    }
  });

  it('the far end hangs up: the room goes back to idle by itself', async () => {
    const dial = await daemon!.api('POST', '/api/v1/devices/codec/commands/dial', { number: far!.uri });
    expect(dial.status).toBe(200);
    await waitStatus('connected');
    const mark = farCtl!.events.length;
    expect((await farCtl!.send('hangup')).ok).toBe(true);
    await farCtl!.waitEvent('CALL_CLOSED', mark);
    await waitStatus('idle');
    const history = (await daemon!.api('GET', '/api/v1/devices/codec')).body.state.calls;
    expect(history.at(-1)).toMatchObject({ number: far!.uri, outcome: 'answered', endedAt: expect.any(String) });
    // Hanging up again from the room is harmless: there is no call.
    expect((await daemon!.api('POST', '/api/v1/devices/codec/commands/hangup')).status).toBe(200);
  });

  it('a meeting started with { dial } records the call on its session', async () => {
    const start = await daemon!.api('POST', '/api/v1/meeting/start', { organisation: 'PNR', dial: far!.uri });
    expect(start.status).toBe(200);
    expect(start.body.steps).toContainEqual(expect.objectContaining({ device: 'codec', command: 'dial', status: 'ok' }));
    await waitStatus('connected');
    const end = await daemon!.api('POST', '/api/v1/meeting/end', {});
    expect(end.status).toBe(200);
    expect(end.body.steps).toContainEqual(expect.objectContaining({ device: 'codec', command: 'hangup', status: 'ok' }));
    await waitStatus('idle');

    const sessions = await daemon!.api('GET', '/api/v1/sessions');
    expect(sessions.status).toBe(200);
    const session = sessions.body.sessions.find((s: { id: string }) => s.id === start.body.session.id);
    expect(session).toMatchObject({ organisation: 'PNR', status: 'closed' });
    expect(session.dialed).toEqual([
      expect.objectContaining({ number: far!.uri, direction: 'outgoing', outcome: 'answered', connectedAt: expect.any(String) }),
    ]);
  });
});
