import { StringDecoder } from 'node:string_decoder';
import {
  RoomError,
  Type,
  DeviceLink,
  type Reply,
  type DeviceDriver,
  type DriverContext,
  type QueuePolicy,
  type Static,
  type ValidatedCommand,
} from '../../src/sdk/index.ts';
import {
  MODELS,
  answers,
  encodeMessage,
  getAllCommands,
  interpret,
  parseMessage,
  splitDcs,
  type DcsMessage,
  type ModelProfile,
} from './protocol.ts';

/** `options` of a shure-dcs device. */
export const ShureOptions = Type.Object(
  {
    model: Type.Union([Type.Literal('MXA910'), Type.Literal('MXA310'), Type.Literal('MXA920'), Type.Literal('MXA710'), Type.Literal('ANIUSB')], {
      default: 'MXA910',
    }),
    channels: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, description: "override the model's channel count (MXA710 2 ft: 4)" })),
    ledBrightness: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, description: 'sent as LED_BRIGHTNESS after every connect' })),
    metering: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: false }),
          intervalMs: Type.Integer({ minimum: 100, maximum: 99_999, default: 1000, description: 'METER_RATE on the device' }),
        },
        { additionalProperties: false },
      ),
    ),
    levelUpdateMs: Type.Integer({ minimum: 100, maximum: 10_000, default: 250, description: 'at most one `level` state update per this many ms' }),
    replyTimeoutMs: Type.Integer({ minimum: 100, maximum: 30_000, default: 2000 }),
    errGraceMs: Type.Integer({
      minimum: 0,
      maximum: 2000,
      default: 150,
      description: 'after a REP ERR, how long the matching REP may still arrive (the ERR was then a stray one)',
    }),
  },
  { additionalProperties: false },
);
export type ShureOptions = Static<typeof ShureOptions>;

/** One microphone channel as reported in state `channels`. */
export interface ChannelState {
  index: number;
  name: string | null;
  muted: boolean | null;
  /** AUDIO_GAIN_HI_RES as the device reports it: 0–1400 in 0.1 dB steps (1100 = 0 dB, unverified). */
  gain: number | null;
}

interface Pending {
  label: string;
  param: string;
  index: number | null;
  value?: string;
  reply: Reply<void>;
  errTimer?: NodeJS.Timeout;
}

/**
 * A Shure networked microphone array over TCP 2202. State is fed by REPs, whoever caused them
 * (our SETs, the hardware mute button, the web UI). One GET/SET is awaited at a time; a REP ERR
 * is pinned on that one (the device does not say which command failed).
 */
