import { Type, type Static } from '@sinclair/typebox';
import { TransportConfig } from '../transports/config.ts';

/**
 * The configuration file's schema (CONTRACT §2): the single source of truth for its types and its
 * validation. Every object rejects unknown keys, so a typo is reported instead of ignored.
 */
const strict = { additionalProperties: false } as const;
const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 48 });

export const Role = Type.Union([Type.Literal('panel'), Type.Literal('technician'), Type.Literal('readonly')]);
export type Role = Static<typeof Role>;

export const TokenConfig = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    role: Role,
    token: Type.Optional(Type.String({ minLength: 16, description: 'at least 16 characters' })),
    tokenFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  strict,
);

export const RoomSection = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    locale: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }),
    helpLine: Type.Optional(Type.String({ description: 'phone number shown on the panel when something fails' })),
    organisations: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    timezone: Type.Optional(Type.String()),
  },
  strict,
);

export const HttpSection = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    tokens: Type.Array(TokenConfig, { default: [] }),
    /**
     * Other names this server may be reached by (e.g. `salle.mairie.lan`), besides loopback
     * addresses, `localhost`, `host` and this machine's own addresses. Any other Host header is
     * refused with 421 (DNS rebinding).
     */
    allowedHosts: Type.Array(Type.String({ minLength: 1, pattern: '^[^\\s/]+$' }), { default: [], description: 'extra host names this server answers to' }),
    /** Origins (e.g. `https://dashboard.lan`) allowed to read, and to change state; `*` opens reads only without tokens. */
    cors: Type.Optional(Type.Array(Type.String())),
    /** 4 to 8 digits; `--check` warns below 6. */
    panelPin: Type.Optional(Type.String({ pattern: '^[0-9]{4,8}$' })),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
    rateLimitPerMinute: Type.Integer({ minimum: 1, default: 1200, description: 'mutating requests per client per minute' }),
  },
  strict,
);

export const MqttSection = Type.Object(
  {
    url: Type.Optional(Type.String()),
    embedded: Type.Optional(Type.Object({ host: Type.String({ default: '127.0.0.1' }), port: Type.Integer({ minimum: 0, maximum: 65535 }) }, strict)),
    baseTopic: Type.String({ default: 'roomd', pattern: '^[^#+]+$' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    passwordFile: Type.Optional(Type.String()),
    clientId: Type.Optional(Type.String()),
    role: Type.Union([Role], { default: 'panel' }),
    protocolVersion: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(5)])),
    tls: Type.Optional(
      Type.Object(
        { ca: Type.Optional(Type.String()), cert: Type.Optional(Type.String()), key: Type.Optional(Type.String()), rejectUnauthorized: Type.Optional(Type.Boolean()) },
        strict,
      ),
    ),
    homeAssistant: Type.Object(
      { discovery: Type.Boolean({ default: true }), prefix: Type.String({ default: 'homeassistant' }) },
      { ...strict, default: {} },
    ),
  },
  strict,
);

export const SiteConfig = Type.Object({ name: Type.String({ minLength: 1 }), roundTripKm: Type.Number({ minimum: 0, maximum: 5000 }) }, strict);

export const SessionsSection = Type.Object(
  {
    database: Type.String({ default: './.roomd/sessions.db' }),
    co2KgPerKm: Type.Number({ minimum: 0, maximum: 5, default: 0.244 }),
    sites: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }), SiteConfig, { default: {} }),
    auditRetentionDays: Type.Integer({ minimum: 1, default: 90 }),
  },
  strict,
);

export const DeviceConfig = Type.Object(
  {
    driver: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
    name: Type.Optional(Type.String()),
    transport: Type.Optional(TransportConfig),
    options: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    /** PTZ only: stop the camera when move updates stop arriving for this long (0 disables). */
    deadmanMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 500 }),
    pollIntervalMs: Type.Optional(Type.Integer({ minimum: 100 })),
  },
  strict,
);

export const SceneStep = Type.Object(
  {
    device: Type.String(),
    command: Type.String(),
    args: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Wait until the device state has these values before running the step, e.g. { power: on }. */
    waitFor: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 120_000 })),
  },
  strict,
);
export type SceneStep = Static<typeof SceneStep>;

export const MeetingSection = Type.Object(
  {
    /** End the meeting when no call is connected and nothing was touched for this long (0 disables). */
    idleMinutes: Type.Integer({ minimum: 0, default: 30 }),
    /** Local time "HH:MM" at which any meeting still open is ended (never during a call). */
    nightlyEndAt: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' })),
  },
  { ...strict, default: {} },
);

/** Bookings from the room's shared calendar: a CalDAV collection or an ICS feed. Absent: no bookings. */
export const CalendarSection = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'a CalDAV collection (http/https) or an ICS feed (http/https, file:// or a path)' }),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    passwordFile: Type.Optional(Type.String({ minLength: 1 })),
    refreshSeconds: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
    /** Warm-up and self-test this long before each booking (0: never before a booking). */
    prepareMinutes: Type.Integer({ minimum: 0, maximum: 240, default: 15 }),
    /** A booking not started this long after its start is a no-show. */
    noShowMinutes: Type.Integer({ minimum: 1, maximum: 240, default: 15 }),
    /** End a meeting booked until E at E + 10 min, never during a call. */
    autoEnd: Type.Boolean({ default: true }),
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 120, default: 20, description: 'per request to the calendar server' }),
  },
  strict,
);

export const DirectoryEntry = Type.Object({ name: Type.String({ minLength: 1 }), number: Type.String({ minLength: 1 }) }, strict);

export const RoomdConfig = Type.Object(
  {
    room: RoomSection,
    http: Type.Optional(HttpSection),
    mqtt: Type.Optional(MqttSection),
    sessions: Type.Optional(SessionsSection),
    devices: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }), DeviceConfig, { default: {} }),
    directory: Type.Array(DirectoryEntry, { default: [] }),
    scenes: Type.Object(
      { meetingStart: Type.Array(SceneStep, { default: [] }), meetingEnd: Type.Array(SceneStep, { default: [] }) },
      { ...strict, default: {} },
    ),
    meeting: MeetingSection,
    calendar: Type.Optional(CalendarSection),
  },
  strict,
);

export type RoomdConfig = Static<typeof RoomdConfig> & {
  http: Static<typeof HttpSection>;
  sessions: Static<typeof SessionsSection>;
};
export type DeviceConfig = Static<typeof DeviceConfig>;
export type TokenConfig = Static<typeof TokenConfig>;
export type MqttConfig = Static<typeof MqttSection>;
export type HttpConfig = Static<typeof HttpSection>;
export type SessionsConfig = Static<typeof SessionsSection>;
export type MeetingConfig = Static<typeof MeetingSection>;
export type CalendarConfig = Static<typeof CalendarSection>;
