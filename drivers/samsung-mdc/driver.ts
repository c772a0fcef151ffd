import {
  RoomError,
  Type,
  DeviceLink,
  type ByteTransport,
  type Reply,
  type DeviceDriver,
  type DriverContext,
  type QueuePolicy,
  type Static,
  type ValidatedCommand,
} from '../../src/sdk/index.ts';
import {
  BROADCAST_ID,
  CMD_NAMES,
  Cmd,
  Power,
  TLS_GREETING,
  containsTlsGreeting,
  decodeReply,
  decodeStatus,
  encodeRequest,
  hexByte,
  inputNameOf,
  resolveInputCode,
  scanFrames,
  toHex,
  wireId,
} from './protocol.ts';

/** `options` of a samsung-mdc device. */
export const MdcOptions = Type.Object(
  {
    displayId: Type.Integer({ minimum: 0, maximum: 0xfe, default: 0, description: 'MDC display ID; 254 (0xFE) broadcasts and gets no replies' }),
    idZeroOnWire: Type.Union([Type.Literal('00'), Type.Literal('FF')], {
      default: '00',
      description: "How display ID 0 is sent: '00' (newer models) or 'FF' (older LFD manuals)",
    }),
    inputs: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.Integer({ minimum: 0, maximum: 255 }), Type.String({ minLength: 1 })]), {
        description: 'input name -> MDC input code (0x21) or known name (hdmi1); known names always work too',
      }),
    ),
    replyTimeoutMs: Type.Integer({ minimum: 100, maximum: 30_000, default: 2000 }),
    volumeStep: Type.Integer({ minimum: 1, maximum: 50, default: 5, description: 'volumeUp/volumeDown step' }),
  },
  { additionalProperties: false },
);
export type MdcOptions = Static<typeof MdcOptions>;

interface Pending {
  rcmd: number;
  label: string;
  reply: Reply<Buffer>;
}

/**
 * One Samsung display over MDC. One request is in flight at a time (an internal chain, so a poll
 * and a command never interleave on the wire); each reply is validated and matched by its r-cmd.
 */
export class MdcDriver implements DeviceDriver {
  private readonly link: DeviceLink;
  private buffer: Buffer = Buffer.alloc(0);
  private tail = ''; // last bytes as text, to spot a greeting split across chunks
  private pending: Pending | undefined;
  private tlsError: RoomError | undefined;
  private statusUnsupported = false;
  private readonly id: number;
  private readonly broadcast: boolean;

  constructor(private readonly ctx: DriverContext<MdcOptions>) {
    this.id = wireId(ctx.options.displayId, ctx.options.idZeroOnWire);
    this.broadcast = this.id === BROADCAST_ID;
    this.link = new DeviceLink({
      open: ctx.transport,
      onData: (chunk, transport) => this.onData(transport, chunk),
      lost: (err) => ctx.lost(err),
    });
  }

  async connect(signal: AbortSignal): Promise<void> {
    this.tlsError = undefined;
    this.buffer = Buffer.alloc(0);
    this.tail = '';
    await this.link.connect(async () => {
      // Nobody answers a broadcast: nothing to handshake with.
      if (!this.broadcast) await this.refresh(signal);
    });
  }

  async disconnect(): Promise<void> {
    await this.link.disconnect();
  }

  async poll(signal: AbortSignal): Promise<void> {
    if (!this.broadcast) await this.refresh(signal);
  }

  policy(command: ValidatedCommand): QueuePolicy {
    switch (command.command) {
      case 'powerOn':
      case 'powerOff':
        return { key: 'power', timeoutMs: 10_000 };
      case 'setVolume':
        return { key: 'volume' };
      case 'selectInput':
        return { key: 'input' };
      case 'mute':
      case 'unmute':
        return { key: 'mute' };
      default:
        return {};
    }
  }

