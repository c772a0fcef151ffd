import type { Socket } from 'node:net';
import mqtt, { type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../../core/logger.ts';
import { describeUrl, type BrokerSettings } from './connect-options.ts';

/** Reconnect delays: capped exponential with jitter, so a fleet of rooms does not reconnect in step. */
export interface ReconnectBackoff {
  initialMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: ReconnectBackoff = { initialMs: 500, maxMs: 30_000 };

/** CONNACK codes that mean "I do not speak this protocol version" (3.1.1: 1; MQTT 5: 132). */
const PROTOCOL_REJECTED = new Set([1, 132]);

export interface ConnectionEvents {
  /** Called on every successful (re)connect; subscribe and republish here. */
  up(version: 4 | 5): void;
  /** Called when a connection that was up is lost (the reconnect is already scheduled). */
  down?(): void;
  message(topic: string, payload: Buffer, packet: IPublishPacket): void;
}

/**
 * One broker connection that stays up: it reconnects with backoff on its own (mqtt.js's fixed-period
 * reconnect is switched off), negotiates MQTT 5 with a fall-back to 3.1.1, and carries the retained
 * `offline` last will. Publishing never waits and never queues: while the broker is away a publish
 * is refused (`false`) and the bridge republishes the retained state on the next `up`.
 */
export class MqttConnection {
  private client: MqttClient | undefined;
  private version: 4 | 5;
  private everConnected = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastError: string | undefined;

  constructor(
    private readonly settings: BrokerSettings,
    /** The retained last will; none for a connection whose loss another one reports. */
    private readonly will: { topic: string; payload: string } | undefined,
    private readonly events: ConnectionEvents,
    private readonly log: Logger,
    private readonly backoff: ReconnectBackoff = DEFAULT_BACKOFF,
  ) {
    this.version = settings.protocol === 4 ? 4 : 5;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  get protocolVersion(): 4 | 5 {
    return this.version;
  }

  /** Why the last attempt failed, for the health check. */
  get detail(): string | undefined {
    return this.connected ? undefined : this.lastError ?? 'connecting';
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  private open(): void {
    const client = mqtt.connect(this.settings.url, {
      ...this.settings.options,
      protocolVersion: this.version,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      // mqtt-packet would otherwise pre-build 65 536 two-byte Buffers (~6 MiB of heap) for packet ids
      // and lengths; a room publishes a few messages a second.
      writeCache: false,
      ...(this.will ? { will: { topic: this.will.topic, payload: Buffer.from(this.will.payload), retain: true, qos: 1 } } : {}),
    });
    this.client = client;
    let up = false;
    client.on('connect', () => {
      // Our own small writes (a result, then a state) go out at once rather than waiting for the
      // broker's ACK of the previous one (Nagle); mqtt.js leaves the Node default (delay on).
      (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
      up = true;
      this.attempt = 0;
      this.everConnected = true;
      this.lastError = undefined;
      this.log.info({ url: describeUrl(this.settings.url), protocolVersion: this.version }, 'MQTT connected');
      try {
        this.events.up(this.version);
      } catch (err) {
        this.log.error({ err }, 'MQTT on-connect handling failed');
      }
    });
    client.on('message', (topic, payload, packet) => {
      try {
        this.events.message(topic, payload, packet);
      } catch (err) {
        this.log.error({ err, topic }, 'MQTT message handling failed');
      }
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      this.lastError = err.message;
      if (this.settings.protocol === 'auto' && this.version === 5 && !this.everConnected && typeof err.code === 'number' && PROTOCOL_REJECTED.has(err.code)) {
        this.log.warn({ url: describeUrl(this.settings.url) }, 'broker refused MQTT 5; falling back to MQTT 3.1.1');
        this.version = 4;
        this.replace();
        return;
      }
      this.log.warn({ err: err.message, url: describeUrl(this.settings.url) }, 'MQTT error');
    });
    client.on('close', () => {
      if (client !== this.client) return;
      if (!this.stopped) this.scheduleReconnect();
      if (up) {
        up = false;
        if (!this.stopped) this.events.down?.();
      }
    });
  }

  /** Drops the current client for a fresh one (the protocol version changed). */
  private replace(): void {
    const old = this.client;
    this.client = undefined;
    old?.removeAllListeners();
    old?.on('error', () => {});
    old?.end(true);
    if (!this.stopped) this.open();
  }

  private scheduleReconnect(): void {
    if (this.retryTimer) return;
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.attempt = Math.min(this.attempt + 1, 20);
    this.log.debug({ delay }, 'MQTT reconnect scheduled');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped || !this.client) return;
      this.client.reconnect();
    }, delay);
    this.retryTimer.unref?.();
  }

  /**
   * Subscribes; `granted` runs once the broker acknowledged it (retained messages follow).
   * `retainAsPublished` (MQTT 5 only) keeps the retain flag on live messages too.
   */
  subscribe(topics: string[], qos: 0 | 1 = 1, extra: { granted?: () => void; retainAsPublished?: boolean } = {}): void {
    if (!this.client || !this.connected) return;
    const { granted, retainAsPublished } = extra;
    this.client.subscribe(topics, { qos, ...(retainAsPublished ? { rap: true } : {}) }, (err) => {
      if (err) this.log.error({ err: err.message, topics }, 'MQTT subscribe failed');
      else granted?.();
    });
  }

  unsubscribe(topics: string[]): void {
    if (!this.client || !this.connected) return;
    this.client.unsubscribe(topics, (err) => {
      if (err) this.log.debug({ err: err.message, topics }, 'MQTT unsubscribe failed');
    });
  }

  /** Publishes if connected; never waits. Returns false when the message was not handed to the broker link. */
  publish(topic: string, payload: string | Buffer, options: IClientPublishOptions = {}): boolean {
    const client = this.client;
    if (!client || !client.connected) return false;
    const opts = this.version === 5 ? options : { ...options, properties: undefined };
    client.publish(topic, payload, opts, (err) => {
      if (err) this.log.debug({ err: err.message, topic }, 'MQTT publish failed');
    });
    return true;
  }

  /** Says `offline` (retained) on purpose, then disconnects; a crash leaves the same word through the will. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    if (!client) return;
    const will = this.will;
    if (client.connected && will) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        client.publish(will.topic, will.payload, { retain: true, qos: 1 }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.end(true);
        resolve();
      }, 1000);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    client.removeAllListeners();
    client.on('error', () => {});
  }
}
