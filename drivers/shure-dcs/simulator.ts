import net from 'node:net';
import type { SimulatorHandle, TransportConfig } from '../../src/sdk/index.ts';
import { chance, defaultFaults, garbage, sleep, type Faults } from '../../src/sim/faults.ts';
import {
  MODELS,
  encodeMessage,
  formatIndex,
  padString,
  parseMessage,
  splitDcs,
  type DcsMessage,
  type ModelName,
  type ModelProfile,
} from './protocol.ts';

/** Simulator settings (the `options` of a `sim` transport). */
export interface ShureSimOptions {
  model?: ModelName;
  /** Which GET ALL forms the firmware accepts (default: only the model's own form). */
  getAllForms?: Array<'GET ALL' | 'GET 0 ALL' | 'GET 00 ALL'>;
  muted?: boolean;
  port?: number;
}

interface SimChannel {
  name: string;
  muted: boolean;
  gain: number;
}

/**
 * A Shure MXA-family array speaking the DCS command strings over TCP. Every GET/SET is answered
 * with REPs sent to the asking connection; changes are also reported to every other connection,
 * as the real device does. `pressMuteButton()` is the array's own touch button.
 */
export class ShureSimulator {
  readonly faults: Faults = defaultFaults();
  /** Every frame received (content between the brackets), oldest first. */
  readonly commands: string[] = [];
  readonly model: ModelName;
  readonly profile: ModelProfile;
  readonly state: {
    muted: boolean;
    ledBrightness: number;
    meterRate: number;
    preset: number;
    channels: SimChannel[];
    /** What the next SAMPLE frames report (one 000–060 value per output). */
    levels: number[];
  };
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  private meterTimer: NodeJS.Timeout | undefined;
  private readonly getAllForms: string[];

  constructor(options: ShureSimOptions = {}) {
    this.model = options.model ?? 'MXA910';
    this.profile = MODELS[this.model];
    const own = this.profile.getAllIndex === null ? 'GET ALL' : `GET ${formatIndex(0, this.profile.indexDigits)} ALL`;
    this.getAllForms = options.getAllForms ?? [own];
    this.state = {
      muted: options.muted ?? false,
      ledBrightness: 2,
      meterRate: 0,
      preset: 1,
      channels: Array.from({ length: this.profile.channels }, (_, i) => ({ name: `Channel ${i + 1}`, muted: false, gain: 1100 })),
      levels: Array.from({ length: this.profile.meterCount }, (_, i) => 10 + i),
    };
  }

  /** Connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Connections accepted since the simulator started; only ever grows, so a reconnect shows. */
  accepted = 0;

