import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';

/** One received message, as a test looks at it. */
export interface Received {
  topic: string;
  text: string;
  retain: boolean;
  correlationData?: Buffer;
  at: number;
}

/**
 * A test's MQTT client: records everything it receives and lets the test wait for a message
 * matching a predicate (looking at what already arrived first).
 */
export class TestClient {
  readonly messages: Received[] = [];
  private waiters: Array<{ match: (m: Received) => boolean; resolve: (m: Received) => void }> = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m: Received = {
        topic,
        text: payload.toString(),
        retain: packet.retain,
        ...(packet.properties?.correlationData ? { correlationData: Buffer.from(packet.properties.correlationData) } : {}),
        at: Date.now(),
      };
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.match(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }

  static async connect(url: string, topics: string[], options: IClientOptions = {}): Promise<TestClient> {
    const client = mqtt.connect(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const c = new TestClient(client);
    if (topics.length) await client.subscribeAsync(topics, { qos: 1 });
    return c;
  }

  /** Resolves with the first message (already received or arriving within `timeoutMs`) that matches. */
  waitFor(match: (m: Received) => boolean, timeoutMs = 5000, since = 0): Promise<Received> {
    const found = this.messages.slice(since).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (m: Received) => (clearTimeout(timer), resolve(m)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching MQTT message within ${timeoutMs} ms; got: ${this.messages.slice(since).map((m) => `${m.topic} ${m.text.slice(0, 80)}`).join(' | ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits for a JSON message on `topic` whose body satisfies `match`. */
  async waitForJson<T = Record<string, unknown>>(topic: string, match: (body: T) => boolean = () => true, timeoutMs = 5000, since = 0): Promise<T> {
    const m = await this.waitFor((m) => m.topic === topic && m.text !== '' && safe(() => match(JSON.parse(m.text) as T)), timeoutMs, since);
    return JSON.parse(m.text) as T;
  }

  publish(topic: string, payload: string | Buffer, options: IClientPublishOptions = {}): Promise<unknown> {
    return this.client.publishAsync(topic, payload, { qos: 1, ...options });
  }

  get mark(): number {
    return this.messages.length;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => {});
  }
}

function safe(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}
