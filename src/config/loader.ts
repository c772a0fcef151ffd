import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { Value, type TSchema } from '../core/typebox.ts';
import { RoomdConfig, HttpSection, SessionsSection, DeviceConfig } from './schema.ts';
import { ConfigError, locate, pointerToSegments, segmentsToPath, type ConfigProblem, type PathSegment } from './problems.ts';
import { configWarnings } from './warnings.ts';
import { TransportConfig as TransportSchema } from '../transports/config.ts';
import { COMMANDS } from '../core/capabilities.ts';
import { validateCommand, makeCommand } from '../core/command.ts';
import type { DriverModule } from '../core/driver-api.ts';
import { DriverRegistry } from '../core/driver-registry.ts';
import { isRoomError } from '../core/errors.ts';
import { isKnownTimeZone } from '../core/zoned-time.ts';

export interface LoadedConfig {
  file: string;
  config: RoomdConfig;
  /** The driver module of every configured device, by device id. */
  drivers: Map<string, DriverModule>;
  /** Valid but unwise settings (see warnings.ts): printed by `--check`, logged at start. */
  warnings: ConfigProblem[];
}

/** Collects problems with their positions in the source (the fleet collector's config uses it too). */
export class Problems {
  readonly list: ConfigProblem[] = [];
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  add(segments: PathSegment[], message: string): void {
    const { line, col } = locate(this.doc, this.lines, segments);
    const path = segmentsToPath(segments);
    if (this.list.some((p) => p.path === path && p.message === message)) return;
    this.list.push({ file: this.file, line, col, path, message });
  }

  schema(schema: TSchema, value: unknown, prefix: PathSegment[]): void {
    for (const error of Value.Errors(schema, value)) {
      const segments = [...prefix, ...pointerToSegments(error.path)];
      // A union's own error says nothing useful; transports are refined by their `type` below.
      if (error.message === 'Expected union value' && segments.at(-1) === 'transport') continue;
      this.add(segments, describeError(error.message, error.schema));
    }
  }
}

