import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetstringReader, decodeMessage, encodeCommand, type CtrlEvent, type CtrlResponse } from '../../drivers/baresip/protocol.ts';

/**
 * A real baresip process for tests: its own temp config directory, SIP on 127.0.0.1 with no
 * registrar, aubridge instead of a sound card, ctrl_tcp on an ephemeral port. The same approach
 * as tests/integration/baresip-real.test.ts (whose launcher is private to that file).
 */

/** A free TCP port on 127.0.0.1 (`port` = 0: any; otherwise checks that one). */
export function freeTcpPort(port = 0): Promise<number> {
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

/** A running baresip. */
export interface BaresipInstance {
  child: ChildProcess;
  dir: string;
  user: string;
  sipPort: number;
  ctrlPort: number;
  /** Its SIP URI, e.g. `sip:far@127.0.0.1:40123`. */
  uri: string;
  /** stdout and stderr as they came. */
  output: string[];
}

/** Starts baresip as `user` (own process group, so `stopBaresip` can end everything it spawned). */
export async function startBaresip(user: string, answerMode: 'auto' | 'manual'): Promise<BaresipInstance> {
  const sipPort = await freeSipPort();
  const ctrlPort = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), `roomd-baresip-${user}-`));
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'call_local_timeout 120',
      'call_max_calls 1',
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
  const instance: BaresipInstance = { child, dir, user, sipPort, ctrlPort, uri: `sip:${user}@127.0.0.1:${sipPort}`, output };
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`baresip ${user} exited: ${output.join('')}`);
    }
    // A probe connection would steal ctrl_tcp's single client slot; wait for the banner instead.
    if (output.join('').includes('baresip is ready')) return instance;
    if (Date.now() > deadline) {
      await stopBaresip(instance);
      throw new Error(`baresip ${user} did not start: ${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM to the whole process group, SIGKILL after 1.5 s; removes the config directory. */
export async function stopBaresip(instance: BaresipInstance | undefined): Promise<void> {
  if (!instance) return;
  const { child } = instance;
  if (child.exitCode === null && child.signalCode === null && child.pid) {
    const exited = new Promise((r) => child.once('exit', r));
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        /* already gone */
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 1500);
    await exited;
    clearTimeout(timer);
  }
  rmSync(instance.dir, { recursive: true, force: true });
}

/** A bare ctrl_tcp client (for the far end), independent of the driver under test. */
export class BaresipControl {
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
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<BaresipControl> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new BaresipControl(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a command; resolves with baresip's response (rejects after `timeoutMs`). */
  send(command: string, params?: string, timeoutMs = 3000): Promise<CtrlResponse> {
    const token = `test-${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new Error(`no response to ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(token, (r) => {
        clearTimeout(timer);
        this.waiting.delete(token);
        resolve(r);
      });
      this.socket.write(encodeCommand({ command, ...(params ? { params } : {}), token }));
    });
  }

  /** The first event of `type` after index `after` of `events`. */
  async waitEvent(type: string, after = 0, timeoutMs = 5000): Promise<CtrlEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.slice(after).find((x) => x.type === type);
      if (e) return e;
      if (Date.now() > deadline) throw new Error(`never saw ${type}; saw ${this.events.map((x) => x.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
