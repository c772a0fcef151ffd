import type { Daemon } from '../daemon.ts';
import type { Logger } from '../core/logger.ts';
import type { MeetingState } from '../core/meeting.ts';
import type { DeviceRecord } from '../core/state-store.ts';
import type { SdNotifier, Watchdog } from './sd-notify.ts';

/**
 * The one-line `STATUS=` systemd shows in `systemctl status roomd`, e.g.
 * `4/5 devices online (offline: camera), meeting active — http://127.0.0.1:8080`.
 */
export function statusLine(devices: DeviceRecord[], meeting: Pick<MeetingState, 'active' | 'phase'>, url?: string): string {
  const online = devices.filter((d) => d.online).length;
  const offline = devices.filter((d) => !d.online).map((d) => d.id);
  const shown = offline.length > 3 ? `${offline.slice(0, 3).join(', ')}, +${offline.length - 3}` : offline.join(', ');
  const meetingText =
    meeting.phase === 'starting' ? 'meeting starting'
    : meeting.phase === 'ending' ? 'meeting ending'
    : meeting.active ? 'meeting active'
    : 'no meeting';
  return `${online}/${devices.length} devices online${offline.length ? ` (offline: ${shown})` : ''}, ${meetingText}${url ? ` — ${url}` : ''}`;
}

/** What main keeps to finish the conversation with systemd. */
export interface ServiceNotifications {
  /** Sends `STOPPING=1` (and a last STATUS=), stops the watchdog; resolves once sent or after `timeoutMs`. */
  stopping(reason: string, timeoutMs?: number): Promise<void>;
  readonly watchdog: Watchdog | undefined;
}

export interface ServiceNotifyOptions {
  /**
   * Whether the daemon is fit to be pinged. Default: the HTTP server is listening and every device
   * supervisor is doing its job (online, or reconnecting, not wedged in a connect). Deliberately not
   * "every device online": a restart cannot plug a cable back in, and would drop the devices that work.
   */
  isHealthy?: () => boolean;
  /** Coalesces bursts of device changes into one STATUS= update. */
  statusDebounceMs?: number;
}

/**
 * Wires a started daemon to systemd: `READY=1` with a first `STATUS=` now (the HTTP server is
 * listening and devices are being supervised), `STATUS=` again whenever the online count or the
 * meeting changes, and `WATCHDOG=1` pings when `WATCHDOG_USEC` is set. A no-op outside systemd.
 */
export function startServiceNotifications(daemon: Daemon, notifier: SdNotifier, log: Logger, options: ServiceNotifyOptions = {}): ServiceNotifications {
  const owner = {};
  const current = () => statusLine(daemon.room.devices(), daemon.meeting.current, daemon.url);
  let lastStatus = current();
  let statusTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  void notifier.notify({ READY: 1, STATUS: lastStatus });
  if (notifier.enabled) log.info({ status: lastStatus, watchdogMs: notifier.env.watchdogMs }, 'told systemd roomd is ready');

  const pushStatus = () => {
    statusTimer = undefined;
    if (stopped) return;
    const line = current();
    if (line === lastStatus) return;
    lastStatus = line;
    void notifier.notify({ STATUS: line });
  };
  const scheduleStatus = () => {
    if (!notifier.enabled || stopped || statusTimer) return;
    statusTimer = setTimeout(pushStatus, options.statusDebounceMs ?? 250);
    statusTimer.unref?.();
  };
  daemon.room.events.on('device', (change) => {
    if (change.changed.includes('online')) scheduleStatus();
  }, owner);
  daemon.room.events.on('deviceAdded', scheduleStatus, owner);
  daemon.room.events.on('deviceRemoved', scheduleStatus, owner);
  daemon.meeting.events.on('meeting', scheduleStatus, owner);

  const isHealthy = options.isHealthy ?? (() => daemon.app.server.listening && daemon.room.supervisorsHealthy());
  const watchdog = notifier.watchdogIntervalMs ? notifier.startWatchdog({ isHealthy }) : undefined;

  return {
    watchdog,
    async stopping(reason: string, timeoutMs = 1500) {
      if (stopped) return;
      stopped = true;
      clearTimeout(statusTimer);
      watchdog?.stop();
      daemon.room.events.removeOwner(owner);
      daemon.meeting.events.removeOwner(owner);
      const sent = notifier.notify({ STOPPING: 1, STATUS: `stopping (${reason}): stopping cameras, draining command queues` });
      // systemd is already stopping us; never let a slow notification hold up the shutdown itself.
      await Promise.race([sent, new Promise((r) => setTimeout(r, timeoutMs).unref?.())]);
    },
  };
}