  listen(port = 0): Promise<number> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  }

  /** Someone touches the array's mute button: the device toggles and reports it to every client. */
  pressMuteButton(): void {
    this.state.muted = !this.state.muted;
    this.broadcast(this.muteReps());
  }

  /** The "disconnect" fault: drops every connection; the listener stays (the array comes back). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Sends text unprompted to every connection (garbage, a stray `< REP ERR >`). */
  inject(text: string | Buffer): void {
    for (const s of this.sockets) s.write(text);
  }

  async close(): Promise<void> {
    this.setMeterRate(0);
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.accepted++;
    this.sockets.add(socket);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const split = splitDcs(text + chunk);
      text = split.rest;
      for (const content of split.frames) void this.onFrame(socket, content);
    });
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async onFrame(socket: net.Socket, content: string): Promise<void> {
    this.commands.push(content);
    if (this.faults.stalled || chance(this.faults.dropRate)) return;
    const { replies, changed } = this.handle(content);
    if (this.faults.delayMs > 0) await sleep(this.faults.delayMs);
    if (socket.destroyed) return;
    if (chance(this.faults.garbageRate)) socket.write(garbage());
    socket.write(replies.join(''));
    // Other controllers hear about changes too.
    if (changed.length) for (const other of this.sockets) if (other !== socket) other.write(changed.join(''));
  }

  private rep(param: string, values: Array<string | number> = [], index: number | null = null): string {
    return encodeMessage('REP', param, { index, indexDigits: this.profile.indexDigits, values });
  }

  private muteReps(): string[] {
    const v = this.state.muted ? 'ON' : 'OFF';
    return [this.rep('DEVICE_AUDIO_MUTE', [v]), this.rep('DEV_MUTE_STATUS_LED_STATE', [v])];
  }

  private channelReps(i: number, which: Array<'name' | 'mute' | 'gain'> = ['name', 'mute', 'gain']): string[] {
    const ch = this.state.channels[i - 1]!;
    const out: string[] = [];
    if (which.includes('name')) out.push(this.rep('CHAN_NAME', [padString(ch.name, 31)], i));
    if (which.includes('mute')) out.push(this.rep('AUDIO_MUTE', [ch.muted ? 'ON' : 'OFF'], i));
    if (which.includes('gain')) out.push(this.rep('AUDIO_GAIN_HI_RES', [String(ch.gain).padStart(4, '0')], i));
    return out;
  }

  private allReps(): string[] {
    const s = this.state;
    return [
      this.rep('MODEL', [padString(this.model, 32)]),
      this.rep('SERIAL_NUM', [padString('SIM0000001', 32)]),
      this.rep('FW_VER', [padString('4.7.13', 18)]),
      this.rep('PRESET', [String(s.preset).padStart(2, '0')]),
      ...this.muteReps(),
      this.rep('LED_BRIGHTNESS', [s.ledBrightness]),
      this.rep('METER_RATE', [String(s.meterRate).padStart(5, '0')]),
      ...s.channels.flatMap((_, i) => this.channelReps(i + 1)),
    ];
  }

  /** Applies one command: the REPs for the asker, and those every other client should see. */
  private handle(content: string): { replies: string[]; changed: string[] } {
    const err = { replies: [this.rep('ERR')], changed: [] };
    const msg = parseMessage(content);
    if (!msg || (msg.type !== 'GET' && msg.type !== 'SET')) return err;
    if (msg.param === 'ALL') {
      const form = `GET ${msg.index === null ? '' : `${content.split(/\s+/)[1]} `}ALL`;
      return msg.type === 'GET' && this.getAllForms.includes(form) ? { replies: this.allReps(), changed: [] } : err;
    }
    const get = msg.type === 'GET';
    const reply = (reps: string[], changed = !get) => ({ replies: reps, changed: changed ? reps : [] });
    const v = msg.values[0]?.toUpperCase();
    switch (msg.param) {
      case 'DEVICE_AUDIO_MUTE':
      case 'DEV_MUTE_STATUS_LED_STATE':
        if (msg.index !== null) return err;
        if (!get) {
          if (msg.param !== 'DEVICE_AUDIO_MUTE') return err;
          const next = this.onOffToggle(v, this.state.muted);
          if (next === undefined) return err;
          this.state.muted = next;
        }
        return reply(msg.param === 'DEVICE_AUDIO_MUTE' ? [this.muteReps()[0]!] : [this.muteReps()[1]!], !get);
      case 'AUDIO_MUTE':
      case 'AUDIO_GAIN_HI_RES':
      case 'CHAN_NAME':
        return this.channelCommand(msg, get, v) ?? err;
      case 'MODEL':
      case 'SERIAL_NUM':
      case 'FW_VER':
        return get ? reply(this.allReps().filter((r) => r.startsWith(`< REP ${msg.param} `))) : err;
      case 'LED_BRIGHTNESS': {
        if (!get) {
          const n = Number(v);
          if (!/^\d$/.test(v ?? '') || n > 5) return err;
          this.state.ledBrightness = n;
        }
        return reply([this.rep('LED_BRIGHTNESS', [this.state.ledBrightness])]);
      }
      case 'METER_RATE': {
        if (!get) {
          const n = Number(v);
          if (!/^\d+$/.test(v ?? '') || (n !== 0 && n < 100)) return err;
          this.setMeterRate(n);
        }
        return reply([this.rep('METER_RATE', [String(this.state.meterRate).padStart(5, '0')])]);
      }
      case 'PRESET': {
        if (!get) {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1 || n > 10) return err;
          this.state.preset = n;
        }
        return reply([this.rep('PRESET', [String(this.state.preset).padStart(2, '0')])]);
      }
      case 'FLASH':
        return !get && (v === 'ON' || v === 'OFF') ? reply([this.rep('FLASH', [v])]) : err;
      default:
        return err;
    }
  }

  private channelCommand(msg: DcsMessage, get: boolean, v: string | undefined): { replies: string[]; changed: string[] } | undefined {
    const count = this.state.channels.length;
    if (msg.index === null || msg.index > count) return undefined;
    const targets = msg.index === 0 ? Array.from({ length: count }, (_, i) => i + 1) : [msg.index];
    const which = msg.param === 'AUDIO_MUTE' ? 'mute' : msg.param === 'AUDIO_GAIN_HI_RES' ? 'gain' : 'name';
    if (!get) {
      if (which === 'name') return undefined; // names are set in Designer / the web UI
      for (const i of targets) {
        const ch = this.state.channels[i - 1]!;
        if (which === 'mute') {
          const next = this.onOffToggle(v, ch.muted);
          if (next === undefined) return undefined;
          ch.muted = next;
        } else {
          const amount = Number(msg.values[1]);
          const gain = v === 'INC' ? ch.gain + amount : v === 'DEC' ? ch.gain - amount : Number(v);
          if (!Number.isInteger(gain) || gain < 0 || gain > 1400) return undefined;
          ch.gain = gain;
        }
      }
    }
    const reps = targets.flatMap((i) => this.channelReps(i, [which]));
    return { replies: reps, changed: get ? [] : reps };
  }

  private onOffToggle(v: string | undefined, current: boolean): boolean | undefined {
    return v === 'ON' ? true : v === 'OFF' ? false : v === 'TOGGLE' ? !current : undefined;
  }

  private setMeterRate(ms: number): void {
    this.state.meterRate = ms;
    clearInterval(this.meterTimer);
    this.meterTimer = undefined;
    if (ms > 0) {
      this.meterTimer = setInterval(() => {
        const values = this.state.levels.map((l) => String(Math.max(0, Math.min(60, Math.round(l)))).padStart(3, '0'));
        this.broadcast([encodeMessage('SAMPLE', '', { values })]);
      }, ms);
    }
  }

  private broadcast(frames: string[]): void {
    if (this.faults.stalled) return;
    for (const s of this.sockets) s.write(frames.join(''));
  }
}

/** A running simulator plus its handle (tests reach `sim` for faults and the command log). */
export interface ShureSimulatorHandle extends SimulatorHandle {
  sim: ShureSimulator;
  transport: TransportConfig & { type: 'tcp'; host: string; port: number };
}

/** Starts a simulated array on an ephemeral 127.0.0.1 port; the model follows the device's options. */
export async function startShureSimulator(
  simOptions: ShureSimOptions = {},
  deviceOptions: { model?: ModelName } = {},
): Promise<ShureSimulatorHandle> {
  const sim = new ShureSimulator({ model: deviceOptions.model, ...simOptions });
  const port = await sim.listen(simOptions.port ?? 0);
  return { sim, transport: { type: 'tcp', host: '127.0.0.1', port }, close: () => sim.close() };
}