export class ShureDriver implements DeviceDriver {
  private readonly link: DeviceLink;
  private decoder = new StringDecoder('utf8');
  private text = '';
  private pending: Pending | undefined;
  /** The last frame sent without awaiting a reply (GET ALL), to attribute a stray ERR in the log. */
  private lastUnawaited: { frame: string; at: number } | undefined;
  private getAllRejected = false;
  private readonly profile: ModelProfile;
  private readonly channels: ChannelState[];
  private levels: number[] | undefined;
  private lastLevelAt = -Infinity;
  private levelTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: DriverContext<ShureOptions>) {
    this.profile = MODELS[ctx.options.model];
    const count = ctx.options.channels ?? this.profile.channels;
    this.channels = Array.from({ length: count }, (_, i) => ({ index: i + 1, name: null, muted: null, gain: null }));
    this.link = new DeviceLink({
      open: ctx.transport,
      onData: (chunk) => this.onData(chunk),
      lost: (err) => ctx.lost(err),
      onClose: () => this.stopLevelTimer(),
    });
  }

  async connect(signal: AbortSignal): Promise<void> {
    this.text = '';
    this.decoder = new StringDecoder('utf8');
    this.getAllRejected = false;
    await this.link.connect(async () => {
      this.ctx.update({ channels: this.channels.map((c) => ({ ...c })) }, 'connect');
      // Everything the device knows comes back as REPs, in no order we could wait on; the mute GET
      // after it is the handshake (the device answers in order, so the dump has arrived by then).
      const [getAll, otherForm] = getAllCommands(this.profile);
      await this.sendUnawaited(getAll);
      await this.request('GET', 'DEVICE_AUDIO_MUTE', null, [], signal);
      if (this.getAllRejected) {
        this.ctx.log.info(`'${getAll}' was refused; trying '${otherForm}' (the form depends on the firmware)`);
        await this.sendUnawaited(otherForm);
      }
      await this.applyOptions(signal);
    });
  }

  async disconnect(): Promise<void> {
    this.stopLevelTimer();
    await this.link.disconnect();
  }

  /** Liveness only: every value we show is pushed by the device. */
  async poll(signal: AbortSignal): Promise<void> {
    await this.request('GET', 'DEVICE_AUDIO_MUTE', null, [], signal);
  }

  policy(command: ValidatedCommand): QueuePolicy {
    if (command.command === 'muteMicrophones' || command.command === 'unmuteMicrophones') return { key: 'micMute', priority: 1 };
    return {};
  }

  async execute(command: ValidatedCommand, signal: AbortSignal): Promise<void> {
    switch (command.command) {
      case 'muteMicrophones':
      case 'unmuteMicrophones': {
        const value = command.command === 'muteMicrophones' ? 'ON' : 'OFF';
        await this.request('SET', 'DEVICE_AUDIO_MUTE', null, [value], signal, value);
        return;
      }
      case 'send':
        return this.sendRaw(String(command.args.data), signal);
      default:
        throw new RoomError('Unsupported', `shure-dcs does not implement '${command.command}'`);
    }
  }

  /** A technician's command string, with or without the brackets; resolves on its REP. */
  private async sendRaw(data: string, signal: AbortSignal): Promise<void> {
    const trimmed = data.trim();
    const content = trimmed.startsWith('<') && trimmed.endsWith('>') ? trimmed.slice(1, -1).trim() : trimmed;
    const msg = parseMessage(content);
    if (!msg || (msg.type !== 'GET' && msg.type !== 'SET') || /[<>\r\n]/.test(content)) {
      throw new RoomError('BadArgs', `args.data: expected one command string like '< GET DEVICE_AUDIO_MUTE >', got '${data}'`);
    }
    if (msg.param === 'ALL') {
      await this.sendUnawaited(`< ${content} >`);
      return;
    }
    await this.request(msg.type, msg.param, msg.index, msg.values, signal, undefined, `< ${content} >`);
  }

  private async applyOptions(signal: AbortSignal): Promise<void> {
    const o = this.ctx.options;
    const metering = o.metering?.enabled ? o.metering.intervalMs : 0;
    // Metering can flood the link: it is switched off unless asked for (as PlaceOS does).
    const settings: Array<[string, number]> = [['METER_RATE', metering]];
    if (o.ledBrightness !== undefined) settings.push(['LED_BRIGHTNESS', o.ledBrightness]);
    for (const [param, value] of settings) {
      try {
        await this.request('SET', param, null, [value], signal);
      } catch (err) {
        if (!(err instanceof RoomError && err.code === 'DeviceError')) throw err;
        // An option the firmware lacks must not keep the mics from being controllable.
        this.ctx.log.warn(`${param} ${value} refused by the device (firmware?): ${err.message}`);
      }
    }
  }

  private async sendUnawaited(frame: string): Promise<void> {
    const transport = this.link.require(frame);
    this.lastUnawaited = { frame, at: Date.now() };
    this.ctx.log.debug({ tx: frame }, 'send');
    await transport.write(frame);
  }

  /** Queues one GET/SET behind any in flight; resolves on the matching REP. */
  private request(
    type: 'GET' | 'SET',
    param: string,
    index: number | null,
    values: ReadonlyArray<string | number>,
    signal: AbortSignal,
    expectValue?: string,
    frameOverride?: string,
  ): Promise<void> {
    const frame = frameOverride ?? encodeMessage(type, param, { index, indexDigits: this.profile.indexDigits, values });
    const timeoutMs = this.ctx.options.replyTimeoutMs;
    return this.link.oneAtATime(() => this.link.request<void>({
      frame,
      label: frame,
      timeoutMs,
      signal,
      timedOut: () => new RoomError('DeviceTimeout', `${frame}: no REP ${param} within ${timeoutMs} ms`),
      start: (reply) => {
        this.pending = { label: frame, param, index, value: expectValue, reply };
        this.ctx.log.debug({ tx: frame }, 'send');
      },
      settled: () => {
        clearTimeout(this.pending?.errTimer);
        this.pending = undefined;
      },
    }));
  }

  /** Never throws: garbage and odd frames are logged and survived. */
  private onData(chunk: Buffer): void {
    try {
      const split = splitDcs(this.text + this.decoder.write(chunk));
      this.text = split.rest;
      for (const junk of split.discarded) this.ctx.log.warn({ junk: junk.slice(0, 80) }, 'DCS: skipped text outside < ... >');
      for (const content of split.frames) {
        const msg = parseMessage(content);
        if (!msg) {
          this.ctx.log.warn({ frame: content.slice(0, 120) }, 'DCS: unparseable frame ignored');
          continue;
        }
        this.onMessage(msg);
      }
    } catch (err) {
      this.ctx.log.error({ err }, 'DCS data handler failed');
    }
  }

  private onMessage(msg: DcsMessage): void {
    const event = interpret(msg);
    switch (event.kind) {
      case 'error':
        this.onErr();
        return;
      case 'deviceMute':
        this.ctx.update({ micMuted: event.muted }, 'device');
        break;
      case 'muteLed':
        this.ctx.update({ muteLed: event.on }, 'device');
        break;
      case 'channelMute':
      case 'channelGain':
      case 'channelName': {
        const ch = this.channels[event.index - 1];
        if (!ch) break; // automix output, AEC reference... not a mic channel
        if (event.kind === 'channelMute') ch.muted = event.muted;
        else if (event.kind === 'channelGain') ch.gain = event.gain;
        else ch.name = event.name;
        this.ctx.update({ channels: this.channels.map((c) => ({ ...c })) }, 'device');
        break;
      }
      case 'ledBrightness':
        this.ctx.update({ ledBrightness: event.value }, 'device');
        break;
      case 'meterRate':
        this.ctx.update({ meterRateMs: event.ms }, 'device');
        break;
      case 'info':
        this.ctx.update({ [event.field]: event.value }, 'device');
        break;
      case 'levels':
        this.onLevels(event.levels);
        return;
      case 'other':
        this.ctx.log.trace({ msg }, 'DCS: unhandled message');
        break;
    }
    const pending = this.pending;
    if (pending && answers(msg, pending.param, pending.index, pending.value)) pending.reply.resolve();
  }

  /**
   * `< REP ERR >` names no command. If a request is in flight it is the likely culprit, but stray
   * ERRs happen: give the matching REP `errGraceMs` to arrive before failing the request.
   */
  private onErr(): void {
    const pending = this.pending;
    if (!pending || pending.errTimer) {
      this.onStrayErr(pending ? `while waiting for '${pending.label}'` : 'with no command in flight');
      return;
    }
    pending.errTimer = setTimeout(() => {
      pending.reply.reject(
        new RoomError(
          'DeviceError',
          `the device answered '${pending.label}' with < REP ERR > (unknown command, wrong channel index or unsupported value; ` +
            'the device does not say which)',
          { command: pending.label },
        ),
      );
    }, this.ctx.options.errGraceMs);
    // If the REP arrives in the grace period the request resolves and the ERR was someone else's.
    const resolve = pending.reply.resolve;
    pending.reply = {
      ...pending.reply,
      resolve: () => {
        this.onStrayErr(`before the REP answering '${pending.label}'`);
        resolve();
      },
    };
  }

  private onStrayErr(when: string): void {
    const recent = this.lastUnawaited && Date.now() - this.lastUnawaited.at < 5000 ? this.lastUnawaited : undefined;
    if (recent && / ALL >$/.test(recent.frame)) this.getAllRejected = true;
    this.ctx.log.warn(`DCS: < REP ERR > ${when}${recent ? `; probably for '${recent.frame}'` : ''}; ignored`);
    this.lastUnawaited = undefined;
  }

  private onLevels(levels: number[]): void {
    this.levels = levels;
    const wait = this.lastLevelAt + this.ctx.options.levelUpdateMs - performance.now();
    if (wait <= 0) this.flushLevels();
    else this.levelTimer ??= setTimeout(() => this.flushLevels(), Math.ceil(wait));
  }

  private flushLevels(): void {
    this.stopLevelTimer();
    const levels = this.levels;
    if (!levels || !this.link.transport) return;
    this.lastLevelAt = performance.now();
    // `level` is the loudest output, 0–60 as the device meters it; `levels` keeps each output.
    this.ctx.update({ level: Math.max(...levels), levels: [...levels] }, 'meter');
  }

  private stopLevelTimer(): void {
    clearTimeout(this.levelTimer);
    this.levelTimer = undefined;
  }
}
