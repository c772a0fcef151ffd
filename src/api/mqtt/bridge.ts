import type { IPublishPacket } from 'mqtt';
import type { MqttConfig } from '../../config/schema.ts';
import type { Logger } from '../../core/logger.ts';
import type { DeviceRecord } from '../../core/state-store.ts';
import { allows, commandPermission } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { Coalescer } from './coalescer.ts';
import { CommandHandler, type MqttResult } from './commands.ts';
import type { BrokerSettings } from './connect-options.ts';
import { MqttConnection, type ConnectionEvents, type ReconnectBackoff } from './connection.ts';
import { DiscoveryPublisher } from './discovery-publisher.ts';
import { RESERVED_LEVELS, Topics } from './topics.ts';
import { BookingTopics } from './booking-topics.ts';
import { FleetOutbox, type FleetOutboxOptions } from './fleet-outbox.ts';

/** Tuning knobs; the defaults suit production, tests shorten them. */
export interface BridgeOptions {
  /** At most one state publish per device (and for the meeting) per this many ms. Default 50. */
  coalesceMs?: number;
  /** Re-announce discovery this long (random in [min, max] ms) after Home Assistant says `online`. */
  reannounceMs?: [number, number];
  backoff?: ReconnectBackoff;
  /** Messages that must not be lost (closed sessions, discovery removals) kept while the broker is away. */
  maxQueued?: number;
  /**
   * How long after subscribing to this room's discovery topics the bridge collects the retained
   * configs the broker holds (from an earlier run) before clearing those it no longer offers. Default 1500.
   */
  discoveryReadBackMs?: number;
  /** The fleet outbox (closed sessions re-sent until a collector acknowledges them). */
  fleet?: FleetOutboxOptions;
}

/** The key the meeting uses in the state coalescer (device ids are never empty). */
const MEETING = '';

interface Queued {
  topic: string;
  payload: string;
  retain: boolean;
}

/**
 * The MQTT surface (docs/mqtt.md): mirrors the store and the meeting to retained topics, turns `set`
 * topics into commands, keeps Home Assistant discovery in step with the capability model, and
 * survives the broker going away. Nothing here is ever awaited on a command's path.
 */
export class MqttBridge {
  readonly topics: Topics;
  /** Publishes (state, results, discovery) and carries the last will. */
  private readonly conn: MqttConnection;
  /** Only receives commands: see `commandLink`. */
  private readonly commands: MqttConnection;
  private readonly handler: CommandHandler;
  private readonly states: Coalescer<string>;
  /** Home Assistant discovery, when enabled. */
  private readonly discovery: DiscoveryPublisher | undefined;
  private readonly discoveryDirty = new Set<string>();
  private readonly availability = new Map<string, boolean>();
  private readonly queue: Queued[] = [];
  private reportTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly options: Required<Omit<BridgeOptions, 'fleet'>>;
  private readonly bookingTopics: BookingTopics;
  private readonly outbox: FleetOutbox | undefined;

  constructor(
    private readonly ctx: ApiContext,
    config: MqttConfig,
    settings: BrokerSettings,
    options: BridgeOptions = {},
  ) {
    this.log = ctx.log.child({ module: 'mqtt' });
    this.options = {
      coalesceMs: options.coalesceMs ?? 50,
      reannounceMs: options.reannounceMs ?? [1000, 3000],
      backoff: options.backoff ?? { initialMs: 500, maxMs: 30_000 },
      maxQueued: options.maxQueued ?? 500,
      discoveryReadBackMs: options.discoveryReadBackMs ?? 1500,
    };
    this.topics = new Topics(config.baseTopic, ctx.room.info.id);
    this.conn = new MqttConnection(
      settings,
      { topic: this.topics.status, payload: 'offline' },
      { up: () => this.onUp(), message: (topic, payload, packet) => this.onMessage(topic, payload, packet) },
      this.log,
      this.options.backoff,
    );
    if (config.homeAssistant.discovery) {
      const role = config.role;
      const options = {
        prefix: config.homeAssistant.prefix,
        topics: this.topics,
        room: { id: ctx.room.info.id, name: ctx.room.info.name, locale: ctx.room.info.locale },
        sessions: !!ctx.sessions,
        // Read at each announce: a reload replaces ctx.config (the next re-announce offers the new directory).
        get directory() {
          return ctx.config.directory ?? [];
        },
        calendar: !!ctx.calendar,
        can: (command: string) => allows(role, command === 'meeting' ? 'meeting' : commandPermission(command)),
      };
      this.discovery = new DiscoveryPublisher({
        options,
        room: ctx.room,
        conn: this.conn,
        send: (message) => this.send(message),
        log: this.log,
        reannounceMs: this.options.reannounceMs,
        readBackMs: this.options.discoveryReadBackMs,
      });
    }
    this.handler = new CommandHandler(ctx, config.role, (result, route) => this.reply(result, route), this.log);
    this.states = new Coalescer<string>(this.options.coalesceMs, (key) => (key === MEETING ? this.publishMeeting() : this.publishDevice(key)));
    this.commands = commandLink(settings, {
      up: () => this.onCommandsUp(),
      down: () => this.publishStatus(),
      message: (topic, payload, packet) => this.onMessage(topic, payload, packet),
    }, this.log.child({ link: 'commands' }), this.options.backoff);
    this.outbox = ctx.sessions
      ? new FleetOutbox(ctx.sessions, this.topics.base, {
        publish: (topic, payload) => this.conn.publish(topic, payload, { qos: 1, retain: false }),
        subscribe: (topic) => this.conn.subscribe([topic], 1),
      }, this.log.child({ part: 'fleet-outbox' }), options.fleet)
      : undefined;
    this.bookingTopics = new BookingTopics(ctx, this.topics.base, (topic, payload) => this.conn.publish(topic, payload, { retain: true, qos: 1 }));
  }

