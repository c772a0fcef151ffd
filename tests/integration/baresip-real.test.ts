import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/baresip/index.ts';
import type { BaresipOptions } from '../../drivers/baresip/options.ts';
import { NetstringReader, decodeMessage, encodeCommand, type CtrlEvent, type CtrlResponse } from '../../drivers/baresip/protocol.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';
import { requireTool } from '../helpers/tools.ts';
import type { DeviceState } from '../../src/sdk/index.ts';

/**
 * Two real baresip processes on loopback: "room" (driven by the driver under test, through a
 * recording TCP proxy so the test sees the exact bytes) and "far" (driven by a bare ctrl_tcp client
 * written here). No registrar, no sound card: aubridge stands in for the audio devices.
 */

const ok = requireTool('baresip', 'baresip-core');

function freeTcpPort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const p = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(p));
    });
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** baresip listens for SIP on UDP+TCP PORT and (TLS) TCP PORT+1, so all three must be free. */
async function freeSipPort(): Promise<number> {
  for (let i = 0; i < 30; i++) {
    const port = await freeTcpPort();
    if (port >= 65535) continue;
    const tcpNext = await freeTcpPort(port + 1).then(() => true, () => false);
    if (tcpNext && (await udpFree(port))) return port;
  }
  throw new Error('no free SIP port pair found');
}

interface Instance {
  child: ChildProcess;
  dir: string;
  sipPort: number;
  ctrlPort: number;
  output: string[];
}

async function startBaresip(user: string, answerMode: 'auto' | 'manual'): Promise<Instance> {
  const sipPort = await freeSipPort();
  const ctrlPort = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), `roomd-baresip-${user}-`));
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'call_local_timeout 120',
      'call_max_calls 1', // as the README recommends: a second caller gets 486 Max Calls
      // aubridge pairs a player and a source of the same device name: no sound card needed
      `audio_player aubridge,${user}`,
      `audio_source aubridge,${user}-src`,
      `audio_alert aubridge,${user}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aubridge.so',
      'module_tmp account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'accounts'), `<sip:${user}@127.0.0.1:${sipPort}>;regint=0;answermode=${answerMode}\n`);
  const child = spawn('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const instance = { child, dir, sipPort, ctrlPort, output };
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`baresip ${user} exited: ${output.join('')}`);
    // A probe connection would steal ctrl_tcp's single client slot; wait for the banner instead.
    if (output.join('').includes('baresip is ready')) return instance;
    if (Date.now() > deadline) throw new Error(`baresip ${user} did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopBaresip(instance: Instance | undefined): Promise<void> {
  if (!instance) return;
  const { child } = instance;
  if (child.exitCode === null && child.pid) {
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM'); // the whole process group
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 1500);
    await exited;
    clearTimeout(timer);
  }
  rmSync(instance.dir, { recursive: true, force: true });
}

/** A bare ctrl_tcp client for the far end, independent of the driver under test. */
class FarControl {
  readonly events: CtrlEvent[] = [];
  private readonly reader = new NetstringReader();
  private readonly waiting = new Map<string, (r: CtrlResponse) => void>();
  private seq = 0;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      for (const frame of this.reader.push(chunk)) {
        const m = decodeMessage(frame);
        if (m.kind === 'event') this.events.push(m);
        if (m.kind === 'response' && m.token) this.waiting.get(m.token)?.(m);
      }
    });
  }

  static connect(port: number): Promise<FarControl> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new FarControl(socket)));
      socket.once('error', reject);
    });
  }

  send(command: string, params?: string): Promise<CtrlResponse> {
    const token = `far-${++this.seq}`;
    return new Promise((resolve) => {
      this.waiting.set(token, resolve);
      this.socket.write(encodeCommand({ command, ...(params ? { params } : {}), token }));
    });
  }

  async waitEvent(type: string, after = 0, timeoutMs = 5000): Promise<CtrlEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.slice(after).find((x) => x.type === type);
      if (e) return e;
      if (Date.now() > deadline) throw new Error(`far end never saw ${type}; saw ${this.events.map((x) => x.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

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
  let room: Instance | undefined;
  let far: Instance | undefined;
  let farCtl: FarControl;
  let proxy: Proxy;
  let h: DriverHarness<BaresipOptions>;
  let farUri: string;
  let roomUri: string;

  beforeAll(async () => {
    [room, far] = await Promise.all([startBaresip('room', 'manual'), startBaresip('far', 'auto')]);
    farUri = `sip:far@127.0.0.1:${far.sipPort}`;
    roomUri = `sip:room@127.0.0.1:${room.sipPort}`;
    farCtl = await FarControl.connect(far.ctrlPort);
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
    const intruder = await FarControl.connect(room!.ctrlPort);
    await h.waitForState(() => h.lost.length === 1);
    expect(h.lost[0]!.message).toMatch(/ctrl_tcp link lost/);
    intruder.close();
    await h.close();
    await h.connect(); // what the runtime does after ctx.lost(): events flow to us again
    await h.exec('dial', { number: farUri });
    await h.waitForState((s) => status(s) === 'connected');
  });
});
