import {
  RoomError,
  Type,
  DeviceLink,
  createFramer,
  openByteTransport,
  type ByteTransport,
  type Reply,
  type DeviceDriver,
  type DeviceState,
  type DriverContext,
  type QueuePolicy,
  type Static,
  type ValidatedCommand,
} from '../../src/sdk/index.ts';
import { CallTracker } from '../../src/sdk/call-tracker.ts';
import { callStatusFromCodec } from '../../src/sdk/call-status.ts';
import {
  REGISTRATIONS,
  ackMatcher,
  dialCommand,
  dtmfCommands,
  filterTelnet,
  parsePolyLine,
  splitPolyLines,
  type AckVerdict,
  type PolyLine,
} from './protocol.ts';

/** The `options:` of a poly-group device in the config. */
export const PolyOptions = Type.Object(
  {
    password: Type.String({ default: '', description: 'Answer to a `Password:` prompt, if the codec asks' }),
    callRate: Type.Integer({ default: 384, minimum: 56, maximum: 6144, description: 'kbps for `dial manual`' }),
    callType: Type.Optional(Type.Union([Type.Literal('h323'), Type.Literal('sip'), Type.Literal('h320')], { description: 'Call type for `dial manual`; omitted, the codec picks' })),
    echo: Type.Union([Type.Literal('auto'), Type.Literal('on'), Type.Literal('off')], {
      default: 'auto',
      description: 'Whether the codec echoes commands; auto learns it from the first registration',
    }),
    pacingMs: Type.Integer({ default: 200, minimum: 0, description: 'Gap between commands the driver sends itself (Polycom asks ~200 ms)' }),
    commandTimeoutMs: Type.Integer({ default: 5000, minimum: 100 }),
    bannerQuietMs: Type.Integer({ default: 400, minimum: 20, description: 'Silence that ends the welcome banner when no `->` prompt is printed' }),
    connectTimeoutMs: Type.Integer({ default: 8000, minimum: 100 }),
  },
  { additionalProperties: false },
);
export type PolyOptions = Static<typeof PolyOptions>;

interface Pending {
  command: string;
  matcher: ReturnType<typeof ackMatcher>;
  echoSeen: boolean;
  reply: Reply<void>;
}

/** Creates a Poly Group Series / HDX driver instance. */
export function createPolyDriver(ctx: DriverContext<PolyOptions>): DeviceDriver {
  return new PolyGroupDriver(ctx);
}

class PolyGroupDriver implements DeviceDriver {
  private readonly link = new DeviceLink({
    open: () => openByteTransport(this.ctx.transport),
    onData: (chunk, transport) => this.onData(transport, chunk),
    lost: (err) => this.ctx.lost(err),
  });
  private readonly framer = createFramer(splitPolyLines());
  private telnetRest: Buffer = Buffer.alloc(0);
  private readonly tracker = new CallTracker();
  private pending: Pending | undefined;
  private lastWrite = 0;
  private echo: 'unknown' | 'on' | 'off' = 'unknown';
  /** Set while waiting for the banner: told of every line and of the `->` prompt. */
  private bannerHandler: ((line: PolyLine) => void) | undefined;

  constructor(private readonly ctx: DriverContext<PolyOptions>) {}

  async connect(signal: AbortSignal): Promise<void> {
    const t = this.ctx.transport;
    if (t.type !== 'tcp' && t.type !== 'serial') throw new RoomError('ConfigError', `poly-group cannot use a '${t.type}' transport (tcp port 24 or serial)`);
    this.framer.reset();
    this.telnetRest = Buffer.alloc(0);
    this.echo = this.ctx.options.echo === 'auto' ? 'unknown' : this.ctx.options.echo;
    await this.link.connect(async (link) => {
      await this.waitForBanner(link, signal);
      for (const r of REGISTRATIONS) await this.send(r, signal);
      await this.send('mute near get', signal);
      await this.send('getcallstate', signal);
    });
  }

  async disconnect(): Promise<void> {
    await this.link.disconnect();
  }

  /** Keeps the session alive (PlaceOS polls every 50 s) and resynchronises the call state. */
  async poll(signal: AbortSignal): Promise<void> {
    await this.send('getcallstate', signal);
  }

