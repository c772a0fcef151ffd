import { isDeepStrictEqual } from 'node:util';
import { Authenticator } from './api/auth.ts';
import type { LoadedConfig } from './config/loader.ts';
import type { DeviceConfig, RoomdConfig } from './config/schema.ts';
import type { Daemon } from './daemon.ts';

export interface ReloadResult {
  added: string[];
  removed: string[];
  restarted: string[];
  unchanged: string[];
  /** Settings that only take effect after a restart (listen address, MQTT). */
  needsRestart: string[];
}

/**
 * Applies a new, already validated config to a running daemon. Unchanged devices keep their
 * connections; added, removed and changed devices are started, stopped and restarted. A bad file
 * never reaches here: the loader rejects it and nothing changes.
 */
export async function applyConfig(daemon: Daemon, loaded: LoadedConfig, toDeviceSpec: (id: string, d: DeviceConfig) => Parameters<Daemon['room']['addDevice']>[0]): Promise<ReloadResult> {
  const before = daemon.config;
  const after = loaded.config;
  const result: ReloadResult = { added: [], removed: [], restarted: [], unchanged: [], needsRestart: [] };

  for (const id of Object.keys(before.devices)) {
    if (!(id in after.devices)) {
      await daemon.room.removeDevice(id);
      result.removed.push(id);
    }
  }
  for (const [id, device] of Object.entries(after.devices)) {
    const old = before.devices[id];
    if (old && isDeepStrictEqual(old, device)) {
      result.unchanged.push(id);
      continue;
    }
    if (old) {
      await daemon.room.removeDevice(id);
      result.restarted.push(id);
    } else {
      result.added.push(id);
    }
    daemon.room.addDevice(toDeviceSpec(id, device), loaded.drivers.get(id)!);
  }

  daemon.room.info = roomInfo(after);
  daemon.meeting.configure({
    meetingStart: after.scenes.meetingStart,
    meetingEnd: after.scenes.meetingEnd,
    idleMinutes: after.meeting.idleMinutes,
    ...(after.meeting.nightlyEndAt ? { nightlyEndAt: after.meeting.nightlyEndAt } : {}),
    ...(after.room.timezone ? { timeZone: after.room.timezone } : {}),
  });
  daemon.ctx.auth = new Authenticator(after.http.tokens);
  // http.panelPin, cors, allowedHosts, rateLimitPerMinute and tokens are read at each request
  // and apply once `ctx.config` is replaced below. The body limit can be lowered, not raised past
  // the one the server started with (fastify's own ceiling).
  if (before.http.host !== after.http.host || before.http.port !== after.http.port) result.needsRestart.push('http.host/port');
  if (after.http.bodyLimitBytes > daemon.app.initialConfig.bodyLimit!) result.needsRestart.push('http.bodyLimitBytes');
  if (!isDeepStrictEqual(before.mqtt, after.mqtt)) result.needsRestart.push('mqtt');
  if (!isDeepStrictEqual(before.sessions, after.sessions)) result.needsRestart.push('sessions');
  // The calendar's reader and timers are built once at start-up.
  if (!isDeepStrictEqual(before.calendar, after.calendar)) result.needsRestart.push('calendar');
  daemon.ctx.config = after;
  daemon.config = after;
  return result;
}

export function roomInfo(config: RoomdConfig) {
  return {
    id: config.room.id,
    name: config.room.name,
    locale: config.room.locale,
    ...(config.room.helpLine ? { helpLine: config.room.helpLine } : {}),
    organisations: config.room.organisations,
  };
}
