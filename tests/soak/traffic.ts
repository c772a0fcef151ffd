import mqtt from 'mqtt';
import WebSocket from 'ws';
import { benchClient, type BenchClient } from '../helpers/rig.ts';
import type { Dice } from './chaos.ts';

/** What the traffic did, by outcome: status codes, WebSocket results, errors thrown at the client. */
export interface TrafficCounts {
  rest: Record<string, number>;
  meetingsStarted: number;
  meetingsEnded: number;
  joystickUpdates: number;
  wsReconnects: number;
  mqttPublished: number;
  /** `B/result` answers to our MQTT commands, by outcome (`ok` or the error code). */
  mqttResults: Record<string, number>;
  /** Results for an id we never sent, or a second result for one id. */
  mqttStrayResults: number;
  clientErrors: number;
  sessionIds: Set<string>;
  /** The first error body seen for each `METHOD path status` label (what the failures looked like). */
  firstErrors: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Everything people and machines do to the room during the soak, on a seeded schedule: meetings
 * started and ended, a joystick held and released over the WebSocket (the panel sometimes
 * vanishing mid-move), REST commands and polls, and MQTT commands when a broker is given.
 */
export class Traffic {
  readonly counts: TrafficCounts = {
    rest: {},
    meetingsStarted: 0,
    meetingsEnded: 0,
    joystickUpdates: 0,
    wsReconnects: 0,
    mqttPublished: 0,
    mqttResults: {},
    mqttStrayResults: 0,
    clientErrors: 0,
    sessionIds: new Set(),
    firstErrors: {},
  };
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly client: BenchClient;
  private readonly meetingClient: BenchClient;
  private ws: WebSocket | undefined;
  private mqttClient: mqtt.MqttClient | undefined;
  /** MQTT command ids published and not answered yet. */
  private readonly mqttPending = new Set<string>();
  private mqttSeq = 0;

  constructor(
    private readonly url: string,
    private readonly roomId: string,
    private readonly dice: Dice,
    private readonly mqttUrl?: string,
  ) {
    this.client = benchClient(url, 4);
    this.meetingClient = benchClient(url, 1);
  }

  async start(): Promise<void> {
    this.running = true;
    if (this.mqttUrl) {
      this.mqttClient = await mqtt.connectAsync(this.mqttUrl, { reconnectPeriod: 500 });
      // Subscribed before the first command, so every answer is seen.
      this.mqttClient.on('message', (topic, payload) => this.onMqttResult(payload));
      await this.mqttClient.subscribeAsync(`roomd/${this.roomId}/result`, { qos: 1 });
    }
    this.loops.push(this.meetings(), this.joystick(), this.rest(), this.rest(), ...(this.mqttClient ? [this.mqtt()] : []));
  }

