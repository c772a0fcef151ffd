import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { Authenticator, isLoopback } from './api/auth.ts';
import { HealthRegistry, type ApiContext } from './api/context.ts';
import { buildServer, type RoutePlugin } from './api/rest/server.ts';
import type { LoadedConfig } from './config/loader.ts';
import type { DeviceConfig, RoomdConfig } from './config/schema.ts';
import { loadConfig } from './config/loader.ts';
import { applyConfig, roomInfo, type ReloadResult } from './reload.ts';
import { MeetingController } from './core/meeting.ts';
import { Room, type CommandResult } from './core/room.ts';
import type { BackoffOptions, DeviceSpec } from './core/device-runtime.ts';
import { createLogger } from './logging.ts';
import { SessionStore } from './sessions/index.ts';
import { sessionRoutes } from './api/rest/session-routes.ts';
import { metricsRoutes } from './api/rest/metrics-routes.ts';
import { panelRoutes } from './api/panel/index.ts';
import type { MqttService } from './api/mqtt/index.ts';
import { bookingRoutes } from './api/rest/booking-routes.ts';
import { selftestRoutes } from './api/rest/selftest-routes.ts';
import { reportCsvRoutes } from './api/rest/report-csv-routes.ts';
import type { Bookings } from './calendar/index.ts';
import { SelfTestService } from './selftest/service.ts';

export interface DaemonOptions {
  log?: PinoLogger;
  /** Override http.port (tests use 0 for an ephemeral port). */
  port?: number;
  backoff?: BackoffOptions;
  /** Extra route plugins (the composition root passes sessions, panel and metrics routes). */
  plugins?: RoutePlugin[];
  /** A session store to use; `null` runs without one; absent opens `sessions.database` from the config. */
  sessions?: SessionStore | null;
  /** How often a failing session log is retried and its file checked (tests shorten it). */
  sessionsRetryMs?: number;
  /**
   * The wall clock (tests jump and move it: durations, bookings, no-shows, warm-up, auto-end) and
   * the monotonic one durations are measured on (default `performance.now`). The composition root
   * passes neither.
   */
  clock?: { now?: () => Date; monotonic?: () => number };
  /** MQTT bridge tuning (tests shorten the fleet outbox's re-send interval). */
  mqtt?: import('./api/mqtt/bridge.ts').BridgeOptions;
}

function epochMs(now: () => Date): () => number {
  return () => now().getTime();
}

/** Never throws: an unusable file starts the store degraded (health names it), the room runs. */
function openSessions(config: RoomdConfig, log: PinoLogger, retryMs?: number, now?: () => Date): SessionStore {
  return SessionStore.openOrDegrade({
    ...(retryMs ? { retryMs } : {}),
    ...(now ? { now: () => now().getTime() } : {}),
    path: config.sessions.database,
    room: config.room.id,
    co2KgPerKm: config.sessions.co2KgPerKm,
    sites: config.sessions.sites,
    retentionDays: config.sessions.auditRetentionDays,
    log: log.child({ module: 'sessions' }),
    ...(config.room.timezone ? { timeZone: config.room.timezone } : {}),
  });
}

/** A running roomd: what `main.ts` starts and what integration tests start in-process. */
export interface Daemon {
  config: RoomdConfig;
  room: Room;
  meeting: MeetingController;
  app: FastifyInstance;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:8080 */
  url: string;
  ctx: ApiContext;
  /** The calendar and its scheduler, when `calendar` is configured. */
  bookings?: Bookings;
  /** Re-reads the config file and applies it; a bad file changes nothing and throws ConfigError. */
  reload(): Promise<ReloadResult>;
  stop(): Promise<void>;
}

/** A device's config section as the runtime wants it. */
export function toDeviceSpec(id: string, device: DeviceConfig): DeviceSpec {
  return {
    id,
    driver: device.driver,
    ...(device.name ? { name: device.name } : {}),
    ...(device.transport ? { transport: device.transport } : {}),
    options: device.options,
    deadmanMs: device.deadmanMs,
    ...(device.pollIntervalMs ? { pollIntervalMs: device.pollIntervalMs } : {}),
  };
}