  async execute(command: ValidatedCommand, signal: AbortSignal): Promise<void> {
    const args = command.args;
    switch (command.command) {
      case 'powerOn':
      case 'powerOff': {
        const on = command.command === 'powerOn';
        const values = await this.request(Cmd.power, [on ? Power.on : Power.off], signal);
        const reported = values.length > 0 ? values[0] !== Power.off : on;
        this.ctx.update({ power: reported ? 'on' : 'off' }, command.command);
        return;
      }
      case 'selectInput': {
        const name = String(args.input);
        const code = resolveInputCode(name, this.ctx.options.inputs);
        if (code === undefined) {
          const names = [...Object.keys(this.ctx.options.inputs ?? {}), 'hdmi1', 'hdmi2', 'displayport1', '...'];
          throw new RoomError('BadArgs', `args.input: unknown input '${name}' (try ${names.join(', ')})`);
        }
        const values = await this.request(Cmd.input, [code], signal);
        this.ctx.update({ input: inputNameOf(values[0] ?? code, this.ctx.options.inputs) }, 'selectInput');
        return;
      }
      case 'setVolume':
        return this.setVolume(Number(args.level), signal);
      case 'volumeUp':
      case 'volumeDown': {
        // MDC has no relative volume command: read, then set ± step.
        const current = this.broadcast ? (this.ctx.state().volume ?? 0) : (await this.request(Cmd.volume, [], signal))[0];
        if (current === undefined) throw new RoomError('DeviceError', 'volume reply carried no value');
        const step = this.ctx.options.volumeStep * (command.command === 'volumeUp' ? 1 : -1);
        return this.setVolume(Math.max(0, Math.min(100, current + step)), signal);
      }
      case 'mute':
      case 'unmute': {
        const on = command.command === 'mute';
        const values = await this.request(Cmd.mute, [on ? 1 : 0], signal);
        this.ctx.update({ muted: values.length > 0 ? values[0] === 1 : on }, command.command);
        return;
      }
      default:
        throw new RoomError('Unsupported', `samsung-mdc does not implement '${command.command}'`);
    }
  }

  private async setVolume(level: number, signal: AbortSignal): Promise<void> {
    const values = await this.request(Cmd.volume, [level], signal);
    this.ctx.update({ volume: values[0] ?? level }, 'setVolume');
  }

  /** Reads power, volume, mute and input: the status command, or per-field GETs if it is refused. */
  private async refresh(signal: AbortSignal): Promise<void> {
    if (!this.statusUnsupported) {
      try {
        const status = decodeStatus(await this.request(Cmd.status, [], signal));
        if (status) {
          this.ctx.update(
            {
              power: status.power ? 'on' : 'off',
              volume: Math.min(100, status.volume),
              muted: status.muted,
              input: inputNameOf(status.input, this.ctx.options.inputs),
            },
            'poll',
          );
          return;
        }
        this.ctx.log.warn('status reply too short; switching to per-field reads');
      } catch (err) {
        if (!(err instanceof RoomError && err.details?.nak !== undefined)) throw err;
        this.ctx.log.info({ err: err.message }, 'status command refused; switching to per-field reads');
      }
      this.statusUnsupported = true;
    }
    const power = await this.request(Cmd.power, [], signal);
    this.ctx.update({ power: power[0] === Power.off ? 'off' : 'on' }, 'poll');
    // A display in standby may refuse the other reads: keep what we have rather than fail the poll.
    const patch: Record<string, unknown> = {};
    for (const [cmd, apply] of [
      [Cmd.volume, (v: number) => (patch.volume = Math.min(100, v))],
      [Cmd.mute, (v: number) => (patch.muted = v === 1)],
      [Cmd.input, (v: number) => (patch.input = inputNameOf(v, this.ctx.options.inputs))],
    ] as const) {
      try {
        const values = await this.request(cmd, [], signal);
        if (values.length > 0) apply(values[0]!);
      } catch (err) {
        if (!(err instanceof RoomError && err.details?.nak !== undefined)) throw err;
      }
    }
    this.ctx.update(patch, 'poll');
  }

  /** Queues one request behind any in flight; resolves with the ACK's values (after the r-cmd). */
  private request(cmd: number, data: number[], signal: AbortSignal): Promise<Buffer> {
    return this.link.oneAtATime(() => this.requestNow(cmd, data, signal));
  }

