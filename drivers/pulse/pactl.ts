import { execFile, type ExecFileException } from 'node:child_process';
import { ProcessTransport, RoomError } from '../../src/sdk/index.ts';
import { classifyPactlError } from './protocol.ts';

/**
 * How the driver runs pactl: one short-lived `execFile` per command (with a timeout), plus the one
 * long-lived `pactl subscribe`. Every call gets the same arguments prefix (the process transport's
 * `args`, e.g. `--server unix:/tmp/x/native`) and the same environment: LC_ALL=C because pactl's
 * text output is translated, and PULSE_SERVER when the options name a server.
 */
export interface PactlOptions {
  command: string;
  /** Placed before every subcommand (`pactl <prefix...> set-source-mute ...`). */
  prefixArgs: readonly string[];
  /** `options.server` → PULSE_SERVER. */
  server?: string;
  timeoutMs: number;
}

/** Runs pactl and maps its failures to RoomErrors once, so the driver never string-matches. */
export class Pactl {
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly opts: PactlOptions) {
    this.env = { ...process.env, LC_ALL: 'C', ...(opts.server ? { PULSE_SERVER: opts.server } : {}) };
  }

  /** Where pactl is pointed, for error messages. */
  get serverLabel(): string {
    const i = this.opts.prefixArgs.findIndex((a) => a === '-s' || a === '--server' || a.startsWith('--server='));
    if (i >= 0) return this.opts.prefixArgs[i].startsWith('--server=') ? this.opts.prefixArgs[i].slice(9) : (this.opts.prefixArgs[i + 1] ?? '?');
    return this.env.PULSE_SERVER ?? 'the default PulseAudio/PipeWire server';
  }

  /** `pactl --version`, without the prefix (a `--server` there would make it try to connect). */
  version(signal?: AbortSignal): Promise<string> {
    return this.exec(['--version'], 'pactl --version', signal);
  }

  /** Runs `pactl <prefix> <args>` and resolves with stdout. */
  run(args: readonly string[], signal?: AbortSignal): Promise<string> {
    return this.exec([...this.opts.prefixArgs, ...args], `pactl ${args.join(' ')}`, signal);
  }

  /** `pactl subscribe` as a byte transport (its exit error reads `pactl subscribe exited with …`). */
  subscribe(): ProcessTransport {
    return new ProcessTransport(
      { type: 'process', command: this.opts.command, args: [...this.opts.prefixArgs, 'subscribe'] },
      { env: this.env, description: 'pactl subscribe' },
    );
  }

  private exec(args: string[], label: string, signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        this.opts.command,
        args,
        { env: this.env, timeout: this.opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, signal },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          reject(this.toRoomError(err, label, String(stderr).trim()));
        },
      );
    });
  }

  private toRoomError(err: ExecFileException, label: string, stderr: string): RoomError {
    if (err.code === 'ENOENT') {
      return new RoomError('DeviceOffline', `'${this.opts.command}' not found: install pulseaudio-utils (apt-get install pulseaudio-utils)`);
    }
    if (err.name === 'AbortError') return new RoomError('DeviceTimeout', `${label}: aborted`);
    if (err.killed) return new RoomError('DeviceTimeout', `${label}: no answer within ${this.opts.timeoutMs} ms`);
    const text = stderr.split('\n').filter(Boolean).pop() ?? err.message;
    if (classifyPactlError(stderr) === 'offline') {
      return new RoomError('DeviceOffline', `PulseAudio server not reachable (${this.serverLabel}): ${text}`);
    }
    return new RoomError('DeviceError', `${label}: ${text}`);
  }
}