  policy(command: ValidatedCommand): QueuePolicy {
    if (command.command === 'hangup' || command.command === 'reject') return { priority: 1 };
    if (command.command === 'dtmf') return { timeoutMs: 2000 + 32 * (this.ctx.options.pacingMs + 500) };
    return {};
  }

  async execute(command: ValidatedCommand, signal: AbortSignal): Promise<void> {
    const args = command.args as Record<string, string>;
    switch (command.command) {
      case 'dial': {
        let line: string;
        try {
          line = dialCommand(args.number, this.ctx.options.callRate, this.ctx.options.callType);
        } catch (err) {
          throw new RoomError('BadArgs', `args.${(err as Error).message}`);
        }
        this.tracker.noteDial(args.number);
        try {
          await this.send(line, signal);
        } catch (err) {
          if (err instanceof RoomError && err.code === 'DeviceError') {
            this.ctx.update(this.tracker.dialFailed(args.number, err.message), 'dial refused');
            throw new RoomError('DeviceError', `dial "${args.number}" failed: ${err.message}`);
          }
          throw err;
        }
        return;
      }
      case 'hangup':
        this.tracker.setCauseForAll('cancelled');
        return this.send('hangup all', signal);
      case 'answer':
        return this.send('answer video', signal);
      case 'reject': {
        // No reject verb in the API: hanging up an unanswered incoming call declines it.
        const id = this.tracker.currentId('incoming');
        if (id) this.tracker.setCause(id, 'rejected');
        return this.send('hangup video', signal);
      }
      case 'dtmf': {
        let lines: string[];
        try {
          lines = dtmfCommands(args.digits);
        } catch (err) {
          throw new RoomError('BadArgs', `args.${(err as Error).message}`);
        }
        for (const line of lines) await this.send(line, signal);
        return;
      }
      case 'powerOn':
        await this.send('wake', signal);
        return this.ctx.update({ power: 'on' }, 'wake acknowledged');
      case 'powerOff':
        await this.send('sleep', signal);
        return this.ctx.update({ power: 'off' }, 'sleep acknowledged');
      case 'muteMicrophones':
        return this.send('mute near on', signal);
      case 'unmuteMicrophones':
        return this.send('mute near off', signal);
      default:
        throw new RoomError('Unsupported', `poly-group does not implement '${command.command}'`);
    }
  }

  // -------------------------------------------------------------------------------------------

  /** Answers a `Password:` prompt and waits for the `->` prompt or a quiet line after the banner. */
  private waitForBanner(link: ByteTransport, signal: AbortSignal): Promise<void> {
    const { password, bannerQuietMs, connectTimeoutMs } = this.ctx.options;
    let quiet: NodeJS.Timeout | undefined;
    return this.link.request<void>({
      label: `connecting to ${link.description}`,
      timeoutMs: connectTimeoutMs,
      signal,
      timedOut: () => new RoomError('DeviceTimeout', `${link.description} never finished its banner`),
      aborted: () => new RoomError('DeviceTimeout', `connecting to ${link.description} aborted`),
      start: (reply) => {
        const rearm = () => {
          clearTimeout(quiet);
          quiet = setTimeout(() => reply.resolve(), bannerQuietMs);
        };
        this.bannerHandler = (line) => {
          rearm();
          if (line.kind === 'password-prompt') {
            if (!password) return reply.reject(new RoomError('DeviceError', `${link.description} asks for a password and options.password is empty`));
            link.write(`${password}\r`).catch(() => undefined);
          } else if (line.kind === 'prompt') reply.resolve();
          else if (line.kind === 'error' && /password|denied|incorrect/i.test(line.text)) reply.reject(new RoomError('DeviceError', `password refused: ${line.text}`));
        };
        rearm();
      },
      settled: () => {
        clearTimeout(quiet);
        this.bannerHandler = undefined;
      },
    });
  }

  /** Sends one command (paced, one in flight) and waits for its acknowledgement. */
  private send(command: string, signal: AbortSignal): Promise<void> {
    return this.link.oneAtATime(async () => {
      const wait = this.lastWrite + this.ctx.options.pacingMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const ms = this.ctx.options.commandTimeoutMs;
      return this.link.request<void>({
        frame: `${command}\r`,
        label: `"${command}"`,
        timeoutMs: ms,
        signal,
        timedOut: () => new RoomError('DeviceTimeout', `no acknowledgement of "${command}" within ${ms} ms`),
        aborted: () => new RoomError('DeviceTimeout', `no reply to "${command}" (aborted)`),
        start: (reply) => {
          this.pending = { command, matcher: ackMatcher(command), echoSeen: false, reply };
          this.lastWrite = Date.now();
        },
        settled: () => (this.pending = undefined),
      });
    });
  }

