import { parseArgs } from 'node:util';
import { UsageError, parseAssignments } from './values.ts';

export const USAGE = `usage: roomctl [--url URL] [--token TOKEN] [--json] [--timeout SECONDS] COMMAND ...

commands:
  state                                   room, meeting and every device
  devices                                 every device: online, state, last error
  device ID                               one device
  device ID COMMAND [key=value ...]       send a command, e.g. device camera recallPreset preset=2
                                            values: numbers, true/false, JSON; key:=JSON forces JSON
  meeting start [--organisation X] [--title T] [--dial NUMBER] [--travel SITE=PEOPLE ...]
  meeting end [--travel SITE=PEOPLE ...]    (exit 1 when a step of the scene did not succeed)
  sessions [--csv] [--from DATE] [--to DATE] [--organisation X] [--limit N] [--offset N]
  report [--month YYYY-MM | --from DATE --to DATE]
  logs [--follow]                         the event stream (state, meeting, session), one line each
  health                                  ok, or degraded (exit 1), per device
  discover [--serial PATH ...] [--driver NAME ...] [--seconds N]
                                          cameras: ONVIF by WS-Discovery on the LAN, VISCA on the serial
                                            ports given; prints config snippets to paste

options:
  --url URL          roomd's address (default: $ROOMD_URL, else http://127.0.0.1:8080)
  --token TOKEN      bearer token (default: $ROOMD_TOKEN; prefer the variable: arguments show in ps)
  --json             machine-readable output (the API's JSON; logs: one JSON object per line)
  --timeout SECONDS  give up waiting for an answer after this long (default 120: a meeting start
                     waits for every device)

exit codes: 0 ok, 1 roomd or a device refused or failed the command, 2 usage error (nothing was
sent), 3 cannot reach roomd, 4 authentication or permission refused`;

/** Options every command takes. */
export interface Globals {
  url: string;
  token?: string;
  json: boolean;
  timeoutMs: number;
}

