import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { COMMANDS } from '../core/capabilities.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { MeetingController } from '../core/meeting.ts';
import type { CommandResult, Room } from '../core/room.ts';
import type { SessionStore } from '../sessions/store.ts';
import { CounterVec, HistogramVec, counter, gauge, renderFamilies, type MetricFamily } from './prometheus.ts';

/**
 * Errors that mean the device was asked and answered badly or not at all. Only these (and
 * successes) go into the latency histogram: a rejected argument or an offline device fails in
 * microseconds and would make a slow serial link look fast.
 */
const DEVICE_OUTCOMES: ReadonlySet<ErrorCode> = new Set(['DeviceError', 'DeviceTimeout', 'Superseded']);

/** How often the event-loop lag is sampled: precise enough to see a blocked loop, cheap enough to leave on. */
const LAG_RESOLUTION_MS = 20;

/** Label value for anything a client named that the room does not have (keeps label cardinality bounded). */
const UNKNOWN = '_unknown';

export interface RoomMetricsSources {
  room: Room;
  meeting: MeetingController;
  sessions?: SessionStore;
}

/**
 * The numbers behind `GET /metrics`. Command outcomes and latencies are counted from the room's
 * `command` events; everything else (online, queue depth, reconnects, memory, event-loop lag,
 * sessions) is read from the store and the runtimes at scrape time. Nothing here touches a device.
 */
export class RoomMetrics {
  private readonly owner = {};
  private readonly commands = new CounterVec(
    'roomd_commands_total',
    'Commands received by any surface, by device, command and outcome (ok, or the error code).',
    ['device', 'command', 'outcome'],
  );
  private readonly latency = new HistogramVec(
    'roomd_command_duration_seconds',
    'Time from a command being received to the device acknowledging it (or failing), by device.',
    ['device'],
  );
  private readonly loopDelay: RecordableHistogram = createHistogram();
  private readonly loopTimer: NodeJS.Timeout;
  private readonly startTime = Date.now() / 1000 - process.uptime();

  constructor(private readonly sources: RoomMetricsSources) {
    sources.room.events.on('command', (result) => this.record(result), this.owner);
    // Our own 20 ms ticker rather than monitorEventLoopDelay(): that one measures from its previous
    // tick, and after a reset() it drops the first tick — so a block right after a scrape went unseen.
    let due = performance.now() + LAG_RESOLUTION_MS;
    this.loopTimer = setInterval(() => {
      const now = performance.now();
      this.loopDelay.record(Math.max(1, Math.round((now - due) * 1e6)));
      due = now + LAG_RESOLUTION_MS;
    }, LAG_RESOLUTION_MS);
    this.loopTimer.unref();
  }

  private record(result: CommandResult): void {
    const known = this.sources.room.runtime(result.command.device) !== undefined;
    const device = known ? result.command.device : UNKNOWN;
    const command = COMMANDS.has(result.command.command) ? result.command.command : UNKNOWN;
    const outcome = result.ok ? 'ok' : result.error?.code ?? 'Internal';
    this.commands.inc({ device, command, outcome });
    if (known && (result.ok || DEVICE_OUTCOMES.has(result.error!.code))) {
      this.latency.observe({ device }, result.latencyMs / 1000);
    }
  }

  /** Every family, in exposition order. Event-loop lag figures cover the time since the last scrape. */
  collect(): MetricFamily[] {
    const { room, meeting, sessions } = this.sources;
    const devices = room.devices();
    const runtimes = devices.map((d) => ({ record: d, runtime: room.runtime(d.id) }));
    const families: MetricFamily[] = [
      this.commands.collect(),
      this.latency.collect(),
      gauge('roomd_device_online', '1 when the device is connected and answering, else 0.',
        devices.map((d) => ({ labels: { device: d.id, driver: d.driver }, value: d.online ? 1 : 0 }))),
      gauge('roomd_device_queue_depth', 'Commands waiting in the device queue (not counting the one on the wire).',
        runtimes.map(({ record, runtime }) => ({ labels: { device: record.id }, value: runtime?.queue.depth ?? 0 }))),
      counter('roomd_device_reconnects_total', 'Times the link to the device was lost and reconnection started.',
        runtimes.map(({ record, runtime }) => ({ labels: { device: record.id }, value: runtime?.stats.reconnects ?? 0 }))),
      gauge('roomd_meeting_active', '1 while a meeting is in progress.', meeting.current.active ? 1 : 0),
    ];
    if (sessions) {
      families.push(counter('roomd_sessions_total', 'Meetings recorded in the session log (all time).', sessionCount(sessions)));
    }
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const delay = this.loopDelay;
    const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    families.push(
      gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', memory.rss),
      gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.', memory.heapUsed),
      counter('process_cpu_user_seconds_total', 'User CPU time spent, in seconds.', cpu.user / 1e6),
      counter('process_cpu_system_seconds_total', 'System CPU time spent, in seconds.', cpu.system / 1e6),
      gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.', Math.round(this.startTime)),
      gauge('nodejs_eventloop_lag_p50_seconds', 'Median event-loop delay since the previous scrape.', delay.count ? seconds(delay.percentile(50)) : 0),
      gauge('nodejs_eventloop_lag_p99_seconds', '99th percentile event-loop delay since the previous scrape.', delay.count ? seconds(delay.percentile(99)) : 0),
      gauge('nodejs_eventloop_lag_max_seconds', 'Longest event-loop delay since the previous scrape.', delay.count ? seconds(delay.max) : 0),
    );
    delay.reset();
    return families;
  }

  /** The exposition text. */
  render(): string {
    return renderFamilies(this.collect());
  }

  /** Stops listening and measuring (the HTTP server closed). */
  close(): void {
    this.sources.room.events.removeOwner(this.owner);
    clearInterval(this.loopTimer);
  }

  /** For tests: the current value of roomd_commands_total for one label set. */
  commandCount(device: string, command: string, outcome: string): number {
    return this.commands.get({ device, command, outcome });
  }
}

function sessionCount(sessions: SessionStore): number {
  try {
    return sessions.list({ limit: 1 }).total;
  } catch {
    return Number.NaN; // a broken database shows as NaN rather than failing the whole scrape
  }
}
