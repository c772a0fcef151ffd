import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/baresip/index.ts';
import type { BaresipOptions } from '../../drivers/baresip/options.ts';
import { NetstringReader, decodeMessage, type CtrlResponse } from '../../drivers/baresip/protocol.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';
import { requireTool } from '../helpers/tools.ts';
import { BaresipControl, startBaresip, stopBaresip, type BaresipInstance } from '../helpers/baresip.ts';
import type { DeviceState } from '../../src/sdk/index.ts';

/**
 * Two real baresip processes on loopback: "room" (driven by the driver under test, through a
 * recording TCP proxy so the test sees the exact bytes) and "far" (driven by a bare ctrl_tcp client
 * written here). No registrar, no sound card: aubridge stands in for the audio devices.
 */

const ok = requireTool('baresip', 'baresip-core');


/** A TCP proxy in front of the room's ctrl_tcp that keeps what each side sent. */
interface Proxy {
  port: number;
  /** Commands the driver sent, decoded. */
  commands: Array<{ command: string; params?: string }>;
  /** Responses baresip sent back, decoded. */
  responses: CtrlResponse[];
  close(): Promise<void>;
}

async function startProxy(targetPort: number): Promise<Proxy> {
  const commands: Proxy['commands'] = [];
  const responses: CtrlResponse[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const up = new NetstringReader();
    const down = new NetstringReader();
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      for (const f of up.push(chunk)) commands.push(JSON.parse(f.toString()) as { command: string });
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      for (const f of down.push(chunk)) {
        const m = decodeMessage(f);
        if (m.kind === 'response') responses.push(m);
      }
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    commands,
    responses,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const status = (s: DeviceState): string | undefined => s.call?.status;
const calls = (s: DeviceState): Array<Record<string, unknown>> => (s.calls as Array<Record<string, unknown>>) ?? [];

describe.skipIf(!ok)('baresip driver ↔ two real baresip instances', () => {
  let room: BaresipInstance | undefined;
  let far: BaresipInstance | undefined;
  let farCtl: BaresipControl;
  let proxy: Proxy;
  let h: DriverHarness<BaresipOptions>;
  let farUri: string;
  let roomUri: string;

  beforeAll(async () => {
    [room, far] = await Promise.all([startBaresip('room', 'manual'), startBaresip('far', 'auto')]);
    farUri = `sip:far@127.0.0.1:${far.sipPort}`;
    roomUri = `sip:room@127.0.0.1:${room.sipPort}`;
    farCtl = await BaresipControl.connect(far.ctrlPort);
    proxy = await startProxy(room.ctrlPort);
    h = createDriverHarness(driver, { answerMode: 'manual' }, { type: 'tcp', host: '127.0.0.1', port: proxy.port }, 'codec');
    await h.connect();
  });

  afterAll(async () => {
    await h?.close();
    farCtl?.close();
    await proxy?.close();
    await Promise.all([stopBaresip(room), stopBaresip(far)]);
  });

  afterEach(async () => {
    // Leave both ends idle for the next test whatever happened.
    if (status(h.state) !== 'idle') {
      await h.exec('hangup').catch(() => undefined);
      await h.waitForState((s) => status(s) === 'idle', 3000).catch(() => undefined);
    }
    await farCtl.send('answermode', 'auto');
  });

  it('handshakes over ctrl_tcp and reports idle', () => {
    expect(proxy.commands.slice(0, 2)).toEqual([
      { command: 'listcalls', token: 'roomd-1' },
      { command: 'answermode', params: 'manual', token: 'roomd-2' },
    ]);
    expect(h.state.call!.status).toBe('idle');
    expect(h.lost).toEqual([]);
  });

  it('dials the far end, which answers, then hangs up from the room', async () => {
    const mark = farCtl.events.length;
    const seen: string[] = [];
    const update = h.ctx.update.bind(h.ctx);
    (h.ctx as { update: typeof update }).update = (patch, reason) => {
      const s = patch.call?.status;
      if (s && seen[seen.length - 1] !== s) seen.push(s);
      update(patch, reason);
    };
    await h.exec('dial', { number: farUri });
    expect(proxy.commands.at(-1)).toMatchObject({ command: 'dial', params: farUri });
    await h.waitForState((s) => status(s) === 'connected');
    expect(h.state.call!.remote).toBe(farUri);
    await farCtl.waitEvent('CALL_ESTABLISHED', mark);
    await h.exec('dtmf', { digits: '12#' });
    expect(proxy.commands.at(-1)).toMatchObject({ command: 'sndcode', params: '12#' });
    await h.exec('hangup');
    await h.waitForState((s) => status(s) === 'idle');
    await farCtl.waitEvent('CALL_CLOSED', mark);
    (h.ctx as { update: typeof update }).update = update;
    // baresip 1.0.0 reports 180 Ringing even from an auto-answering far end
    expect(seen).toEqual(['dialing', 'ringing', 'connected', 'disconnecting', 'idle']);
    expect(calls(h.state).at(-1)).toMatchObject({ number: farUri, direction: 'outgoing', outcome: 'answered', connectedAt: expect.any(String) });
  });

  it('returns to idle when the far end hangs up', async () => {
    await h.exec('dial', { number: farUri });
    await h.waitForState((s) => status(s) === 'connected');
    await farCtl.send('hangup');
    await h.waitForState((s) => status(s) === 'idle');
    expect(calls(h.state).at(-1)).toMatchObject({ outcome: 'answered', endedAt: expect.any(String) });
  });

  it('sees the call fail when the far end rejects it', async () => {
    await farCtl.send('answermode', 'manual');
    const mark = farCtl.events.length;
    await h.exec('dial', { number: farUri });
    await farCtl.waitEvent('CALL_INCOMING', mark);
    await h.waitForState((s) => status(s) === 'ringing');
    await farCtl.send('hangup'); // baresip rejects an unanswered incoming call with 486
    await h.waitForState((s) => status(s) === 'idle');
    expect(calls(h.state).at(-1)).toMatchObject({ number: farUri, outcome: 'rejected' });
    expect(calls(h.state).at(-1)!.connectedAt).toBeUndefined();
  });

  it('shows an incoming call and answers it', async () => {
    const mark = farCtl.events.length;
    await farCtl.send('dial', roomUri);
    await h.waitForState((s) => status(s) === 'incoming');
    expect(h.state.call!.remote).toBe(farUri);
    await h.exec('answer');
    expect(proxy.commands.at(-1)).toMatchObject({ command: 'accept' });
    await h.waitForState((s) => status(s) === 'connected');
    await farCtl.waitEvent('CALL_ESTABLISHED', mark);
    await farCtl.send('hangup');
    await h.waitForState((s) => status(s) === 'idle');
    expect(calls(h.state).at(-1)).toMatchObject({ number: farUri, direction: 'incoming', outcome: 'answered' });
  });

  it('rejects an incoming call', async () => {
    const mark = farCtl.events.length;
    await farCtl.send('dial', roomUri);
    await h.waitForState((s) => status(s) === 'incoming');
    await h.exec('reject');
    await h.waitForState((s) => status(s) === 'idle');
    const closed = await farCtl.waitEvent('CALL_CLOSED', mark);
    expect(closed.param).toMatch(/^486/);
    expect(calls(h.state).at(-1)).toMatchObject({ direction: 'incoming', outcome: 'rejected' });
  });

  it('tracks the /mute toggle: one toggle per change, and the wish carries into the next call', async () => {
    const mutes = (): CtrlResponse[] => {
      const tokens = new Set(proxy.commands.filter((c) => c.command === 'mute').map((c) => (c as { token?: string }).token));
      return proxy.responses.filter((r) => tokens.has(r.token));
    };
    await h.exec('dial', { number: farUri });
    await h.waitForState((s) => status(s) === 'connected');
    await h.exec('muteMicrophones');
    await h.exec('muteMicrophones'); // already muted: nothing on the wire
    expect(mutes().map((r) => r.data.trim())).toEqual(['call muted']);
    await h.exec('unmuteMicrophones');
    expect(mutes().map((r) => r.data.trim())).toEqual(['call muted', 'call un-muted']);
    await h.exec('hangup');
    await h.waitForState((s) => status(s) === 'idle');

    await h.exec('muteMicrophones'); // between calls: remembered, nothing sent
    expect(mutes()).toHaveLength(2);
    expect(h.state.micMuted).toBe(true);
    await h.exec('dial', { number: farUri });
    await h.waitForState((s) => status(s) === 'connected');
    await expect.poll(() => mutes().map((r) => r.data.trim()), { timeout: 3000 }).toEqual(['call muted', 'call un-muted', 'call muted']);
    await h.exec('unmuteMicrophones');
  });

  it('recovers a call in progress after reconnecting', async () => {
    await h.exec('dial', { number: farUri });
    await h.waitForState((s) => status(s) === 'connected');
    await h.close();
    await h.connect();
    expect(h.state.call).toMatchObject({ status: 'connected' });
    await farCtl.send('hangup');
    await h.waitForState((s) => status(s) === 'idle');
  });

  it('loses the link when another client takes ctrl_tcp, and reconnects', async () => {
    const intruder = await BaresipControl.connect(room!.ctrlPort);
    await h.waitForState(() => h.lost.length === 1);
    expect(h.lost[0]!.message).toMatch(/ctrl_tcp link lost/);
    intruder.close();
    await h.close();
    await h.connect(); // what the runtime does after ctx.lost(): events flow to us again
    await h.exec('dial', { number: farUri });
    await h.waitForState((s) => status(s) === 'connected');
  });
});
