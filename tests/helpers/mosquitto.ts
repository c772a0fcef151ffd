import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** A real mosquitto on 127.0.0.1, with its own temp config directory. */
export interface Mosquitto {
  port: number;
  url: string;
  dir: string;
  /** Stops the broker (SIGTERM, then SIGKILL); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  close(): Promise<void>;
  /** What the broker printed (its log goes to stderr). */
  output(): string;
}

export interface MosquittoOptions {
  /** `user → password`: written with `mosquitto_passwd -b -c` and anonymous access is turned off. */
  users?: Record<string, string>;
  /** Contents of an acl_file. */
  acl?: string;
  /** PEM files for a TLS listener (the URL becomes mqtts://). */
  tls?: { cafile: string; certfile: string; keyfile: string };
  /** Extra `log_type` lines, e.g. `debug` to see every packet by client id in `output()`. */
  logTypes?: string[];
  /** Keep sessions and queued messages across restarts (`persistence true` in the broker's temp dir). */
  persistence?: boolean;
  /** Extra config lines appended at the end (e.g. a `connection` bridge section). */
  extraLines?: string[];
  /** A fixed port (a bridge config must name its peer's port before that broker starts). */
  port?: number;
}

/** A free TCP port on 127.0.0.1 (mosquitto cannot listen on port 0 and report it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts mosquitto on a free port; call `close()` in afterAll. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-mosquitto-'));
  const port = options.port ?? (await freePort());
  // Run as ourselves: as root, mosquitto would otherwise drop to user 'mosquitto', which cannot read our temp dir.
  const lines = [`user ${userInfo().username}`, ...(options.persistence ? ['persistence true', `persistence_location ${dir}/`] : ['persistence false']), 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', ...(options.logTypes ?? []).map((t) => `log_type ${t}`), `listener ${port} 127.0.0.1`];
  if (options.tls) lines.push(`cafile ${options.tls.cafile}`, `certfile ${options.tls.certfile}`, `keyfile ${options.tls.keyfile}`);
  if (options.users) {
    const file = join(dir, 'passwd');
    let first = true;
    for (const [user, password] of Object.entries(options.users)) {
      execFileSync('mosquitto_passwd', ['-b', ...(first ? ['-c'] : []), file, user, password], { stdio: 'ignore' });
      first = false;
    }
    lines.push('allow_anonymous false', `password_file ${file}`);
  } else {
    lines.push('allow_anonymous true');
  }
  if (options.acl !== undefined) {
    const file = join(dir, 'acl');
    writeFileSync(file, options.acl);
    lines.push(`acl_file ${file}`);
  }
  lines.push(...(options.extraLines ?? []));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);

  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitForPort(port, proc, () => log);
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await start();
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    dir,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => log,
  };
}

/**
 * A throw-away CA and a server certificate for 127.0.0.1 (openssl), for TLS tests. Returns the
 * paths of ca.crt, server.crt and server.key in `dir`.
 */
export function makeTestCertificates(dir: string): { cafile: string; certfile: string; keyfile: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=roomd test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  return { cafile: join(dir, 'ca.crt'), certfile: join(dir, 'server.crt'), keyfile: join(dir, 'server.key') };
}
