import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Type, Value, type Static } from '../core/typebox.ts';
import { Problems, readYamlMapping, resolveMaybeRelative, resolveSecrets } from '../config/loader.ts';
import { ConfigError } from '../config/problems.ts';
import { HttpSection } from '../config/schema.ts';
import { isKnownTimeZone } from '../core/zoned-time.ts';

const strict = { additionalProperties: false } as const;

/** The collector's broker section: like a room's, without what only a room does (embedded, HA, role). */
export const FleetMqttSection = Type.Object(
  {
    url: Type.String({ pattern: '^(mqtts?|wss?)://', description: 'the broker every room publishes to (or a central broker bridged to site brokers)' }),
    baseTopic: Type.String({ default: 'roomd', pattern: '^[^#+]+$', description: 'the rooms\' `mqtt.baseTopic`' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    passwordFile: Type.Optional(Type.String({ description: 'a file holding the password, instead of `password`' })),
    clientId: Type.String({
      default: 'roomd-fleet',
      minLength: 1,
      description: 'fixed, so the broker keeps this collector\'s session (and the sessions rooms publish) while it is down',
    }),
    protocolVersion: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(5)], { description: 'MQTT 3.1.1 (4) or 5; default 5' })),
    keepaliveSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  },
  strict,
);

export const FleetConfig = Type.Object(
  {
    mqtt: FleetMqttSection,
    http: HttpSection,
    database: Type.String({ minLength: 1, description: 'the collector\'s SQLite file (relative paths are relative to this file)' }),
    locale: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr', description: 'the fleet page\'s language' }),
    timezone: Type.Optional(Type.String({ description: 'IANA time zone of the territory, for months and bare dates in reports; default: the system\'s' })),
    rooms: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }), Type.Object({ name: Type.String({ minLength: 1 }) }, strict), { description: 'display names of rooms by id (rooms do not publish theirs)', additionalProperties: false })),
  },
  strict,
);
export type FleetConfig = Static<typeof FleetConfig>;

/** The collector listens on 8090 unless told otherwise (a room daemon on the same machine has 8080). */
const DEFAULT_PORT = 8090;

/** Reads and validates a fleet config; throws ConfigError with `FILE:LINE:COL path: message` problems. */
export function loadFleetConfig(file: string): FleetConfig {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message: `cannot read config: ${(err as Error).message}` }]);
  }
  return parseFleetConfig(text, file, dirname(resolve(file)));
}

export function parseFleetConfig(text: string, file: string, baseDir = process.cwd()): FleetConfig {
  const { raw, problems } = readYamlMapping(text, file, 'mqtt:, http:, database:');
  const data = structuredClone(raw);
  if (data.http === undefined) data.http = {};
  if (data.http && typeof data.http === 'object' && (data.http as { port?: unknown }).port === undefined) (data.http as { port?: number }).port = DEFAULT_PORT;
  const config = Value.Default(FleetConfig, data) as FleetConfig;
  (problems as Problems).schema(FleetConfig, config, []);
  if (typeof config.timezone === 'string' && !isKnownTimeZone(config.timezone)) {
    problems.add(['timezone'], `unknown time zone ${JSON.stringify(config.timezone)}: use an IANA name such as Europe/Paris`);
  }
  if (config.mqtt && typeof config.mqtt === 'object' && config.mqtt.password !== undefined && config.mqtt.passwordFile !== undefined) {
    problems.add(['mqtt'], 'give password or passwordFile, not both');
  }
  if (problems.list.length) throw new ConfigError(problems.list);
  resolveSecrets(config as unknown as Parameters<typeof resolveSecrets>[0], problems, baseDir);
  if (problems.list.length) throw new ConfigError(problems.list);
  if (config.database !== ':memory:') config.database = resolveMaybeRelative(config.database, baseDir, true);
  return config;
}