export type Invocation =
  | { cmd: 'help' }
  | { cmd: 'state' }
  | { cmd: 'devices' }
  | { cmd: 'health' }
  | { cmd: 'device'; id: string; command?: string; args: Record<string, unknown> }
  | { cmd: 'meeting'; action: 'start' | 'end'; body: Record<string, unknown> }
  | { cmd: 'sessions'; csv: boolean; query: Record<string, string> }
  | { cmd: 'report'; query: Record<string, string> }
  | { cmd: 'logs'; follow: boolean }
  | { cmd: 'discover'; body: { serialPorts?: string[]; drivers?: string[]; timeoutMs?: number } };

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  csv: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  organisation: { type: 'string' },
  organization: { type: 'string' },
  title: { type: 'string' },
  dial: { type: 'string' },
  travel: { type: 'string', multiple: true },
  limit: { type: 'string' },
  offset: { type: 'string' },
  month: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  serial: { type: 'string', multiple: true },
  driver: { type: 'string', multiple: true },
  seconds: { type: 'string' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

const GLOBAL = new Set(['url', 'token', 'json', 'timeout', 'help']);
/** Which options each command accepts besides the global ones. */
const ALLOWED: Record<string, string[]> = {
  state: [],
  devices: [],
  health: [],
  device: [],
  'meeting start': ['organisation', 'organization', 'title', 'dial', 'travel'],
  'meeting end': ['travel'],
  sessions: ['csv', 'from', 'to', 'organisation', 'organization', 'limit', 'offset'],
  report: ['month', 'from', 'to', 'organisation', 'organization'],
  logs: ['follow'],
  discover: ['serial', 'driver', 'seconds'],
};

/** Reads argv (without `node roomctl`) and the environment into what to do. Throws UsageError. */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = {}): { globals: Globals; invocation: Invocation } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const values = parsed.values as Values;
  const positionals = parsed.positionals;
  const globals = parseGlobals(values, env);
  const [cmd, ...rest] = positionals;
  if (values.help || cmd === undefined || cmd === 'help') return { globals, invocation: { cmd: 'help' } };

  const name = cmd === 'meeting' ? `meeting ${rest[0] ?? ''}` : cmd;
  if (cmd === 'meeting' && rest[0] !== 'start' && rest[0] !== 'end') throw new UsageError(`meeting needs 'start' or 'end'`);
  const allowed = ALLOWED[name];
  if (!allowed) throw new UsageError(`unknown command '${cmd}'`);
  for (const key of Object.keys(values)) {
    if (!GLOBAL.has(key) && !allowed.includes(key)) throw new UsageError(`--${key} does not apply to '${name}'`);
  }
  const organisation = values.organisation ?? values.organization;

  switch (cmd) {
    case 'state':
    case 'devices':
    case 'health':
      noMore(name, rest);
      return { globals, invocation: { cmd } };
    case 'device': {
      const [id, command, ...assignments] = rest;
      if (!id) throw new UsageError('device needs an ID (roomctl devices lists them)');
      if (command !== undefined && !/^[A-Za-z][A-Za-z0-9]*$/.test(command)) throw new UsageError(`'${command}' is not a command name (e.g. powerOn, recallPreset)`);
      if (command === undefined) return { globals, invocation: { cmd: 'device', id, args: {} } };
      return { globals, invocation: { cmd: 'device', id, command, args: parseAssignments(assignments) } };
    }
    case 'meeting': {
      const action = rest[0] as 'start' | 'end';
      noMore(name, rest.slice(1));
      const body: Record<string, unknown> = {};
      if (organisation !== undefined) body.organisation = organisation;
      if (values.title !== undefined) body.title = values.title;
      if (values.dial !== undefined) body.dial = values.dial;
      if (values.travel) body.avoidedTravel = values.travel.map(parseTravel);
      return { globals, invocation: { cmd: 'meeting', action, body } };
    }
    case 'sessions': {
      noMore(name, rest);
      const query: Record<string, string> = {};
      if (values.from) query.from = values.from;
      if (values.to) query.to = values.to;
      if (organisation) query.organisation = organisation;
      if (values.limit !== undefined) query.limit = count('--limit', values.limit);
      if (values.offset !== undefined) query.offset = count('--offset', values.offset);
      return { globals, invocation: { cmd: 'sessions', csv: values.csv ?? false, query } };
    }
    case 'report': {
      noMore(name, rest);
      const query: Record<string, string> = {};
      if (values.month !== undefined) {
        if (values.from || values.to) throw new UsageError('--month or --from/--to, not both');
        if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(values.month)) throw new UsageError(`--month takes YYYY-MM, e.g. 2026-11 (got '${values.month}')`);
        // A bare month as `to` includes that whole month (see the sessions API).
        query.from = values.month;
        query.to = values.month;
      }
      if (values.from) query.from = values.from;
      if (values.to) query.to = values.to;
      if (organisation) query.organisation = organisation;
      return { globals, invocation: { cmd: 'report', query } };
    }
    case 'logs':
      noMore(name, rest);
      return { globals, invocation: { cmd: 'logs', follow: values.follow ?? false } };
    case 'discover': {
      noMore(name, rest);
      const body: { serialPorts?: string[]; drivers?: string[]; timeoutMs?: number } = {};
      if (values.serial) body.serialPorts = values.serial;
      if (values.driver) body.drivers = values.driver;
      if (values.seconds !== undefined) {
        const seconds = Number(values.seconds);
        if (!(seconds >= 0.1 && seconds <= 10)) throw new UsageError(`--seconds takes 0.1 to 10 (got '${values.seconds}')`);
        body.timeoutMs = Math.round(seconds * 1000);
      }
      return { globals, invocation: { cmd: 'discover', body } };
    }
  }
  throw new UsageError(`unknown command '${cmd}'`);
}

function parseGlobals(values: Values, env: NodeJS.ProcessEnv): Globals {
  const url = (values.url ?? env.ROOMD_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--url / ROOMD_URL must be an http(s) URL, e.g. http://127.0.0.1:8080 (got '${url}')`);
  }
  const token = values.token ?? (env.ROOMD_TOKEN?.trim() || undefined);
  let timeoutMs = 120_000;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!(seconds > 0 && seconds <= 3600)) throw new UsageError(`--timeout takes seconds, 0 < s ≤ 3600 (got '${values.timeout}')`);
    timeoutMs = seconds * 1000;
  }
  return { url, ...(token ? { token } : {}), json: values.json ?? false, timeoutMs };
}

function noMore(name: string, rest: string[]): void {
  if (rest.length) throw new UsageError(`'${name}' takes no argument '${rest[0]}'`);
}

function count(option: string, raw: string): string {
  if (!/^\d{1,9}$/.test(raw)) throw new UsageError(`${option} takes a whole number (got '${raw}')`);
  return raw;
}

/** `montpellier=3` → `{ site: 'montpellier', people: 3 }`. */
function parseTravel(raw: string): { site: string; people: number } {
  const m = /^([a-z0-9][a-z0-9-]*)=(\d{1,3})$/.exec(raw);
  if (!m) throw new UsageError(`--travel takes SITE=PEOPLE, e.g. montpellier=3 (got '${raw}')`);
  return { site: m[1]!, people: Number(m[2]) };
}
