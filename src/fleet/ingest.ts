import type { IPublishPacket } from 'mqtt';
import { MqttConnection, type ReconnectBackoff } from '../api/mqtt/connection.ts';
import type { BrokerSettings } from '../api/mqtt/connect-options.ts';
import type { Logger } from '../core/logger.ts';
import type { FleetConfig } from './config.ts';
import { parseDevice, parseMeeting, parseSelftest, parseSession, parseStatus, type Parsed } from './messages.ts';
import type { FleetStore } from './store.ts';

/** How long the broker keeps this collector's session (and queues rooms' sessions for it) while it is away. */
const SESSION_EXPIRY_S = 0xffff_ffff; // "never" in MQTT 5; MQTT 3.1.1 sessions never expire anyway

/**
 * The collector's MQTT side. One persistent session (fixed client id, clean: false, QoS 1
 * subscriptions), so the broker holds what rooms publish while the collector is down. Subscribes
 * under `baseTopic/+/...` to `status`, `+/state` (device states, and `meeting/state`), `selftest`
 * and `sessions`; a session is acked on `B/sessions/ack` only after its row is committed. A
 * malformed message is logged with its topic and field and dropped; nothing here throws.
 */
export class FleetIngest {
  private readonly conn: MqttConnection;
  private readonly base: string;
  /** Messages of each kind that failed, logged once per (topic, field). */
  private readonly logged = new Set<string>();
  /** Counters for /api/v1/health and tests. */
  readonly counts = { sessions: 0, stored: 0, duplicates: 0, malformed: 0 };

  constructor(
    config: FleetConfig['mqtt'],
    private readonly store: FleetStore,
    private readonly log: Logger,
    backoff: ReconnectBackoff = { initialMs: 500, maxMs: 30_000 },
  ) {
    this.base = config.baseTopic.replace(/\/+$/, '');
    const settings: BrokerSettings = {
      url: config.url,
      protocol: config.protocolVersion ?? 'auto',
      options: {
        clientId: config.clientId,
        clean: false,
        keepalive: config.keepaliveSeconds,
        connectTimeout: 10_000,
        properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
        ...(config.username !== undefined ? { username: config.username } : {}),
        ...(config.password !== undefined ? { password: config.password } : {}),
      },
    };
    this.conn = new MqttConnection(settings, undefined, { up: () => this.onUp(), message: (t, p, packet) => this.onMessage(t, p, packet) }, log, backoff);
  }

  get connected(): boolean {
    return this.conn.connected;
  }

  get detail(): string | undefined {
    return this.conn.detail;
  }

  /** The topics subscribed to; `+/+/state` also covers `+/meeting/state`. */
  get subscriptions(): string[] {
    const b = this.base;
    return [`${b}/+/status`, `${b}/+/+/state`, `${b}/+/selftest`, `${b}/+/sessions`];
  }

  start(): void {
    this.conn.start();
  }

  stop(): Promise<void> {
    return this.conn.stop();
  }

  private onUp(): void {
    // Subscribing again on a resumed session is harmless and covers a broker that lost it.
    this.conn.subscribe(this.subscriptions, 1);
  }

  /** Handles one message; exported for unit tests through `handle`. */
  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    this.handle(topic, payload, packet.retain === true);
  }

  handle(topic: string, payload: Buffer, retained = false): void {
    if (!topic.startsWith(`${this.base}/`)) return;
    const levels = topic.slice(this.base.length + 1).split('/');
    const room = levels[0]!;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(room)) return this.bad(topic, '(topic)', `room id ${JSON.stringify(room.slice(0, 60))} is not [a-z0-9-]+`);
    const kind = levels.slice(1).join('/');
    try {
      if (kind === 'status') return this.apply(topic, parseStatus(payload), (online) => this.store.setOnline(room, online, !retained));
      if (kind === 'meeting/state') return this.apply(topic, parseMeeting(payload), (m) => this.store.setMeeting(room, m.active, !retained));
      if (kind === 'selftest') return this.apply(topic, parseSelftest(payload), (r) => this.store.setSelftest(room, r, !retained));
      if (kind === 'sessions') return this.session(topic, room, payload);
      if (levels.length === 3 && levels[2] === 'state') {
        const device = levels[1]!;
        if (payload.length === 0) return this.store.removeDevice(room, device); // the room cleared it
        return this.apply(topic, parseDevice(payload), (d) => this.store.setDevice(room, device, d.name ?? null, d.online, !retained));
      }
    } catch (err) {
      // A storage fault: the message is not acked, so a session comes again (persistent session or re-send).
      this.log.error({ err, topic }, 'fleet store could not take a message');
    }
  }

  private session(topic: string, room: string, payload: Buffer): void {
    this.counts.sessions += 1;
    const parsed = parseSession(payload);
    if (!parsed.ok) return this.bad(topic, parsed.field, parsed.message);
    const session = parsed.value;
    if (session.room !== room) return this.bad(topic, 'room', `says ${JSON.stringify(session.room)} but arrived on room ${room}'s topic`);
    if (this.store.upsertSession(session)) this.counts.stored += 1;
    else this.counts.duplicates += 1;
    // After the commit: the room stops re-sending this revision once it hears this.
    this.conn.publish(`${topic}/ack`, JSON.stringify({ id: session.id, revision: session.revision }), { qos: 1, retain: false });
  }

  private apply<T>(topic: string, parsed: Parsed<T>, use: (value: T) => void): void {
    if (!parsed.ok) return this.bad(topic, parsed.field, parsed.message);
    use(parsed.value);
  }

  private bad(topic: string, field: string, message: string): void {
    this.counts.malformed += 1;
    const key = `${topic}\u0000${field}`;
    if (this.logged.has(key)) return;
    this.logged.add(key);
    if (this.logged.size > 10_000) this.logged.clear();
    this.log.warn({ topic, field, reason: message }, 'ignored a malformed fleet message (logged once per topic and field)');
  }
}