  /** Stops every loop; an open meeting is ended so every session can be checked closed or open. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.ws?.close();
    // Every command gets its answer once its device answered or timed out (5 s at most here).
    const deadline = Date.now() + 20_000;
    while (this.mqttPending.size > 0 && Date.now() < deadline) await sleep(100);
    await this.mqttClient?.endAsync().catch(() => {});
  }

  close(): void {
    this.client.close();
    this.meetingClient.close();
    this.ws?.terminate();
  }

  private count(label: string): void {
    this.counts.rest[label] = (this.counts.rest[label] ?? 0) + 1;
  }

  private async call(method: string, path: string, body?: unknown, client = this.client): Promise<{ status: number; body: any } | undefined> {
    try {
      const res = await client.request(method, path, body);
      const label = `${method} ${path.replace(/commands\/.*/, 'commands')} ${res.status}`;
      this.count(label);
      if (res.status >= 400) this.counts.firstErrors[label] ??= `${path}: ${JSON.stringify(res.body).slice(0, 300)}`;
      return res;
    } catch {
      this.counts.clientErrors++;
      return undefined;
    }
  }

  private async meetings(): Promise<void> {
    while (this.running) {
      const started = await this.call('POST', '/api/v1/meeting/start', { organisation: 'Soak', title: `soak ${this.counts.meetingsStarted}` }, this.meetingClient);
      if (started?.status === 200) {
        this.counts.meetingsStarted++;
        this.counts.sessionIds.add(started.body.session.id as string);
      }
      await sleep(this.dice.between(1500, 5000));
      const ended = await this.call('POST', '/api/v1/meeting/end', {}, this.meetingClient);
      if (ended?.status === 200) this.counts.meetingsEnded++;
      if (this.running) await sleep(this.dice.between(500, 2500));
    }
  }

  private async openWs(): Promise<WebSocket | undefined> {
    const ws = new WebSocket(`${this.url.replace('http', 'ws')}/api/v1/events`);
    ws.on('error', () => {});
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('error', () => resolve(false));
      ws.once('close', () => resolve(false));
    });
    if (!opened) {
      this.counts.clientErrors++;
      return undefined;
    }
    return ws;
  }

  /** Bursts of 50 Hz moves, then a release (move 0); now and then the panel disappears mid-move. */
  private async joystick(): Promise<void> {
    while (this.running) {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        this.ws = await this.openWs();
        this.counts.wsReconnects++;
        if (!this.ws) {
          await sleep(500);
          continue;
        }
      }
      const ws = this.ws;
      const updates = this.dice.int(10, 100);
      for (let i = 0; i < updates && this.running && ws.readyState === WebSocket.OPEN; i++) {
        const args = { pan: this.dice.between(-1, 1), tilt: this.dice.between(-1, 1), zoom: this.dice.chance(0.3) ? this.dice.between(-1, 1) : 0 };
        ws.send(JSON.stringify({ type: 'command', id: this.counts.joystickUpdates++, device: 'camera', command: 'move', args }));
        await sleep(20);
      }
      if (this.dice.chance(0.15)) {
        ws.terminate(); // the panel's tab closed mid-move: the daemon must stop the camera
        this.ws = undefined;
      } else if (ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ type: 'command', id: this.counts.joystickUpdates++, device: 'camera', command: 'move', args: { pan: 0, tilt: 0, zoom: 0 } }));
      }
      await sleep(this.dice.between(300, 2000));
    }
  }

  private async rest(): Promise<void> {
    while (this.running) {
      const r = this.dice.random();
      if (r < 0.25) await this.call('GET', '/api/v1/state');
      else if (r < 0.35) await this.call('GET', '/api/v1/devices/camera');
      else if (r < 0.55) await this.call('POST', '/api/v1/devices/display/commands/setVolume', { level: this.dice.int(0, 100) });
      else if (r < 0.7) await this.call('POST', `/api/v1/devices/mics/commands/${this.dice.chance(0.5) ? 'muteMicrophones' : 'unmuteMicrophones'}`, {});
      else if (r < 0.8) await this.call('POST', '/api/v1/devices/camera/commands/recallPreset', { preset: this.dice.int(1, 3) });
      else if (r < 0.88) await this.call('POST', `/api/v1/devices/codec/commands/${this.dice.chance(0.5) ? 'muteMicrophones' : 'unmuteMicrophones'}`, {});
      else if (r < 0.94) await this.call('POST', '/api/v1/devices/display/commands/selectInput', { input: this.dice.pick(['hdmi1', 'hdmi2']) });
      else await this.call('GET', '/api/v1/health');
      await sleep(this.dice.between(20, 200));
    }
  }

  /** MQTT command ids that never got a `B/result` (after stop()). */
  get mqttUnanswered(): string[] {
    return [...this.mqttPending];
  }

  private onMqttResult(payload: Buffer): void {
    let result: { id?: unknown; ok?: unknown; error?: { code?: unknown } };
    try {
      result = JSON.parse(payload.toString('utf8')) as typeof result;
    } catch {
      this.counts.mqttStrayResults++;
      return;
    }
    if (typeof result.id !== 'string' || !this.mqttPending.delete(result.id)) {
      this.counts.mqttStrayResults++;
      return;
    }
    const outcome = result.ok === true ? 'ok' : String(result.error?.code ?? 'no error code');
    this.counts.mqttResults[outcome] = (this.counts.mqttResults[outcome] ?? 0) + 1;
  }

  private async mqtt(): Promise<void> {
    const base = `roomd/${this.roomId}`;
    while (this.running) {
      const r = this.dice.random();
      const [topic, payload] =
        r < 0.4
          ? [`${base}/mics/set`, { command: this.dice.chance(0.5) ? 'muteMicrophones' : 'unmuteMicrophones' }]
          : r < 0.8
            ? [`${base}/display/set`, { command: 'setVolume', args: { level: this.dice.int(0, 100) } }]
            : [`${base}/camera/set`, { command: 'recallPreset', args: { preset: this.dice.int(1, 3) } }];
      const id = `soak-${++this.mqttSeq}`;
      this.mqttPending.add(id);
      this.mqttClient!.publish(topic, JSON.stringify({ ...payload, id }), { qos: 1 });
      this.counts.mqttPublished++;
      await sleep(this.dice.between(50, 300));
    }
  }
}