  get connected(): boolean {
    return this.conn.connected && this.commands.connected;
  }

  get protocolVersion(): 4 | 5 {
    return this.conn.protocolVersion;
  }

  start(): void {
    for (const id of this.ctx.room.deviceIds()) {
      if (RESERVED_LEVELS.has(id)) this.log.error({ device: id }, `device id '${id}' is a reserved MQTT topic level; rename it (its topics collide with the room's)`);
    }
    const { room, meeting } = this.ctx;
    this.bookingTopics.start();
    room.events.on('device', (change) => {
      if (change.changed.includes('presets')) this.discoveryDirty.add(change.device);
      this.states.touch(change.device);
    }, this);
    room.events.on('deviceAdded', (record) => {
      this.discoveryDirty.add(record.id);
      this.states.touch(record.id);
      this.discovery?.announceRoom(false); // the room-wide microphone switch follows the micMute devices
    }, this);
    room.events.on('deviceRemoved', (record) => {
      this.removeDevice(record);
      this.discovery?.announceRoom(false);
    }, this);
    meeting.events.on('meeting', () => this.states.touch(MEETING), this);
    this.outbox?.start();
    meeting.events.on('session', (session) => {
      if (this.outbox) this.outbox.closed(session);
      else this.send({ topic: this.topics.sessions, payload: JSON.stringify(session), retain: false });
      this.publishReport();
    }, this);
    // The month rolls over without any session closing: refresh the figures hourly.
    this.reportTimer = setInterval(() => this.publishReport(), 3_600_000);
    this.reportTimer.unref?.();
    this.ctx.health.register('mqtt', () => {
      const detail = this.conn.detail ?? (this.commands.detail ? `command link: ${this.commands.detail}` : undefined);
      return { ok: this.connected, ...(detail ? { detail } : {}) };
    });
    this.conn.start();
    this.commands.start();
  }

  async stop(): Promise<void> {
    this.bookingTopics.stop();
    this.outbox?.stop();
    this.ctx.room.events.removeOwner(this);
    this.ctx.meeting.events.removeOwner(this);
    this.states.clear();
    clearInterval(this.reportTimer);
    this.discovery?.stop();
    await this.commands.stop();
    await this.conn.stop();
  }

  /** Every (re)connect: subscribe, then republish everything retained (the broker may have lost it). */
  private onUp(): void {
    if (this.discovery) this.conn.subscribe([this.discovery.statusTopic]);
    this.publishStatus();
    this.availability.clear();
    for (const id of this.ctx.room.deviceIds()) this.publishDevice(id);
    this.publishMeeting();
    this.publishReport();
    this.bookingTopics.republish();
    this.discovery?.connected();
    this.outbox?.onUp();
    const queued = this.queue.splice(0);
    for (const q of queued) this.send(q);
  }

  /**
   * The command link is (re)connected: subscribe at QoS 0, so that the broker's deliveries need no
   * PUBACK from us (a write right after each read is what puts the socket in delayed-ACK mode).
   */
  private onCommandsUp(): void {
    // Retain-as-published: a command someone publishes retained is seen as such even live (MQTT 5),
    // and refused then too, not only when it replays at the next connect.
    this.commands.subscribe(this.topics.subscriptions, 0, { retainAsPublished: true });
    this.publishStatus();
  }