  private onData(link: ByteTransport, chunk: Buffer): void {
    let data = chunk;
    if (this.ctx.transport.type === 'tcp') {
      const t = filterTelnet(this.telnetRest.length ? Buffer.concat([this.telnetRest, chunk]) : chunk);
      this.telnetRest = t.rest;
      if (t.negotiations.length) this.ctx.log.debug({ telnet: t.negotiations }, 'poly-group: telnet negotiation');
      if (t.reply.length) link.write(t.reply).catch(() => undefined);
      data = t.data;
    }
    for (const frame of this.framer.push(data)) {
      try {
        this.onLine(frame.toString('latin1'));
      } catch (err) {
        this.ctx.log.warn({ err, line: frame.toString('latin1') }, 'poly-group: failed to handle a line');
      }
    }
  }

  private onLine(text: string): void {
    const line = parsePolyLine(text);
    if (this.bannerHandler) return this.bannerHandler(line);
    if (line.kind === 'prompt') return;
    const p = this.pending;
    const bare = text.replace(/^(\s*->\s?)+/, '').trim().toLowerCase();
    if (p && bare === p.command.toLowerCase()) {
      // The codec repeating the command is either its echo or (Group Series) the acknowledgement.
      if (p.matcher.distinct || (this.echo === 'on' && !p.echoSeen)) {
        if (p.matcher.distinct && this.echo === 'unknown') this.echo = 'on';
        p.echoSeen = true;
        return;
      }
      this.applyState(line);
      return p.reply.resolve();
    }
    this.applyState(line);
    if (!p) return;
    const verdict: AckVerdict = p.matcher.match(line);
    if (verdict === 'ack') {
      if (this.echo === 'unknown') this.echo = p.echoSeen ? 'on' : 'off';
      p.reply.resolve();
    } else if (verdict === 'fail') {
      p.reply.reject(new RoomError('DeviceError', line.kind === 'error' || line.kind === 'info' ? line.text : `codec refused "${p.command}"`));
    }
  }

  private applyState(line: PolyLine): void {
    const update = (patch: DeviceState, reason: string) => this.ctx.update(patch, reason);
    switch (line.kind) {
      case 'cs': {
        if (line.inactive) return update(this.tracker.end(line.id), `call ${line.id} inactive`);
        const status = line.state ? callStatusFromCodec(line.state) : undefined;
        // `cs:` lines that say nothing about progress (IDLE included) are not followed: the call
        // ends with `ended:` or `inactive`.
        if (!status || status === 'idle') return this.ctx.log.debug({ state: line.state }, 'poly-group: call state not followed');
        return update(this.tracker.observe(line.id, { status, ...(line.dialstr ? { remote: line.dialstr } : {}) }), `call ${line.id} ${line.state}`);
      }
      case 'active':
        return update(this.tracker.observe(line.id, { status: 'connected' }), `call ${line.id} active`);
      case 'cleared':
        return update(this.tracker.observe(line.id, { status: 'disconnecting' }), `call ${line.id} cleared`);
      case 'ended':
        return update(this.tracker.end(line.id), `call ${line.id} ended`);
      case 'callstatus': {
        const status = callStatusFromCodec(line.status);
        if (!status || status === 'idle') return update(this.tracker.end(line.id), `call ${line.id} ${line.status}`);
        const remote = line.address || line.name;
        return update(this.tracker.observe(line.id, { status, direction: line.direction, ...(remote ? { remote } : {}) }), `call ${line.id} ${line.status}`);
      }
      case 'no-call':
        return update(this.tracker.retainOnly(new Set()), 'not in a call');
      case 'mute':
        if (!line.far) update({ micMuted: line.muted }, `near mute ${line.muted ? 'on' : 'off'}`);
        return;
      case 'power':
        return update({ power: line.asleep ? 'off' : 'on' }, line.asleep ? 'going to sleep' : 'waking up');
      case 'malformed':
        return this.ctx.log.warn({ line: line.text, reason: line.reason }, 'poly-group: malformed line from codec');
      default:
        return this.ctx.log.debug({ line }, 'poly-group: line');
    }
  }
}
