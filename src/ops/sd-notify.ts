import { spawn } from 'node:child_process';
import type { Logger } from '../core/logger.ts';

/**
 * sd_notify(3) for a Node process, without a native addon.
 *
 * The protocol is one datagram on the AF_UNIX SOCK_DGRAM socket named by `$NOTIFY_SOCKET` (a path,
 * or a Linux abstract name when it starts with `@`), holding newline-separated `KEY=VALUE` fields.
 * Node has no unix datagram sockets (`dgram` is UDP only, `net` is SOCK_STREAM only), so each
 * message is handed to `systemd-notify`, which ships with systemd itself and so is present wherever
 * `$NOTIFY_SOCKET` is set. Two consequences, both handled here and in systemd/roomd.service:
 *
 * - the datagram's sender credentials are those of the short-lived `systemd-notify` child, not of
 *   roomd, so the unit needs `NotifyAccess=all` (with `main`, systemd drops every message);
 * - systemd must still find the sender's cgroup after it exited: `systemd-notify` waits (BARRIER=1)
 *   until systemd processed the message (systemd ≥ 246), so messages are never lost that way.
 *   We send one message at a time, so they also arrive in order.
 *
 * See systemd/README.md for the alternatives considered (unix-dgram, sd-notify: native addons).
 */

/** Fields of one notification, e.g. `{ READY: 1, STATUS: '4/5 devices online' }`. */
export type NotifyFields = Record<string, string | number | boolean>;

/** Sends one notification datagram made of `fields` (`KEY=VALUE` each) to `socket`. */
export type NotifySend = (socket: string, fields: string[]) => Promise<void>;

/** What systemd told this process through its environment. */
export interface SystemdEnv {
  /** `$NOTIFY_SOCKET`, when set. */
  socket?: string;
  /** `$WATCHDOG_USEC` in milliseconds, when set, positive and meant for this process (`$WATCHDOG_PID`). */
  watchdogMs?: number;
}

/** Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` like sd_notify(3) and sd_watchdog_enabled(3). */
export function readSystemdEnv(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): SystemdEnv {
  const result: SystemdEnv = {};
  const socket = env.NOTIFY_SOCKET?.trim();
  if (socket && (socket.startsWith('/') || socket.startsWith('@'))) result.socket = socket;
  const usec = Number(env.WATCHDOG_USEC);
  const forPid = env.WATCHDOG_PID ? Number(env.WATCHDOG_PID) : pid;
  if (Number.isSafeInteger(usec) && usec > 0 && forPid === pid) result.watchdogMs = usec / 1000;
  return result;
}

/**
 * Turns fields into `KEY=VALUE` assignments. Keys are upper-case identifiers; a value cannot hold
 * a newline (it would start a new field), so newlines become spaces; `true` is sent as `1`.
 */
export function formatFields(fields: NotifyFields): string[] {
  const out: string[] = [];
  for (const [key, raw] of Object.entries(fields)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key)) throw new Error(`sd_notify field names are upper-case identifiers, not '${key}'`);
    if (raw === false) continue;
    const value = raw === true ? '1' : String(raw).replace(/[\r\n]+/g, ' ');
    out.push(`${key}=${value}`);
  }
  return out;
}

/**
 * The default sender: runs `systemd-notify KEY=VALUE...` with `NOTIFY_SOCKET` in its environment.
 * Resolves once systemd acknowledged the message (systemd-notify's barrier), rejects on a non-zero
 * exit, and kills the child after `timeoutMs` so a wedged manager cannot pile up processes.
 */
export function systemdNotifySender(command = 'systemd-notify', timeoutMs = 5000): NotifySend {
  return (socket, fields) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(command, ['--', ...fields], {
        stdio: ['ignore', 'ignore', 'pipe'],
        // Only what it needs: the socket, and PATH for nothing else to go wrong.
        env: { NOTIFY_SOCKET: socket, PATH: process.env.PATH ?? '/usr/bin:/bin' },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        if (stderr.length < 500) stderr += d.toString();
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`${command} ${signal ? `killed by ${signal}` : `exited ${code}`}${stderr ? `: ${stderr.trim()}` : ''}`));
      });
    });
}

export interface WatchdogOptions {
  /** Time between pings; default half of `WATCHDOG_USEC`, as sd_watchdog_enabled(3) recommends. */
  intervalMs?: number;
  /** Main's view of the daemon; no ping while it says false. */
  isHealthy: () => boolean;
  /**
   * A tick later than this (the event loop was blocked or starved) sends no ping: a process that
   * cannot run its timers on time cannot serve a panel either. Default: `intervalMs`.
   */
  maxLagMs?: number;
  /** Extra fields sent with each ping, e.g. a fresh STATUS= when it changed. */
  extra?: () => NotifyFields | undefined;
}

/** A running watchdog. */
export interface Watchdog {
  stop(): void;
  /** Lateness of the last tick, in ms (event-loop lag as the watchdog saw it). */
  readonly lastLagMs: number;
  /** Pings sent and skipped so far. */
  readonly pings: number;
  readonly skipped: number;
}