  private async requestNow(cmd: number, data: number[], signal: AbortSignal): Promise<Buffer> {
    const label = `${data.length ? 'set' : 'get'} ${CMD_NAMES[cmd] ?? hexByte(cmd)}${data.length ? ` ${data.join(',')}` : ''}`;
    if (this.tlsError) throw this.tlsError;
    const frame = encodeRequest(cmd, this.id, data);
    if (this.broadcast) {
      const transport = this.link.require(label);
      if (signal.aborted) throw signal.reason ?? new RoomError('DeviceTimeout', `${label}: aborted`);
      this.ctx.log.debug({ tx: toHex(frame) }, label);
      await transport.write(frame);
      return Buffer.alloc(0);
    }
    const timeoutMs = this.ctx.options.replyTimeoutMs;
    return this.link.request<Buffer>({
      frame,
      label,
      timeoutMs,
      signal,
      timedOut: () => {
        this.buffer = Buffer.alloc(0); // a half frame or false header must not swallow the next reply
        return new RoomError(
          'DeviceTimeout',
          `${label}: no reply from display id ${this.ctx.options.displayId} (sent as ${hexByte(this.id)}) within ${timeoutMs} ms` +
            (this.ctx.options.displayId === 0 ? "; if the display never answers, try idZeroOnWire 'FF'" : ''),
        );
      },
      start: (reply) => {
        this.ctx.log.debug({ tx: toHex(frame) }, label);
        this.pending = { rcmd: cmd, label, reply };
      },
      settled: () => (this.pending = undefined),
    });
  }

  /** Never throws: every oddity from the display is logged and survived. */
  private onData(transport: ByteTransport, chunk: Buffer): void {
    try {
      this.tail = (this.tail + chunk.toString('latin1')).slice(-64);
      if (containsTlsGreeting(Buffer.from(this.tail, 'latin1'))) {
        this.tail = '';
        this.onTlsGreeting(transport);
        return;
      }
      const scan = scanFrames(this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk, { responsesOnly: true });
      this.buffer = scan.rest;
      for (const problem of scan.problems) this.ctx.log.warn(`MDC input: ${problem}`);
      for (const frame of scan.frames) this.onFrame(frame);
    } catch (err) {
      this.ctx.log.error({ err }, 'MDC data handler failed');
    }
  }

  private onTlsGreeting(transport: ByteTransport): void {
    this.tlsError = new RoomError(
      'DeviceError',
      `display answered with '${TLS_GREETING}': its MDC "Secured Protocol" (TLS + PIN) is on, which roomd does not support yet; ` +
        'turn Secured Protocol off in the display menu (or use RS-232)',
      { reason: 'tls-required' },
    );
    this.ctx.log.error(this.tlsError.message);
    this.pending?.reply.reject(this.tlsError);
    // During connect() the handshake request carries the error; afterwards the link is useless.
    this.link.reportLost(transport, this.tlsError);
  }

  private onFrame(frame: Buffer): void {
    const reply = decodeReply(frame);
    if (reply.kind === 'invalid') {
      this.ctx.log.warn({ rx: toHex(frame) }, `MDC reply ignored: ${reply.reason}`);
      return;
    }
    const o = this.ctx.options;
    const idOk = reply.id === this.id || reply.id === o.displayId || (o.displayId === 0 && (reply.id === 0 || reply.id === 0xff));
    if (!idOk) {
      this.ctx.log.warn({ rx: toHex(frame) }, `MDC reply from display id ${hexByte(reply.id)} ignored (ours is ${hexByte(this.id)})`);
      return;
    }
    const pending = this.pending;
    if (!pending) {
      this.ctx.log.debug({ rx: toHex(frame) }, 'MDC reply with no request in flight (late?) ignored');
      return;
    }
    if (reply.rcmd !== pending.rcmd) {
      this.ctx.log.warn({ rx: toHex(frame) }, `MDC reply for ${hexByte(reply.rcmd)} while waiting for ${hexByte(pending.rcmd)}: ignored`);
      return;
    }
    if (reply.kind === 'nak') {
      pending.reply.reject(
        new RoomError('DeviceError', `display refused '${pending.label}' (NAK, error code ${hexByte(reply.error)})`, {
          nak: reply.error,
          command: hexByte(reply.rcmd),
        }),
      );
      return;
    }
    pending.reply.resolve(reply.values);
  }
}
