import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private PulseAudio daemon with a null sink and a null source, reachable only through its own
 * unix socket: the integration tests and the `sim` transport use it so nothing touches the room
 * PC's real audio server. It runs as root too (PulseAudio warns but works without `--system`),
 * because every path it writes (HOME, XDG_RUNTIME_DIR, PULSE_RUNTIME_PATH, PULSE_STATE_PATH) points
 * into its own directory.
 */
export interface PrivateDaemonOptions {
  /** Name of the null source (the "microphone"). Default `roomd_test_mic`. */
  sourceName?: string;
  /** Name of the null sink (the "speaker"). Default `roomd_test_sink`. */
  sinkName?: string;
  /** Reuse a directory (to restart a daemon on the same socket path); default a fresh temp dir. */
  dir?: string;
  /** The daemon binary. Default `pulseaudio`. */
  binary?: string;
  /** How long to wait for the socket to accept connections. Default 5000 ms. */
  startTimeoutMs?: number;
}

/** A running private daemon. */
export interface PrivateDaemon {
  /** Value for PULSE_SERVER / `pactl --server`: `unix:<dir>/native`. */
  readonly server: string;
  readonly socketPath: string;
  readonly dir: string;
  readonly sourceName: string;
  readonly sinkName: string;
  readonly pid: number | undefined;
  /** Resolves when the process has exited (for whatever reason). */
  readonly exited: Promise<void>;
  /** Kills the daemon abruptly (tests: "the server went away"); resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the daemon; with `removeDir` (default true when the dir was created here) deletes its files. */
  stop(removeDir?: boolean): Promise<void>;
}

/** True when the `pulseaudio` binary is on PATH. */
export function hasPulseaudio(binary = 'pulseaudio'): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', binary], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Module names must be plain tokens: they end up inside a `load-module` line of the script. */
function checkName(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`invalid PulseAudio object name '${name}'`);
  return name;
}

/** Starts a private daemon and resolves once its socket accepts connections. */
export async function startPrivateDaemon(options: PrivateDaemonOptions = {}): Promise<PrivateDaemon> {
  const sourceName = checkName(options.sourceName ?? 'roomd_test_mic');
  const sinkName = checkName(options.sinkName ?? 'roomd_test_sink');
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'roomd-pulse-')));
  const socketPath = join(dir, 'native');
  for (const sub of ['home', 'runtime', 'state']) await mkdir(join(dir, sub), { recursive: true });
  // A daemon killed with SIGKILL leaves its socket file behind; a restart must not trip on it.
  await rm(socketPath, { force: true });

  const script = [
    `load-module module-null-sink sink_name=${sinkName}`,
    `load-module module-null-source source_name=${sourceName}`,
    `load-module module-native-protocol-unix socket=${socketPath} auth-anonymous=1`,
    `set-default-sink ${sinkName}`,
    `set-default-source ${sourceName}`,
    '',
  ].join('\n');
  const scriptPath = join(dir, 'default.pa');
  await writeFile(scriptPath, script);

  const child = spawn(
    options.binary ?? 'pulseaudio',
    [
      '-n', // no default script: only what we load
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--disallow-exit',
      '--use-pid-file=no',
      '--realtime=no',
      '--high-priority=no',
      '--log-target=stderr',
      '--log-level=notice',
      '-F',
      scriptPath,
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: join(dir, 'home'),
        XDG_RUNTIME_DIR: join(dir, 'runtime'),
        XDG_CONFIG_HOME: join(dir, 'home'),
        PULSE_RUNTIME_PATH: join(dir, 'runtime'),
        PULSE_STATE_PATH: join(dir, 'state'),
        LC_ALL: 'C',
      },
    },
  );
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => {}); // observed below; never an unhandled rejection

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };

  try {
    await Promise.race([waitForSocket(socketPath, options.startTimeoutMs ?? 5000, exited), spawnError]);
  } catch (err) {
    await kill();
    if (ownDir) await rm(dir, { recursive: true, force: true });
    const tail = stderrTail.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`private pulseaudio did not start: ${(err as Error).message}${tail ? ` (${tail})` : ''}`);
  }

  return {
    server: `unix:${socketPath}`,
    socketPath,
    dir,
    sourceName,
    sinkName,
    pid: child.pid,
    exited,
    kill,
    async stop(removeDir = ownDir) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      if (removeDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls the unix socket until a connection succeeds (the daemon is ready) or the daemon exits. */
async function waitForSocket(path: string, timeoutMs: number, exited: Promise<void>): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead) throw new Error('daemon exited during start-up');
    if (await canConnect(path)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`socket ${path} not ready after ${timeoutMs} ms`);
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