/** Wires the core, the devices and the HTTP server from a loaded config. */
export async function startDaemon(loaded: LoadedConfig, options: DaemonOptions = {}): Promise<Daemon> {
  const { config } = loaded;
  const log = options.log ?? createLogger();
  const room = new Room(roomInfo(config), log, options.backoff);
  for (const [id, device] of Object.entries(config.devices)) room.addDevice(toDeviceSpec(id, device), loaded.drivers.get(id)!);
  const sessions = options.sessions === undefined ? openSessions(config, log, options.sessionsRetryMs, options.clock?.now) : options.sessions ?? undefined;
  if (sessions) {
    for (const s of sessions.recoverInterrupted()) log.warn({ session: s.id, startedAt: s.startedAt }, 'session left open by a previous run closed as interrupted');
    const audit = (result: CommandResult) => {
      const { command } = result;
      sessions.audit({
        who: command.source.identity ?? command.source.surface,
        surface: command.source.surface,
        device: command.device || null, // room-wide commands (meeting.*) name no device
        command: command.command,
        args: command.args,
        ok: result.ok,
        errorCode: result.error?.code ?? null,
        latencyMs: Math.round(result.latencyMs * 100) / 100,
      });
    };
    room.events.on('command', audit);
    room.events.on('refused', audit);
  }
  const meeting = new MeetingController(room, sessions, {
    meetingStart: config.scenes.meetingStart,
    meetingEnd: config.scenes.meetingEnd,
    idleMinutes: config.meeting.idleMinutes,
    ...(config.meeting.nightlyEndAt ? { nightlyEndAt: config.meeting.nightlyEndAt } : {}),
    ...(config.room.timezone ? { timeZone: config.room.timezone } : {}),
    ...(options.clock ?? {}),
  }, log.child({ module: 'meeting' }));

  for (const w of loaded.warnings ?? []) log.warn({ file: w.file, line: w.line, key: w.path }, w.message);
  const auth = new Authenticator(config.http.tokens);
  if (auth.open && !isLoopback(config.http.host) && config.http.host !== 'localhost') {
    log.warn({ host: config.http.host }, 'no API tokens configured: only clients on this machine will be served; configure http.tokens to allow the panel or others');
  }
  const ctx: ApiContext = { room, meeting, ...(sessions ? { sessions } : {}), config, auth, log, health: new HealthRegistry() };
  if (sessions) ctx.health.register('sessions', () => sessions.health());
  const wallMs = options.clock?.now ? { now: epochMs(options.clock.now) } : {};
  ctx.selftest = new SelfTestService(room, { log: log.child({ module: 'selftest' }), ...wallMs });
  // Loaded only for a room with a calendar (the iCalendar parser is not small).
  const bookings = config.calendar
    ? (await import('./calendar/index.ts')).startBookings({ config, room, meeting, ...(sessions ? { sessions } : {}), selftest: ctx.selftest, log, ...wallMs })
    : undefined;
  if (bookings) {
    ctx.calendar = bookings.calendar;
    ctx.health.register('calendar', () => bookings.calendar.health());
  }
  const app = await buildServer(ctx, [sessionRoutes, metricsRoutes, panelRoutes, bookingRoutes, selftestRoutes, reportCsvRoutes, ...(options.plugins ?? [])]);
  const address = await app.listen({ host: config.http.host, port: options.port ?? config.http.port });
  log.info({ url: address, devices: room.deviceIds() }, 'roomd listening');
  // MQTT never blocks start-up or the REST API: the bridge connects (and reconnects) on its own.
  const mqtt: MqttService | undefined = config.mqtt ? await (await import('./api/mqtt/index.ts')).startMqtt(ctx, options.mqtt) : undefined;

  let stopping: Promise<void> | undefined;
  let reloading: Promise<ReloadResult> | undefined;
  const daemon: Daemon = {
    config,
    room,
    meeting,
    app,
    url: address.replace('[::1]', '127.0.0.1'),
    ctx,
    ...(bookings ? { bookings } : {}),
    reload() {
      // One reload at a time; a second request waits for the first and then reloads again.
      const run = async () => {
        const next = await loadConfig(loaded.file);
        const result = await applyConfig(daemon, next, toDeviceSpec);
        log.info(result, 'configuration reloaded');
        return result;
      };
      reloading = (reloading ?? Promise.resolve()).catch(() => undefined).then(run) as Promise<ReloadResult>;
      return reloading;
    },
    stop() {
      stopping ??= (async () => {
        bookings?.stop();
        meeting.closeForShutdown();
        meeting.close();
        await mqtt?.stop();
        await app.close();
        await room.stop();
        sessions?.close();
      })();
      return stopping;
    },
  };
  ctx.reload = () => daemon.reload();
  return daemon;
}