/**
 * Talks to systemd for one process. Created once, early (before any child process is spawned): it
 * takes `NOTIFY_SOCKET` and `WATCHDOG_*` out of `process.env`, so device helpers (cec-client,
 * baresip, pactl) neither inherit them nor, under `NotifyAccess=all`, speak for roomd.
 */
export class SdNotifier {
  private chain: Promise<void> = Promise.resolve();
  private pendingPing = false;
  private warned = false;
  private disabled = false;

  constructor(
    readonly env: SystemdEnv,
    private readonly log?: Logger,
    private readonly send: NotifySend = systemdNotifySender(),
  ) {}

  /** Reads the environment (and by default unsets it, like sd_notify's `unset_environment`). */
  static fromEnv(options: { env?: NodeJS.ProcessEnv; log?: Logger; send?: NotifySend; unset?: boolean } = {}): SdNotifier {
    const env = options.env ?? process.env;
    const notifier = new SdNotifier(readSystemdEnv(env), options.log, options.send);
    if (options.unset ?? true) {
      delete env.NOTIFY_SOCKET;
      delete env.WATCHDOG_USEC;
      delete env.WATCHDOG_PID;
    }
    return notifier;
  }

  /** True when a service manager is listening. */
  get enabled(): boolean {
    return this.env.socket !== undefined && !this.disabled;
  }

  /** The ping interval systemd asked for (half of WATCHDOG_USEC), when it configured a watchdog. */
  get watchdogIntervalMs(): number | undefined {
    return this.env.watchdogMs === undefined ? undefined : Math.max(1, Math.floor(this.env.watchdogMs / 2));
  }

  /**
   * Sends one notification. Never rejects: a failure is logged (once at warn level, then debug),
   * because roomd must keep serving the room even if it cannot tell systemd about it.
   */
  notify(fields: NotifyFields): Promise<void> {
    const socket = this.env.socket;
    if (!socket || this.disabled) return Promise.resolve();
    const assignments = formatFields(fields);
    if (assignments.length === 0) return Promise.resolve();
    const run = async () => {
      try {
        await this.send(socket, assignments);
      } catch (err) {
        const error = err as NodeJS.ErrnoException;
        if (error.code === 'ENOENT') {
          this.disabled = true;
          this.log?.error({ err: error.message }, 'NOTIFY_SOCKET is set but systemd-notify cannot be run: systemd will not see roomd as started; install systemd or use Type=simple');
          return;
        }
        if (!this.warned) this.log?.warn({ err: error.message, fields: assignments }, 'sd_notify failed');
        else this.log?.debug({ err: error.message, fields: assignments }, 'sd_notify failed');
        this.warned = true;
      }
    };
    // One message at a time, in order: STATUS then STOPPING must not arrive swapped.
    const next = this.chain.then(run);
    this.chain = next;
    return next;
  }

  /**
   * Pings `WATCHDOG=1` every `intervalMs` while the event loop keeps time and `isHealthy()` holds.
   * A ping still waiting behind a slow one is not queued twice.
   */
  startWatchdog(options: WatchdogOptions): Watchdog {
    const intervalMs = options.intervalMs ?? this.watchdogIntervalMs;
    const state = { lastLagMs: 0, pings: 0, skipped: 0, timer: undefined as NodeJS.Timeout | undefined, stopped: false };
    const watchdog: Watchdog = {
      stop: () => {
        state.stopped = true;
        clearTimeout(state.timer);
      },
      get lastLagMs() {
        return state.lastLagMs;
      },
      get pings() {
        return state.pings;
      },
      get skipped() {
        return state.skipped;
      },
    };
    if (!intervalMs || !this.enabled) return watchdog;
    const maxLagMs = options.maxLagMs ?? intervalMs;
    let unhealthyLogged = false;
    // A chain of timeouts rather than setInterval, so lateness is measured against each tick's own due time.
    const schedule = (due: number) => {
      state.timer = setTimeout(() => tick(due), Math.max(0, due - performance.now()));
      state.timer.unref?.();
    };
    const tick = (due: number) => {
      if (state.stopped) return;
      const now = performance.now();
      state.lastLagMs = Math.max(0, now - due);
      let healthy = false;
      try {
        healthy = options.isHealthy();
      } catch (err) {
        this.log?.warn({ err: (err as Error).message }, 'health check for the watchdog threw');
      }
      if (state.lastLagMs > maxLagMs || !healthy) {
        state.skipped++;
        if (!unhealthyLogged) this.log?.warn({ lagMs: Math.round(state.lastLagMs), healthy }, 'not pinging the systemd watchdog');
        unhealthyLogged = true;
      } else {
        unhealthyLogged = false;
        if (!this.pendingPing) {
          this.pendingPing = true;
          state.pings++;
          const fields = { WATCHDOG: 1, ...(options.extra?.() ?? {}) };
          void this.notify(fields).finally(() => {
            this.pendingPing = false;
          });
        }
      }
      schedule(now + intervalMs);
    };
    // The first ping goes out at once: systemd starts counting when the service starts.
    schedule(performance.now());
    return watchdog;
  }

  /** Resolves when every notification sent so far has been handed over (or failed). */
  flush(): Promise<void> {
    return this.chain;
  }
}
