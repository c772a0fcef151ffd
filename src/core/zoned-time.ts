import { existsSync, readlinkSync } from 'node:fs';

/**
 * Wall-clock arithmetic in a named time zone (the room's `room.timezone`), without a library:
 * Intl gives the zone's fields of an instant; the inverse is found by correcting a UTC guess by the
 * zone's offset twice (enough to settle across a DST change).
 *
 * The system's own zone — the usual case: the room's PC is set to the room's zone — is read with
 * Date's local getters instead, and its name from TZ or /etc/localtime. The first Intl formatter a
 * process builds loads ICU's locale data, ~8 MiB resident for the life of the daemon, which an idle
 * room should not pay (bench/README.md, idleRssMbMinimal).
 */

const ZONEINFO = '/usr/share/zoneinfo';
/** An IANA zone name as a path below the zone database ('Europe/Paris', 'UTC', 'Etc/GMT+1'). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

const UTC_ALIASES = new Set(['Etc/UTC', 'Etc/UCT', 'Etc/Universal', 'Etc/Zulu', 'UCT', 'Universal', 'Zulu']);

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this Node knows ('Europe/Paris' yes, 'Mars/Olympus' no). */
export function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone === systemTimeZone()) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

let systemZone: { tz: string | undefined; name: string } | undefined;

/** The process's time zone (from TZ or the system), e.g. 'Europe/Paris'. */
export function systemTimeZone(): string {
  // Node tells V8 when process.env.TZ is assigned; so does this cache.
  if (systemZone?.tz !== process.env.TZ) systemZone = undefined;
  systemZone ??= { tz: process.env.TZ, name: zoneFromEnvironment() ?? Intl.DateTimeFormat().resolvedOptions().timeZone };
  return systemZone.name;
}

/**
 * The zone's name where the C library and V8 find it — TZ (`Europe/Paris` or `:Europe/Paris`),
 * else the /etc/localtime link into the zone database — when it is a zone the database has.
 * Undefined for anything else (a POSIX rule in TZ, a copied /etc/localtime): Intl decides then.
 */
export function zoneFromEnvironment(env: NodeJS.ProcessEnv = process.env, localtime = '/etc/localtime', zoneinfo = ZONEINFO): string | undefined {
  // Intl calls UTC by one name whatever the link says (Debian links /etc/localtime to Etc/UTC).
  const known = (name: string) => (ZONE_NAME.test(name) && existsSync(`${zoneinfo}/${name}`) ? (UTC_ALIASES.has(name) ? 'UTC' : name) : undefined);
  if (env.TZ !== undefined) return env.TZ === '' ? 'UTC' : known(env.TZ.replace(/^:/, ''));
  try {
    const target = readlinkSync(localtime);
    const at = target.indexOf('zoneinfo/');
    return at < 0 ? undefined : known(target.slice(at + 'zoneinfo/'.length));
  } catch {
    return undefined;
  }
}

/** Wall-clock fields of an instant in a time zone (month 1-based). */
export function wallClock(ms: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  if (timeZone === systemTimeZone()) {
    const d = new Date(ms);
    return { y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), min: d.getMinutes(), s: d.getSeconds() };
  }
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { y: out.year!, m: out.month!, d: out.day!, h: out.hour!, min: out.minute!, s: out.second! };
}

/** Offset of the zone from UTC at an instant, in ms (Paris in winter: +3 600 000). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s);
  return asUtc - (ms - (ms % 1000));
}

/** The instant at which the zone's wall clock shows y-m-d h:min (month 1-based; overflow allowed). */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let ms = guess - offsetAt(guess, timeZone);
  ms = guess - offsetAt(ms, timeZone);
  return ms;
}

/** True when the zone's wall clock shows "HH:MM" at some instant in (fromMs, toMs]. */
export function crossedLocalTime(fromMs: number, toMs: number, hhmm: string, timeZone: string): boolean {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const today = wallClock(toMs, timeZone);
  let mark = zonedInstant(today.y, today.m, today.d, h, m, timeZone);
  if (mark > toMs) mark = zonedInstant(today.y, today.m, today.d - 1, h, m, timeZone);
  return mark > fromMs && mark <= toMs;
}

/** Days in a month (month 1-based): 2026-02 has 28. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
