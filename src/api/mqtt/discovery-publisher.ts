import type { IPublishPacket } from 'mqtt';
import type { Logger } from '../../core/logger.ts';
import type { DeviceRecord } from '../../core/state-store.ts';
import type { ApiContext } from '../context.ts';
import type { MqttConnection } from './connection.ts';
import { deviceDiscovery, discoveryFilter, isDiscoveryTopicOf, type DiscoveryMessage, type DiscoveryOptions } from './discovery.ts';
import { roomDiscovery } from './discovery-room.ts';

/** The owner key of the room's own entities (device ids are never empty). */
const ROOM = '';

/** The discovery configs found retained on the broker at connect. */
interface ReadBack {
  matches(topic: string): boolean;
  found: Set<string>;
  timer?: NodeJS.Timeout;
}

export interface DiscoveryPublisherDeps {
  options: DiscoveryOptions;
  room: ApiContext['room'];
  conn: MqttConnection;
  /** Publishes a message that must not be lost (a removal), queued while the broker is away. */
  send(message: { topic: string; payload: string; retain: boolean }): void;
  log: Logger;
  /** Re-announce this long (random in [min, max] ms) after Home Assistant says `online`. */
  reannounceMs: [number, number];
  /** How long retained configs are collected after subscribing, before the stale ones are cleared. */
  readBackMs: number;
}

/**
 * Keeps Home Assistant discovery in step with the room: announces what changed (everything on a
 * connect or when Home Assistant restarts), clears what no longer exists, and at every connect reads
 * back the configs the broker retains for this room to clear those roomd no longer offers.
 */
export class DiscoveryPublisher {
  /** Home Assistant's birth/last-will topic. */
  readonly statusTopic: string;
  /** Discovery topics announced per device id ('' = the room), with the payload last sent. */
  private readonly announced = new Map<string, Map<string, string>>();
  private reannounceTimer: NodeJS.Timeout | undefined;
  /** Retained discovery configs found on the broker at connect (read back, then cleared if stale). */
  private readBack: ReadBack | undefined;

  constructor(private readonly deps: DiscoveryPublisherDeps) {
    this.statusTopic = `${deps.options.prefix}/status`;
  }

  /** A (re)connect: announce everything, then read back what the broker retains. */
  connected(): void {
    this.announceAll(true);
    this.readBackDiscovery();
  }

  /** Takes the messages that are discovery's business (read-back, HA status); false for any other. */
  handle(topic: string, payload: Buffer, packet: IPublishPacket): boolean {
    if (this.readBack?.matches(topic)) {
      // Only what the broker held before we connected: our own live publishes arrive unretained.
      if (packet.retain && payload.length > 0) this.readBack.found.add(topic);
      return true;
    }
    if (topic === this.statusTopic) {
      // A retained `online` arrives on every subscribe: only a live birth message means HA restarted.
      if (!packet.retain && payload.toString().trim() === 'online') this.scheduleReannounce();
      return true;
    }
    return false;
  }

  /** The room's entities, derived from the devices it has now (publishes only what changed unless forced). */
  announceRoom(force: boolean): void {
    this.announce(ROOM, roomDiscovery(this.deps.options, this.deps.room.devices()), force);
  }

  announceDevice(id: string, force: boolean): void {
    const record = this.deps.room.store.get(id);
    if (!record) return;
    this.announce(id, deviceDiscovery(this.deps.options, record, this.deps.room.runtime(id)?.module.manifest), force);
  }

  /** A device left: forgets it and returns every discovery topic it announced or would have announced. */
  forget(record: DeviceRecord): string[] {
    const topics = [...(this.announced.get(record.id)?.keys() ?? [])];
    this.announced.delete(record.id);
    // Also what it would have announced (it may have been removed before this connection announced it).
    for (const m of deviceDiscovery(this.deps.options, record, undefined)) topics.push(m.topic);
    return topics;
  }

  stop(): void {
    clearTimeout(this.reannounceTimer);
    clearTimeout(this.readBack?.timer);
    this.readBack = undefined;
  }

  private announceAll(force: boolean): void {
    this.announceRoom(force);
    for (const id of this.deps.room.deviceIds()) this.announceDevice(id, force);
  }

  /** Publishes changed (or, forced, all) discovery configs and clears the ones that no longer exist. */
  private announce(owner: string, messages: DiscoveryMessage[], force: boolean): void {
    const { conn } = this.deps;
    if (!conn.connected) return; // all of it goes out again on the next connect
    const previous = this.announced.get(owner) ?? new Map<string, string>();
    const next = new Map<string, string>();
    for (const { topic, config } of messages) {
      const json = JSON.stringify(config);
      next.set(topic, json);
      if (force || previous.get(topic) !== json) conn.publish(topic, json, { retain: true, qos: 1 });
    }
    for (const topic of previous.keys()) if (!next.has(topic)) this.deps.send({ topic, payload: '', retain: true });
    this.announced.set(owner, next);
  }

  private scheduleReannounce(): void {
    if (this.reannounceTimer) return;
    const [min, max] = this.deps.reannounceMs;
    this.reannounceTimer = setTimeout(() => {
      this.reannounceTimer = undefined;
      this.deps.log.info('Home Assistant came online: re-announcing discovery');
      this.announceAll(true);
    }, min + Math.random() * (max - min));
    this.reannounceTimer.unref?.();
  }

  /**
   * Reads back the discovery configs the broker retains for this room (from an earlier run, another
   * role, a removed device) and clears, with an empty retained message, every one roomd no longer
   * offers. Runs on every connect, so a restart with a changed config leaves no stale entity.
   */
  private readBackDiscovery(): void {
    clearTimeout(this.readBack?.timer);
    const { prefix } = this.deps.options;
    const filter = discoveryFilter(prefix, this.deps.room.info.id);
    const readBack: ReadBack = { matches: (topic) => isDiscoveryTopicOf(topic, prefix, this.deps.room.info.id), found: new Set() };
    this.readBack = readBack;
    const granted = () => {
      if (this.readBack !== readBack) return;
      readBack.timer = setTimeout(() => this.sweepDiscovery(readBack, filter), this.deps.readBackMs);
      readBack.timer.unref?.();
    };
    this.deps.conn.subscribe([filter], 1, { granted });
  }

  private sweepDiscovery(readBack: ReadBack, filter: string): void {
    if (this.readBack !== readBack) return;
    this.readBack = undefined;
    this.deps.conn.unsubscribe([filter]);
    const offered = new Set([...this.announced.values()].flatMap((topics) => [...topics.keys()]));
    const stale = [...readBack.found].filter((topic) => !offered.has(topic));
    for (const topic of stale) this.deps.send({ topic, payload: '', retain: true });
    if (stale.length) this.deps.log.info({ stale }, 'cleared Home Assistant discovery configs roomd no longer offers');
  }
}
