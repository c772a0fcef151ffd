import { Type, type Static } from '../core/typebox.ts';
import { TransportConfig } from '../transports/config.ts';

/**
 * The configuration file's schema: the single source of truth for its types, its validation and its
 * reference (docs/configuration.md, generated from the `description`s here by `npm run docs`).
 * Every object rejects unknown keys, so a typo is reported instead of ignored.
 */
const strict = { additionalProperties: false } as const;
const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 48 });

export const Role = Type.Union([Type.Literal('panel'), Type.Literal('technician'), Type.Literal('readonly')], {
  description: 'readonly: GET only; panel: state, meeting start and end, volume, microphones, camera presets and moves, calls; technician: everything',
});
export type Role = Static<typeof Role>;

export const TokenConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'who this is, in logs, the audit trail and session records' }),
    role: Role,
    token: Type.Optional(Type.String({ minLength: 16, description: 'the bearer token itself' })),
    tokenFile: Type.Optional(Type.String({ minLength: 1, description: 'a file holding the token (one line), instead of `token`' })),
  },
  strict,
);

export const RoomSection = Type.Object(
  {
    id: { ...Id, description: 'used in MQTT topics and session records' } as typeof Id,
    name: Type.String({ minLength: 1, description: 'shown on the panel and in Home Assistant' }),
    locale: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr', description: 'the panel\'s language' }),
    helpLine: Type.Optional(Type.String({ description: 'phone number shown on the panel when something fails' })),
    organisations: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'the organisations that use the room, offered on the panel at start' }),
    timezone: Type.Optional(Type.String({ description: 'IANA time zone of the room (e.g. Europe/Paris) for reports and the nightly end; default: the system\'s' })),
  },
  strict,
);

export const HttpSection = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'address to listen on' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    tokens: Type.Array(TokenConfig, { default: [], description: 'none: only clients on this machine are served, with every right' }),
    /**
     * Other names this server may be reached by (e.g. `salle.mairie.lan`), besides loopback
     * addresses, `localhost`, `host` and this machine's own addresses. Any other Host header is
     * refused with 421 (DNS rebinding).
     */
    allowedHosts: Type.Array(Type.String({ minLength: 1, pattern: '^[^\\s/]+$' }), { default: [], description: 'extra host names this server answers to' }),
    /** `*` opens reads only without tokens. */
    cors: Type.Optional(Type.Array(Type.String(), { description: 'origins allowed to call the API from a browser (reads and changes); none: same origin only' })),
    /** 4 to 8 digits; `--check` warns below 6. */
    panelPin: Type.Optional(Type.String({ pattern: '^[0-9]{4,8}$', description: 'PIN that opens the panel\'s technician page' })),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'largest request body accepted' }),
    rateLimitPerMinute: Type.Integer({ minimum: 1, default: 1200, description: 'mutating requests per client per minute' }),
  },
  strict,
);

export const MqttSection = Type.Object(
  {
    url: Type.Optional(Type.String({ description: 'an external broker: mqtt://, mqtts://, ws:// or wss://' })),
    embedded: Type.Optional(Type.Object({ host: Type.String({ default: '127.0.0.1' }), port: Type.Integer({ minimum: 0, maximum: 65535 }) }, { ...strict, description: 'run a broker inside roomd instead' })),
    baseTopic: Type.String({ default: 'roomd', pattern: '^[^#+]+$', description: 'topics are `baseTopic/room.id/...`' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    passwordFile: Type.Optional(Type.String({ description: 'a file holding the password, instead of `password`' })),
    clientId: Type.Optional(Type.String({ description: 'default: roomd-<room.id>-<random>' })),
    role: Type.Union([Role], { default: 'panel', description: 'the rights of commands received over MQTT (see `http.tokens[].role`)' }),
    protocolVersion: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(5)], { description: 'MQTT 3.1.1 (4) or 5; default 5' })),
    tls: Type.Optional(
      Type.Object(
        { ca: Type.Optional(Type.String()), cert: Type.Optional(Type.String()), key: Type.Optional(Type.String()), rejectUnauthorized: Type.Optional(Type.Boolean()) },
        strict,
      ),
    ),
    homeAssistant: Type.Object(
      { discovery: Type.Boolean({ default: true, description: 'publish Home Assistant MQTT discovery for every entity' }), prefix: Type.String({ default: 'homeassistant', description: 'Home Assistant\'s discovery prefix' }) },
      { ...strict, default: {} },
    ),
  },
  strict,
);

export const SiteConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'shown on the panel and in reports' }),
    roundTripKm: Type.Number({ minimum: 0, maximum: 5000, description: 'from the room\'s town to the site and back, by road' }),
  },
  strict,
);

export const SessionsSection = Type.Object(
  {
    database: Type.String({ default: './.roomd/sessions.db', description: 'the SQLite file; its directory is created' }),
    co2KgPerKm: Type.Number({ minimum: 0, maximum: 5, default: 0.244, description: 'kg of CO₂ per km of driving avoided' }),
    sites: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }), SiteConfig, { default: {}, description: 'places people would otherwise have driven to; the key is what `avoidedTravel[].site` names' }),
    auditRetentionDays: Type.Integer({ minimum: 1, default: 90, description: 'audit rows older than this are deleted' }),
  },
  strict,
);

export const DeviceConfig = Type.Object(
  {
    driver: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'a folder under drivers/ (see [Drivers](#drivers))' }),
    name: Type.Optional(Type.String({ description: 'display name; default: the id' })),
    transport: Type.Optional({ ...TransportConfig, description: 'how to reach the device; may be left out when the driver has a default transport' }),
    options: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: 'what is specific to the driver, checked against its schema (see [Drivers](#drivers))' }),
    deadmanMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 500, description: 'PTZ only: stop the camera when move updates stop arriving for this long (0 disables)' }),
    pollIntervalMs: Type.Optional(Type.Integer({ minimum: 100, description: 'how often the device is polled while online; default: the driver\'s' })),
  },
  strict,
);

export const SceneStep = Type.Object(
  {
    device: Type.String({ description: 'a key of `devices`' }),
    command: Type.String({ description: 'a command of one of the device\'s capabilities (docs/rest-api.md)' }),
    args: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'the command\'s arguments' })),
    waitFor: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'wait until the device state has these values before running the step, e.g. `{ power: on }`' })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 120_000, description: 'the step fails (the others go on) when it takes longer' })),
  },
  strict,
);
export type SceneStep = Static<typeof SceneStep>;

export const MeetingSection = Type.Object(
  {
    idleMinutes: Type.Integer({ minimum: 0, default: 30, description: 'end the meeting when no call is connected and nothing was touched for this long (0 disables)' }),
    nightlyEndAt: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local time "HH:MM" at which a meeting still open is ended (never during a call)' })),
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

export const DirectoryEntry = Type.Object(
  { name: Type.String({ minLength: 1, description: 'shown on the panel' }), number: Type.String({ minLength: 1, description: 'what the codec dials: a SIP URI or a number' }) },
  strict,
);

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
