import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ViscaSerialSimulator } from '../../drivers/visca/simulator.ts';
import { hasTool, sleep, until } from '../../tests/helpers/rig.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPILED = join(ROOT, 'dist/src/main.js');
/** The launcher (what `npm start`, the `roomd` command and the systemd unit run): it runs dist/ when fresh. */
const LAUNCHER = join(ROOT, 'bin/roomd.js');

/**
 * The environment the systemd unit gives the daemon (its `Environment=` lines, e.g. the malloc
 * arena cap), so the figures are those of the room as installed. Unquoted `KEY=VALUE` only.
 */
export function unitEnvironment(): Record<string, string> {
  const unit = readFileSync(join(ROOT, 'systemd/roomd.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=([A-Z_][A-Z0-9_]*)=(\S*)$/gm)) env[m[1]!] = m[2]!;
  return env;
}

function newestSource(dir: string, newest = 0): number {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestSource(path, newest);
    else if (entry.name.endsWith('.ts') || dir.includes('public')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds `dist/` (scripts/build.mjs, as `npm run build`) unless it is newer than every source: the
 * figures are those of the compiled daemon, never of the sources through a TypeScript loader.
 */
export function ensureCompiled(): void {
  if (existsSync(COMPILED)) {
    const built = statSync(COMPILED).mtimeMs;
    if (newestSource(join(ROOT, 'src')) <= built && newestSource(join(ROOT, 'drivers')) <= built) return;
  }
  process.stdout.write(' (building dist/)');
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0 || !existsSync(COMPILED)) throw new Error('npm run build failed: the benchmarks measure the compiled daemon');
}

/** The compiled daemon as its own process. */
export interface ProcessDaemon {
  pid: number;
  /** Base URL of its HTTP server (read from its "roomd listening" log line). */
  url: string;
  /** Spawn → the "roomd listening" line, in ms. */
  listeningMs: number;
  /** `performance.now()` at spawn. */
  spawnedAt: number;
  output(): string;
  /** SIGTERM (SIGKILL after 5 s); resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * `node <args>` from the repository root, as the systemd unit runs roomd (its `Environment=`
 * lines, the compiled dist/, info logs to pipes as to journald); `stop` sends SIGTERM, SIGKILL
 * after 5 s, and resolves once the process has exited.
 */
export function spawnLauncher(args: string[]): { child: ChildProcess; stop(): Promise<void> } {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...unitEnvironment(), ROOMD_FROM_SOURCE: '0', ROOMD_LOG_LEVEL: process.env.ROOMD_LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Spawns `node [nodeArgs] bin/roomd.js --config file` on a fresh dist/ (info logs to a pipe, as to journald). */
export async function spawnCompiled(configFile: string, timeoutMs = 20_000): Promise<ProcessDaemon> {
  ensureCompiled();
  // ROOMD_BENCH_NODE_ARGS (e.g. `--max-semi-space-size=2`) tries Node flags on the daemon.
  const nodeArgs = process.env.ROOMD_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const spawnedAt = performance.now();
  const { child, stop } = spawnLauncher([...nodeArgs, LAUNCHER, '--config', configFile]);
  let out = '';
  let url: string | undefined;
  let listeningMs = 0;
  const onData = (c: Buffer) => {
    // Keep the head (start-up) and a bounded tail: a long run logs every command.
    out = out.length > 200_000 ? out.slice(0, 50_000) + out.slice(-100_000) : out;
    out += c.toString();
    if (!url) {
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"roomd listening"/.exec(out);
      if (match) {
        url = match[1]!.replace('[::1]', '127.0.0.1');
        listeningMs = performance.now() - spawnedAt;
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const deadline = spawnedAt + timeoutMs;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`roomd exited (${child.exitCode}):\n${out.slice(-2000)}`);
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`roomd did not listen within ${timeoutMs} ms:\n${out.slice(-2000)}`);
    }
    await sleep(2);
  }
  return { pid: child.pid!, url, listeningMs, spawnedAt, output: () => out, stop };
}

/** GET `/api/v1/health` of a daemon process. */
export async function health(url: string): Promise<{ status: string; devices: Record<string, boolean>; checks: Record<string, { ok: boolean }> }> {
  const res = await fetch(`${url}/api/v1/health`);
  return (await res.json()) as never;
}

/** Resolves once health says every device is online and every listed check (e.g. `mqtt`) is ok. */
export function untilHealthy(url: string, checks: string[] = [], timeoutMs = 15_000): Promise<void> {
  return until('daemon healthy', async () => {
    const h = await health(url).catch(() => undefined);
    return !!h && Object.values(h.devices).every(Boolean) && checks.every((c) => h.checks[c]?.ok === true);
  }, timeoutMs);
}

/** VmRSS (or `RssAnon`, its private part) of a process, in MiB, from /proc (Linux). */
export function rssMb(pid: number, field: 'VmRSS' | 'RssAnon' = 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]) / 1024;
}

/** A VISCA camera simulator here, on a real link, and the compiled daemon driving it from its own process. */
export interface CameraProcessRig {
  sim: ViscaSerialSimulator;
  daemon: ProcessDaemon;
  roomId: string;
  /** `pty (socat)` or `loopback TCP (no socat)`, for the notes. */
  link: string;
  /** The temp directory (config, database). */
  dir: string;
  close(): Promise<void>;
}

/**
 * Starts the camera over a socat pty when socat exists (else loopback TCP), optionally paced at a
 * baud rate, and the compiled daemon as its own process with `extraYaml` (e.g. an `mqtt:`
 * section) after `prepare(dir)`; resolves once the camera (and each of `checks`) is healthy. The simulator lives in
 * this process, so its frame timestamps share the benchmark's clock.
 */
export async function startCameraProcessRig(options: { baudRate?: number; extraYaml?: string; checks?: string[]; prepare?: (dir: string) => void } = {}): Promise<CameraProcessRig> {
  const pty = process.env.ROOMD_BENCH_LINK !== 'tcp' && hasTool('socat');
  const sim = await ViscaSerialSimulator.start({ link: pty ? 'pty' : 'tcp', ...(options.baudRate ? { baudRate: options.baudRate } : {}) });
  const t = sim.transport;
  const transport = t.type === 'serial' ? `{ type: serial, path: "${t.path}", baudRate: ${options.baudRate ?? 9600} }` : `{ type: tcp, host: 127.0.0.1, port: ${(t as { port: number }).port} }`;
  const dir = mkdtempSync(join(tmpdir(), 'roomd-bench-'));
  const file = join(dir, 'room.yaml');
  writeFileSync(file, `
room: { id: bench, name: Bench }
http: { host: 127.0.0.1, port: 0, rateLimitPerMinute: 1000000 }
sessions: { database: "${join(dir, 'sessions.db')}" }
devices:
  camera: { driver: visca, transport: ${transport}, options: { presets: { "1": "Salle", "2": "Pupitre" } } }
${options.extraYaml ?? ''}
`);
  const cleanup = async (daemon?: ProcessDaemon) => {
    await daemon?.stop();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let daemon: ProcessDaemon | undefined;
  try {
    options.prepare?.(dir); // e.g. a sessions.db with a backlog, before the daemon opens it
    daemon = await spawnCompiled(file);
    await untilHealthy(daemon.url, options.checks ?? []);
  } catch (err) {
    await cleanup(daemon);
    throw err;
  }
  const baud = options.baudRate ? ` at ${options.baudRate} baud` : '';
  return {
    sim,
    daemon,
    roomId: 'bench',
    link: pty ? `pty (socat)${baud}` : `loopback TCP${hasTool('socat') ? '' : ' (socat missing)'}${baud}`,
    dir,
    close: () => cleanup(daemon),
  };
}
