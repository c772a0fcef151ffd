import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SdNotifier, systemdNotifySender } from '../../src/ops/sd-notify.ts';
import { requireTool } from '../helpers/tools.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Plays systemd's side of the protocol: binds the AF_UNIX SOCK_DGRAM socket (Node cannot, hence
 * Python), reads each datagram with its SCM_CREDENTIALS, closes any passed fd the way systemd does
 * (which is what releases systemd-notify's BARRIER=1 wait), and prints one JSON line per datagram.
 */
const RECEIVER = String.raw`
import json, os, socket, struct, sys, time
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\0" + path[1:] if path.startswith("@") else path)
print(json.dumps({"bound": True}), flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64))
    pid = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for i in range(0, len(payload) - len(payload) % 4, 4):
                os.close(struct.unpack("i", payload[i:i + 4])[0])
    print(json.dumps({"t": time.monotonic() * 1000, "pid": pid, "fields": data.decode().split("\n")}), flush=True)
`;

interface Datagram {
  t: number;
  pid: number | null;
  fields: string[];
}

class FakeSystemd {
  readonly messages: Datagram[] = [];
  private constructor(readonly proc: ChildProcess) {}

  static async start(socket: string): Promise<FakeSystemd> {
    const proc = spawn('python3', ['-c', RECEIVER, socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    const fake = new FakeSystemd(proc);
    let buffer = '';
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
          if (line.bound) resolve();
          // BARRIER=1 is systemd-notify making sure the message before it was processed; not ours.
          else if (!(line.fields.length === 1 && line.fields[0] === 'BARRIER=1')) fake.messages.push(line);
        }
      });
      proc.on('exit', (code) => reject(new Error(`receiver exited ${code}: ${stderr}`)));
    });
    return fake;
  }

  with(field: string): Datagram[] {
    return this.messages.filter((m) => m.fields.includes(field));
  }

  async waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.fields))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

const hasTools = requireTool('systemd-notify', 'systemd') && requireTool('python3', 'python3');

describe.skipIf(!hasTools)('sd_notify through systemd-notify', () => {
  let dir: string;
  let fake: FakeSystemd | undefined;
  let daemon: ChildProcess | undefined;

  afterEach(() => {
    fake?.stop();
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
    fake = daemon = undefined;
  });

  it.each([
    ['a socket path', (d: string) => join(d, 'notify.sock')],
    ['an abstract socket (@name)', () => `@roomd-test-${process.pid}-${Math.random().toString(36).slice(2)}`],
  ])('delivers fields in order to %s', async (_name, socketOf) => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-notify-'));
    const socket = socketOf(dir);
    fake = await FakeSystemd.start(socket);
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: socket };
    const notifier = SdNotifier.fromEnv({ env, send: systemdNotifySender() });
    expect(env.NOTIFY_SOCKET).toBeUndefined(); // unset, so children do not inherit it
    // Fired without awaiting: they must still arrive one by one, in order.
    void notifier.notify({ STATUS: 'starting\nstill starting' });
    void notifier.notify({ READY: true, STATUS: '1/1 devices online, no meeting' });
    await notifier.notify({ STOPPING: 1 });
    await fake.waitFor(() => fake!.messages.length >= 3, 3000, 'three messages');
    expect(fake.messages.map((m) => m.fields)).toEqual([
      ['STATUS=starting still starting'],
      ['READY=1', 'STATUS=1/1 devices online, no meeting'],
      ['STOPPING=1'],
    ]);
  });

  it('the daemon says READY=1 once serving, pings the watchdog, reports STATUS=, and on SIGTERM says STOPPING=1 and exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-notify-'));
    const socket = join(dir, 'notify.sock');
    fake = await FakeSystemd.start(socket);
    const config = join(dir, 'roomd.yaml');
    writeFileSync(config, [
      'room: { id: test-room, name: "Test room", locale: en }',
      'http: { host: 127.0.0.1, port: 0 }',
      `sessions: { database: ${JSON.stringify(join(dir, 's.db'))} }`,
      'devices:',
      '  display: { driver: samsung-mdc, transport: { type: sim } }',
      '',
    ].join('\n'));
    let output = '';
    const proc = spawn(process.execPath, ['bin/roomd.js', '--config', config], {
      cwd: root,
      env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '400000', ROOMD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon = proc;
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => proc.on('exit', (code) => resolve({ code, at: Date.now() })));

    await fake.waitFor(() => fake!.with('READY=1').length > 0, 15_000, `READY=1 (daemon output: ${output})`);
    const ready = fake.with('READY=1')[0]!;
    const status = ready.fields.find((f) => f.startsWith('STATUS='));
    expect(status).toMatch(/^STATUS=\d\/1 devices online.*, no meeting — http:\/\/127\.0\.0\.1:\d+$/);

    // READY=1 means serving: the API answers right away, and main wired /metrics.
    const url = /(http:\/\/127\.0\.0\.1:\d+)$/.exec(status!)![1]!;
    const health = await fetch(`${url}/api/v1/health`);
    expect(health.status).toBe(200);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^roomd_device_online\{device="display",driver="samsung-mdc"\} [01]$/m);

    // WATCHDOG_USEC=400000: a ping every 200 ms, so 5 a second; at least 3 within about a second of
    // READY (2 s of slack: this machine's 2 cores are shared, and a late tick skips its ping).
    await fake.waitFor(() => fake!.with('WATCHDOG=1').filter((m) => m.t >= ready.t && m.t <= ready.t + 2000).length >= 3, 4000, '3 watchdog pings');
    // The simulator connects within moments; STATUS= follows the online count.
    await fake.waitFor(() => fake!.messages.some((m) => m.fields.some((f) => f.startsWith('STATUS=1/1 devices online'))), 5000, 'STATUS= with the display online');

    const sentAt = Date.now();
    proc.kill('SIGTERM');
    await fake.waitFor(() => fake!.with('STOPPING=1').length > 0, 5000, 'STOPPING=1');
    const { code, at } = await exited;
    expect(code, output).toBe(0);
    expect(at - sentAt).toBeLessThan(5000);
    // No ping after STOPPING=1: the watchdog stopped with the service.
    const stoppingAt = fake.with('STOPPING=1')[0]!.t;
    expect(fake.with('WATCHDOG=1').filter((m) => m.t > stoppingAt + 50)).toEqual([]);
  });
});