function describeError(message: string, schema: TSchema): string {
  if (message === 'Unexpected property') return 'unknown key (check the spelling; see docs/configuration.md)';
  if (schema.anyOf && Array.isArray(schema.anyOf) && schema.anyOf.every((s: TSchema) => 'const' in s)) {
    return `must be one of ${schema.anyOf.map((s: TSchema) => JSON.stringify(s.const)).join(', ')}`;
  }
  if (schema.pattern && message.startsWith('Expected string to match')) return `must match ${schema.pattern}`;
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/**
 * Reads, validates and resolves a config file. Throws ConfigError with every problem found, each
 * with file, line, column and key path; never a stack trace for a mistake in the file.
 */
export async function loadConfig(file: string, registry = new DriverRegistry()): Promise<LoadedConfig> {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message: `cannot read config: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file, registry, dirname(path));
}

/**
 * Parses YAML text into a mapping and a problem collector that knows where each key is. Throws
 * ConfigError for YAML syntax errors and for a document that is not a mapping.
 */
export function readYamlMapping(text: string, file: string, expected = 'room:, devices:, ...'): { doc: Document; lines: LineCounter; raw: Record<string, unknown>; problems: Problems } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, col: pos.col, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message: `the config must be a mapping (${expected})` }]);
  }
  return { doc, lines, raw: raw as Record<string, unknown>, problems: new Problems(file, doc, lines) };
}

export async function parseConfig(text: string, file: string, registry = new DriverRegistry(), baseDir = process.cwd()): Promise<LoadedConfig> {
  const { doc, lines, raw, problems } = readYamlMapping(text, file);
  const data = structuredClone(raw) as Record<string, unknown>;
  data.http ??= {};
  data.sessions ??= {};
  const config = Value.Default(RoomdConfig, data) as RoomdConfig;
  // TypeBox does not descend into Record values, so each device gets its defaults here.
  if (config.devices && typeof config.devices === 'object') {
    for (const [id, device] of Object.entries(config.devices)) {
      if (device && typeof device === 'object') config.devices[id] = Value.Default(DeviceConfig, device) as DeviceConfig;
    }
  }
  problems.schema(RoomdConfig, config, []);
  const timeZone = config.room?.timezone;
  if (typeof timeZone === 'string' && !isKnownTimeZone(timeZone)) {
    problems.add(['room', 'timezone'], `unknown time zone ${JSON.stringify(timeZone)}: use an IANA name such as Europe/Paris`);
  }

  const drivers = new Map<string, DriverModule>();
  const devices = (config.devices && typeof config.devices === 'object' ? config.devices : {}) as Record<string, DeviceConfig>;
  for (const [id, device] of Object.entries(devices)) {
    if (!device || typeof device.driver !== 'string') continue;
    await checkDevice(id, device, registry, problems, drivers, baseDir);
  }
  checkScenes(config, drivers, problems);
  checkMqtt(config, problems, baseDir);
  resolveSecrets(config, problems, baseDir);
  // Under systemd (StateDirectory=roomd) the default database lives in /var/lib/roomd.
  const rawSessions = (raw as { sessions?: { database?: unknown } }).sessions;
  if (rawSessions?.database === undefined && process.env.STATE_DIRECTORY && config.sessions) {
    config.sessions.database = join(process.env.STATE_DIRECTORY.split(':')[0]!, 'sessions.db');
  }
  // Paths in the file are relative to the file, wherever roomd was started from.
  if (config.sessions?.database && config.sessions.database !== ':memory:') {
    config.sessions.database = resolveMaybeRelative(config.sessions.database, baseDir, true);
  }
  checkCalendar(config, problems, baseDir);
  if (problems.list.length) throw new ConfigError(problems.list);
  return { file, config, drivers, warnings: configWarnings(config, file, doc, lines) };
}

async function checkDevice(
  id: string,
  device: DeviceConfig,
  registry: DriverRegistry,
  problems: Problems,
  drivers: Map<string, DriverModule>,
  baseDir: string,
): Promise<void> {
  let module: DriverModule;
  try {
    module = await registry.load(device.driver);
  } catch (err) {
    problems.add(['devices', id, 'driver'], isRoomError(err) ? err.message : String(err));
    return;
  }
  drivers.set(id, module);
  const { manifest } = module;
  device.options = Value.Default(manifest.options, device.options ?? {}) as Record<string, unknown>;
  problems.schema(manifest.options, device.options, ['devices', id, 'options']);

  const transport = device.transport;
  if (transport === undefined) {
    if (!manifest.defaultTransport) problems.add(['devices', id], `driver ${manifest.name} needs a transport (one of: ${allowedTransports(module).join(', ')})`);
    return;
  }
  const type = (transport as { type?: unknown }).type;
  const variant = TransportSchema.anyOf.find((s) => s.properties.type.const === type);
  if (!variant) {
    problems.add(['devices', id, 'transport', 'type'], `must be one of ${allowedTransports(module).join(', ')}`);
    return;
  }
  device.transport = Value.Default(variant, transport) as DeviceConfig['transport'];
  problems.schema(variant, device.transport, ['devices', id, 'transport']);
  if (!allowedTransports(module).includes(type as string)) {
    problems.add(['devices', id, 'transport', 'type'], `driver ${manifest.name} cannot use '${String(type)}' (it supports ${allowedTransports(module).join(', ')})`);
  }
  if (type === 'serial' && typeof (transport as { path?: unknown }).path === 'string') {
    (transport as { path: string }).path = resolveMaybeRelative((transport as { path: string }).path, baseDir, false);
  }
}

function allowedTransports(module: DriverModule): string[] {
  return [...module.manifest.transports, ...(module.startSimulator ? ['sim'] : [])];
}

function checkScenes(config: RoomdConfig, drivers: Map<string, DriverModule>, problems: Problems): void {
  for (const scene of ['meetingStart', 'meetingEnd'] as const) {
    const steps = config.scenes?.[scene];
    if (!Array.isArray(steps)) continue;
    steps.forEach((step, index) => {
      const at: PathSegment[] = ['scenes', scene, index];
      if (!step || typeof step !== 'object') return;
      if (!config.devices?.[step.device]) {
        problems.add([...at, 'device'], `unknown device '${step.device}' (configured: ${Object.keys(config.devices ?? {}).join(', ') || 'none'})`);
        return;
      }
      const spec = COMMANDS.get(step.command);
      if (!spec) {
        problems.add([...at, 'command'], `unknown command '${step.command}'`);
        return;
      }
      const module = drivers.get(step.device);
      if (module && !module.manifest.capabilities.includes(spec.capability)) {
        problems.add([...at, 'command'], `${step.device} (${module.manifest.name}) has no '${spec.capability}' capability for ${step.command}`);
        return;
      }
      try {
        validateCommand(makeCommand(step.device, step.command, step.args ?? {}, { surface: 'scene' }));
      } catch (err) {
        if (isRoomError(err)) problems.add([...at, 'args'], err.message);
      }
    });
  }
}

/** Device ids that would collide with the room's own MQTT topics (`B/status`, `B/meeting/...`). */
const RESERVED_DEVICE_IDS = new Set(['status', 'meeting', 'result', 'sessions', 'report', 'selftest', 'bookings']);

function checkMqtt(config: RoomdConfig, problems: Problems, baseDir: string): void {
  for (const id of Object.keys(config.devices ?? {})) {
    if (RESERVED_DEVICE_IDS.has(id)) problems.add(['devices', id], `'${id}' is reserved (it is one of the room's MQTT topics); rename the device`);
  }
  const mqtt = config.mqtt;
  if (!mqtt) return;
  if (!mqtt.url === !mqtt.embedded) problems.add(['mqtt'], 'give exactly one of url (an existing broker) or embedded (a broker inside roomd)');
  for (const key of ['ca', 'cert', 'key'] as const) {
    const file = mqtt.tls?.[key];
    if (!file) continue;
    const path = resolveMaybeRelative(file, baseDir, true);
    try {
      readFileSync(path);
      mqtt.tls![key] = path;
    } catch (err) {
      problems.add(['mqtt', 'tls', key], `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
}

/** A calendar URL roomd can read: http(s), file://, or a path (relative to the config file). */
function checkCalendar(config: RoomdConfig, problems: Problems, baseDir: string): void {
  const calendar = config.calendar;
  if (!calendar || typeof calendar.url !== 'string') return;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(calendar.url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    calendar.url = pathToFileURL(resolveMaybeRelative(calendar.url, baseDir, true)).href;
  } else if (!['http', 'https', 'file'].includes(scheme)) {
    problems.add(['calendar', 'url'], `must be http://, https:// (CalDAV or ICS), file:// or a path; got ${scheme}:`);
  } else {
    try {
      new URL(calendar.url);
    } catch {
      problems.add(['calendar', 'url'], 'is not a valid URL');
    }
  }
  if (calendar.password !== undefined && calendar.username === undefined) problems.add(['calendar'], 'a password needs a username');
}

/**
 * Reads `...File` secrets into their plain keys, so nothing later needs to know where a secret came
 * from. Also used for the fleet collector's config (same `http.tokens` and `mqtt.passwordFile`).
 */
export function resolveSecrets(config: Pick<RoomdConfig, 'http'> & Partial<Pick<RoomdConfig, 'mqtt' | 'calendar' | 'devices'>>, problems: Problems, baseDir: string): void {
  const read = (file: string, at: PathSegment[]): string | undefined => {
    try {
      const value = readFileSync(resolveMaybeRelative(file, baseDir, true), 'utf8').trim();
      if (!value) problems.add(at, `secret file ${file} is empty`);
      return value;
    } catch (err) {
      problems.add(at, `cannot read secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return undefined;
    }
  };
  (config.http?.tokens ?? []).forEach((token, i) => {
    if (token.tokenFile) {
      const value = read(token.tokenFile, ['http', 'tokens', i, 'tokenFile']);
      if (value !== undefined) token.token = value;
    }
    if (!token.token && !token.tokenFile) problems.add(['http', 'tokens', i], 'needs token or tokenFile');
  });
  if (config.mqtt?.passwordFile) {
    const value = read(config.mqtt.passwordFile, ['mqtt', 'passwordFile']);
    if (value !== undefined) config.mqtt.password = value;
  }
  if (config.calendar?.passwordFile) {
    const value = read(config.calendar.passwordFile, ['calendar', 'passwordFile']);
    if (value !== undefined) config.calendar.password = value;
  }
  for (const [id, device] of Object.entries(config.devices ?? {})) {
    const t = device?.transport as { password?: string; passwordFile?: string } | undefined;
    if (t?.passwordFile) {
      const value = read(t.passwordFile, ['devices', id, 'transport', 'passwordFile']);
      if (value !== undefined) t.password = value;
    }
  }
}

export function resolveMaybeRelative(p: string, baseDir: string, always: boolean): string {
  if (p.startsWith('/')) return p;
  return always || p.startsWith('.') ? resolve(baseDir, p) : p;
}

export { HttpSection, SessionsSection };