  /** `online` (retained) while both links are up — commands are only heard on the second one. */
  private publishStatus(): void {
    this.conn.publish(this.topics.status, this.commands.connected ? 'online' : 'offline', { retain: true, qos: 1 });
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.discovery?.handle(topic, payload, packet)) return;
    if (this.outbox?.handle(topic, payload)) return;
    const incoming = this.topics.parse(topic);
    if (incoming) this.handler.handle(incoming, payload, packet);
  }

  private publishDevice(id: string): void {
    const record = this.ctx.room.store.get(id);
    if (!record) return;
    this.conn.publish(this.topics.deviceState(id), JSON.stringify(record), { retain: true, qos: 1 });
    if (this.availability.get(id) !== record.online && this.conn.publish(this.topics.deviceAvailability(id), record.online ? 'online' : 'offline', { retain: true, qos: 1 })) {
      this.availability.set(id, record.online);
    }
    if (this.discoveryDirty.delete(id)) this.discovery?.announceDevice(id, false);
  }

  private publishMeeting(): void {
    this.conn.publish(this.topics.meetingState, JSON.stringify(this.ctx.meeting.current), { retain: true, qos: 1 });
  }

  /** This month's figures, for the HA report sensors and anyone else. */
  private publishReport(): void {
    if (!this.ctx.sessions || !this.conn.connected) return;
    try {
      const now = new Date();
      const from = new Date(now.getFullYear(), now.getMonth(), 1);
      const r = this.ctx.sessions.report({ from });
      const month = `${from.getFullYear()}-${String(from.getMonth() + 1).padStart(2, '0')}`;
      const body = { month, from: from.toISOString(), sessions: r.sessions, interrupted: r.interrupted, minutes: r.minutes, kmAvoided: r.kmAvoided, co2Kg: r.co2Kg };
      this.conn.publish(this.topics.report, JSON.stringify(body), { retain: true, qos: 1 });
      this.conn.publish(this.topics.reportLast, JSON.stringify(lastSession(this.ctx.sessions)), { retain: true, qos: 1 });
    } catch (err) {
      this.log.warn({ err }, 'could not compute the monthly report for MQTT');
    }
  }

  /** A device left (config reload): clear its retained state and its Home Assistant entities. */
  private removeDevice(record: DeviceRecord): void {
    const id = record.id;
    this.states.cancel(id);
    this.discoveryDirty.delete(id);
    this.availability.delete(id);
    const topics = new Set([this.topics.deviceState(id), this.topics.deviceAvailability(id), ...(this.discovery?.forget(record) ?? [])]);
    for (const topic of topics) this.send({ topic, payload: '', retain: true });
  }

  /** Publishes now, or keeps the message (bounded) for the next connect. */
  private send(message: Queued): void {
    if (this.conn.publish(message.topic, message.payload, { retain: message.retain, qos: 1 })) return;
    this.queue.push(message);
    if (this.queue.length > this.options.maxQueued) {
      const dropped = this.queue.shift();
      this.log.warn({ topic: dropped?.topic }, 'MQTT offline queue full: dropped the oldest message');
    }
  }

  private reply(result: MqttResult, route: { responseTopic?: string; correlationData?: Buffer }): void {
    const payload = JSON.stringify(result);
    const properties = route.correlationData ? { correlationData: route.correlationData } : undefined;
    // Results are answers to live requests: dropped (not queued) while the broker is away.
    this.conn.publish(this.topics.result, payload, { qos: 1, ...(properties ? { properties } : {}) });
    // Never answer into a wildcard or one of our own command topics (that would feed a result back in as a command).
    if (route.responseTopic && !/[+#]/.test(route.responseTopic) && !this.topics.parse(route.responseTopic)) {
      this.conn.publish(route.responseTopic, payload, { qos: 1, ...(properties ? { properties } : {}) });
    }
    if (!result.ok && !CommandHandler.loggedOnce(result.error?.code ?? '')) this.log.info({ device: result.device, command: result.command, error: result.error }, 'MQTT command refused');
  }
}

/** The last closed meeting's figures for `B/report/last` (`{}` before the first one). */
function lastSession(sessions: NonNullable<ApiContext['sessions']>): Record<string, unknown> {
  const last = sessions.list({ limit: 20 }).sessions.find((s) => s.endedAt !== null || s.status !== 'open');
  if (!last) return {};
  const { id, organisation, title, startedAt, endedAt, durationMin, kmAvoided, co2Kg } = last;
  return { id, organisation, title, startedAt, endedAt, durationMin, kmAvoided, co2Kg };
}

/**
 * The connection that carries commands: its own client (id `<clientId>-cmd`), no last will, and
 * nothing written on it after the subscription but keep-alive pings. Why a second connection: a
 * broker with Nagle's algorithm on (Mosquitto's default, `set_tcp_nodelay false`) holds a small
 * PUBLISH while its previous segment is unacknowledged, and Linux delays the ACK (up to ~40 ms) on
 * a socket that writes shortly after it reads — which one shared with results, state and PUBACKs
 * does after every command. A socket that only reads ACKs each read at once, so the broker never
 * waits. Measured: a 50 msg/s stream went from p50 21 ms / p99 45 ms to well under a millisecond
 * (bench/README.md, `mqttStreamP50Ms`).
 */
function commandLink(settings: BrokerSettings, events: ConnectionEvents, log: Logger, backoff: ReconnectBackoff): MqttConnection {
  const id = settings.options.clientId;
  const options = { ...settings.options, ...(id ? { clientId: `${id}-cmd` } : {}) };
  return new MqttConnection({ ...settings, options }, undefined, events, log, backoff);
}
