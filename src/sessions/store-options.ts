import { type Logger, silentLogger } from '../core/logger.ts';
import type { Migration } from './schema.ts';
import { SessionDb } from './session-db.ts';
import { DEFAULT_CO2_KG_PER_KM } from './travel.ts';
import type { SiteConfig } from './types.ts';

/** Options of {@link SessionStore.open}; the first four come from the `sessions` config block. */
export interface SessionStoreOptions {
  path: string;
  /** `room.id`, recorded on every session (sessions from several rooms can be merged later). */
  room: string;
  co2KgPerKm?: number;
  sites?: Record<string, SiteConfig>;
  /** Audit rows older than this are pruned (at open, then daily). 0 or Infinity: keep forever. Default 365. */
  retentionDays?: number;
  log?: Logger;
  carpoolSeats?: number;
  /** Zone for report months and bare dates in filters; default the system's (set TZ=Europe/Paris). */
  timeZone?: string;
  busyTimeoutMs?: number;
  auditFlushMs?: number;
  /** How often the file is checked (deleted? replaced?) and failed writes retried. Default 5 000 ms. */
  retryMs?: number;
  /** Writes kept in memory while the database cannot take them; the oldest are dropped beyond. Default 10 000. */
  maxQueued?: number;
  /** How long health stays `degraded` after the file was deleted or replaced under us. Default 10 min. */
  incidentHoldMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Schema migrations (tests add a later version to check upgrades). */
  migrations?: readonly Migration[];
}

export type ResolvedStoreOptions = SessionStoreOptions & { co2KgPerKm: number; sites: Record<string, SiteConfig>; log: Logger };

/** Options with their defaults filled in. */
export function resolveOptions(options: SessionStoreOptions): ResolvedStoreOptions {
  return { ...options, co2KgPerKm: options.co2KgPerKm ?? DEFAULT_CO2_KG_PER_KM, sites: options.sites ?? {}, log: options.log ?? silentLogger };
}

/** Opens the file, logging a migration. */
export function openConnection(options: ResolvedStoreOptions): SessionDb {
  const conn = SessionDb.open({ path: options.path, busyTimeoutMs: options.busyTimeoutMs, migrations: options.migrations });
  if (conn.migratedFrom !== conn.version) options.log.info({ path: options.path, from: conn.migratedFrom, to: conn.version }, 'session database migrated');
  return conn;
}

