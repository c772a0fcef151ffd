import {
  RoomError,
  Type,
  DeviceLink,
  createFramer,
  openByteTransport,
  type ByteTransport,
  type Reply,
  type DeviceDriver,
  type DriverContext,
  type QueuePolicy,
  type Static,
  type ValidatedCommand,
} from '../../src/sdk/index.ts';
import { CallTracker } from '../../src/sdk/call-tracker.ts';
import { callStatusFromCodec } from '../../src/sdk/call-status.ts';
import {
  FEEDBACK_PATHS,
  STATUS_READS,
  XapiReader,
  dialCommand,
  encodeLine,
  interpretStatus,
  outcomeFromCause,
  quoteValue,
  splitXapi,
  type XapiMessage,
  type XapiResult,
} from './protocol.ts';
import { SshShellTransport } from './ssh-link.ts';

/** Driver options (`options:` in the config). */
export const CiscoOptions = Type.Object(
  {
    username: Type.String({ default: 'admin', description: 'Login for Telnet-style TCP and RS-232 (SSH takes it from the transport)' }),
    password: Type.String({ default: '', description: 'Password for Telnet-style TCP and RS-232' }),
    hostKeySha256: Type.Optional(Type.String({ description: 'SSH host key fingerprint (base64 SHA-256) to pin; unset accepts any key' })),
    dialProtocol: Type.Optional(Type.Union([Type.Literal('Sip'), Type.Literal('H323'), Type.Literal('H320'), Type.Literal('Spark')])),
    callRate: Type.Optional(Type.Integer({ minimum: 64, maximum: 6000, description: 'kbps for Dial' })),
    commandTimeoutMs: Type.Integer({ default: 5000, minimum: 100 }),
    loginTimeoutMs: Type.Integer({ default: 8000, minimum: 100 }),
    loginQuietMs: Type.Integer({
      default: 600,
      minimum: 20,
      description: 'Silence after which a serial line is poked with a newline, and after that assumed to need no login',
    }),
  },
  { additionalProperties: false },
);
export type CiscoOptions = Static<typeof CiscoOptions>;

interface Pending {
  command: string;
  resultId?: string;
  expectResult: boolean;
  result?: XapiResult;
  done?: 'ok' | 'error';
  notRecognized: boolean;
  reply: Reply<XapiResult | undefined>;
}

/** Creates a Cisco xAPI driver instance. */
export function createCiscoDriver(ctx: DriverContext<CiscoOptions>): DeviceDriver {
  return new CiscoXapiDriver(ctx);
}

class CiscoXapiDriver implements DeviceDriver {
  private readonly link = new DeviceLink({
    open: () => this.open(),
    onData: (chunk) => this.onData(chunk),
    lost: (err) => this.ctx.lost(err),
  });
  private readonly framer = createFramer(splitXapi());
  private readonly reader = new XapiReader();
  private readonly tracker = new CallTracker();
  private pending: Pending | undefined;
  private seq = 0;
  private discarded = 0;
  /** Set while logging in: receives login prompts, banner results and OK lines. */
  private loginHandler: ((m: XapiMessage) => void) | undefined;
  /** Call ids seen during `xStatus Call`, to end calls that vanished while we were away. */
  private seenCalls: Set<string> | undefined;

  constructor(private readonly ctx: DriverContext<CiscoOptions>) {}

  async connect(signal: AbortSignal): Promise<void> {
    this.framer.reset();
    this.reader.reset();
    await this.link.connect(async (link) => {
      await this.login(link, signal);
      await this.send('echo off', { signal, tag: false });
      // Registrations belong to the session: a new connection starts with none.
      for (const path of FEEDBACK_PATHS) await this.send(`xFeedback register ${path}`, { signal });
      this.seenCalls = new Set();
      for (const read of STATUS_READS) await this.send(read, { signal });
      this.ctx.update(this.tracker.retainOnly(this.seenCalls), 'status read at connect');
      this.seenCalls = undefined;
    });
  }

  async disconnect(): Promise<void> {
    await this.link.disconnect();
  }

  /** Heartbeat (idle sessions get closed) that also refreshes standby. */
  async poll(signal: AbortSignal): Promise<void> {
    await this.send('xStatus Standby', { signal });
  }

  policy(command: ValidatedCommand): QueuePolicy {
    switch (command.command) {
      case 'hangup':
      case 'reject':
        return { priority: 1 };
      case 'dial':
        return { timeoutMs: 15_000 };
      default:
        return {};
    }
  }

  async execute(command: ValidatedCommand, signal: AbortSignal): Promise<void> {
    const args = command.args as Record<string, string>;
    switch (command.command) {
      case 'dial':
        return this.dial(args.number, signal);
      case 'hangup':
        return this.hangup(signal);
      case 'answer':
        await this.xCommand(`xCommand Call Accept${this.callIdArg('incoming')}`, signal);
        return;
      case 'reject': {
        const id = this.tracker.currentId('incoming');
        if (id) this.tracker.setCause(id, 'rejected');
        await this.xCommand(`xCommand Call Reject${this.callIdArg('incoming')}`, signal);
        return;
      }
      case 'dtmf':
        await this.xCommand(`xCommand Call DTMFSend${this.callIdArg('connected')} DTMFString: ${quoteValue(args.digits, 'digits')}`, signal);
        return;
      case 'powerOn':
        await this.xCommand('xCommand Standby Deactivate', signal);
        return;
      case 'powerOff':
        await this.xCommand('xCommand Standby Activate', signal);
        return;
      case 'muteMicrophones':
        await this.xCommand('xCommand Audio Microphones Mute', signal);
        return;
      case 'unmuteMicrophones':
        await this.xCommand('xCommand Audio Microphones Unmute', signal);
        return;
      default:
        throw new RoomError('Unsupported', `cisco-xapi does not implement '${command.command}'`);
    }
  }

  // -------------------------------------------------------------------------------------------

  private async dial(number: string, signal: AbortSignal): Promise<void> {
    let line: string;
    try {
      line = dialCommand(number, { protocol: this.ctx.options.dialProtocol, callRate: this.ctx.options.callRate });
    } catch (err) {
      throw new RoomError('BadArgs', `args.${(err as Error).message}`);
    }
    this.tracker.noteDial(number);
    let result: XapiResult | undefined;
    try {
      result = await this.xCommand(line, signal);
    } catch (err) {
      if (err instanceof RoomError && err.code === 'DeviceError') {
        const reason = (err.details?.reason as string | undefined) ?? err.message;
        this.ctx.update(this.tracker.dialFailed(number, reason), 'dial refused');
        throw new RoomError('DeviceError', `dial "${number}" failed: ${reason}`, err.details);
      }
      throw err;
    }
    const callId = result?.fields.CallId;
    if (callId) this.ctx.update(this.tracker.observe(callId, { direction: 'outgoing', remote: number }), 'dial accepted');
  }

  /**
   * Hangs up every call the codec reported, by CallId: CE and RoomOS document only `Call
   * Disconnect [CallId: n]` (`Call DisconnectAll` is TC-era). With no call known there is
   * nothing to hang up, and nothing is sent.
   */
  private async hangup(signal: AbortSignal): Promise<void> {
    const ids = this.tracker.liveIds();
    if (ids.length === 0) return this.ctx.log.debug('cisco-xapi: hangup with no call up; nothing sent');
    this.tracker.setCauseForAll('cancelled');
    for (const id of ids) await this.xCommand(`xCommand Call Disconnect CallId: ${id}`, signal);
  }

  private callIdArg(status: 'incoming' | 'connected'): string {
    const id = this.tracker.currentId(status);
    return id ? ` CallId: ${id}` : '';
  }

  private xCommand(line: string, signal: AbortSignal): Promise<XapiResult | undefined> {
    return this.send(line, { signal, expectResult: true });
  }

  private open(): Promise<ByteTransport> {
    const t = this.ctx.transport;
    switch (t.type) {
      case 'ssh':
        return new SshShellTransport(t, this.ctx.options.hostKeySha256).open();
      case 'tcp':
      case 'serial':
        return openByteTransport(t);
      default:
        throw new RoomError('ConfigError', `cisco-xapi cannot use a '${t.type}' transport (ssh, tcp or serial)`);
    }
  }

  /**
   * Answers `login:`/`Password:` prompts (Telnet-style TCP, serial with LoginRequired) and waits
   * for the banner's `*r Login successful` + `OK`. A serial port that needs no login prints
   * nothing, so after a quiet spell we poke it with a newline, and after another assume no login.
   */
  private login(link: ByteTransport, signal: AbortSignal): Promise<void> {
    const { username, password, loginTimeoutMs, loginQuietMs } = this.ctx.options;
    let loggedIn = false;
    let poked = this.ctx.transport.type === 'ssh';
    let quiet: NodeJS.Timeout | undefined;
    return this.link.request<void>({
      label: `login to ${link.description}`,
      timeoutMs: loginTimeoutMs,
      signal,
      timedOut: () => new RoomError('DeviceTimeout', `no login banner from ${link.description} within ${loginTimeoutMs} ms`),
      aborted: () => new RoomError('DeviceTimeout', `login to ${link.description} aborted`),
      start: (reply) => {
        const onQuiet = () => {
          if (loggedIn || poked) return reply.resolve();
          poked = true;
          link.write('\n').catch(() => undefined);
          quiet = setTimeout(onQuiet, loginQuietMs);
        };
        const rearm = () => {
          clearTimeout(quiet);
          quiet = setTimeout(onQuiet, loginQuietMs);
        };
        this.loginHandler = (m) => {
          rearm();
          if (m.type === 'login') {
            if (m.outcome === 'login-prompt') link.write(`${username}\n`).catch(() => undefined);
            else if (m.outcome === 'password-prompt') link.write(`${password}\n`).catch(() => undefined);
            else if (m.outcome === 'ok') loggedIn = true;
            else reply.reject(new RoomError('DeviceError', `login as '${username}' refused by ${link.description}: Login incorrect`));
          } else if (m.type === 'done' && loggedIn) reply.resolve();
        };
        rearm();
      },
      settled: () => {
        clearTimeout(quiet);
        this.loginHandler = undefined;
      },
    });
  }

  /** Sends one command and waits for its OK/ERROR (and result block); one command in flight. */
  private async send(
    command: string,
    opts: { signal: AbortSignal; tag?: boolean; expectResult?: boolean },
  ): Promise<XapiResult | undefined> {
    return this.link.oneAtATime(() => {
      const resultId = opts.tag === false ? undefined : `roomd-${++this.seq}`;
      const ms = this.ctx.options.commandTimeoutMs;
      return this.link.request<XapiResult | undefined>({
        frame: encodeLine(command, resultId),
        label: `"${command}"`,
        timeoutMs: ms,
        signal: opts.signal,
        timedOut: () => new RoomError('DeviceTimeout', `no OK/ERROR for "${command}" within ${ms} ms`),
        aborted: () => new RoomError('DeviceTimeout', `no reply to "${command}" (aborted)`),
        start: (reply) => {
          this.pending = { command, ...(resultId ? { resultId } : {}), expectResult: opts.expectResult ?? false, notRecognized: false, reply };
        },
        settled: () => (this.pending = undefined),
      });
    });
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.framer.push(chunk)) {
      for (const message of this.reader.push(frame.toString('utf8'))) {
        try {
          this.handle(message);
        } catch (err) {
          this.ctx.log.warn({ err, message }, 'cisco-xapi: failed to handle codec output');
        }
      }
    }
    if (this.framer.discarded !== this.discarded) {
      this.ctx.log.warn({ bytes: this.framer.discarded - this.discarded }, 'cisco-xapi: discarded an over-long line');
      this.discarded = this.framer.discarded;
    }
  }

  private handle(m: XapiMessage): void {
    if (this.loginHandler && (m.type === 'login' || m.type === 'done')) return this.loginHandler(m);
    const p = this.pending;
    switch (m.type) {
      case 'status':
        return this.applyStatus(m.path, m.value, m.ghost);
      case 'event':
        if (m.name === 'CallDisconnect' && m.fields.CallId) {
          const outcome = outcomeFromCause(m.fields.CauseType ?? '');
          if (outcome) this.ctx.update(this.tracker.setCause(m.fields.CallId, outcome), `CallDisconnect ${m.fields.CauseType}`);
        }
        return;
      case 'result':
        if (!p || (m.result.resultId !== undefined && m.result.resultId !== p.resultId)) {
          this.ctx.log.debug({ result: m.result }, 'cisco-xapi: result for no pending command');
          return;
        }
        p.result = m.result;
        return this.progress(p);
      case 'not-recognized':
        if (p) p.notRecognized = true;
        return;
      case 'done':
        if (!p) return this.ctx.log.debug({ ok: m.ok }, 'cisco-xapi: OK/ERROR with no command pending');
        p.done = m.ok ? 'ok' : 'error';
        return this.progress(p);
      case 'malformed':
        return this.ctx.log.warn({ line: m.text, reason: m.reason }, 'cisco-xapi: malformed line from codec');
      case 'login':
      case 'ignored':
        return this.ctx.log.debug({ message: m }, 'cisco-xapi: ignored line');
    }
  }

  /** Settles the pending command once its terminator (and for xCommand its result) are in. */
  private progress(p: Pending): void {
    if (!p.done) return;
    const failed = p.done === 'error' || (p.result !== undefined && !p.result.ok);
    if (!failed && p.expectResult && !p.result) return; // OK came before the *r block
    if (!failed) return p.reply.resolve(p.result);
    const reason = p.result?.fields.Reason ?? (p.notRecognized ? 'Command not recognized' : 'ERROR');
    const xpath = p.result?.fields.XPath;
    const name = p.command.replace(/\s+\w+:.*$/, '');
    p.reply.reject(
      new RoomError('DeviceError', `codec rejected "${name}": ${reason}${xpath ? ` (${xpath})` : ''}`, {
        reason,
        ...(p.result ? { result: p.result.name, status: p.result.status } : {}),
      }),
    );
  }

  private applyStatus(path: string[], value: string, ghost: boolean): void {
    const fact = interpretStatus(path, value, ghost);
    if (!fact) return;
    switch (fact.kind) {
      case 'power':
        return this.ctx.update({ power: fact.power }, `Standby ${value}`);
      case 'mic-mute':
        return this.ctx.update({ micMuted: fact.muted }, `Microphones Mute ${value}`);
      case 'call-gone':
        return this.ctx.update(this.tracker.end(fact.id), `call ${fact.id} gone`);
      case 'call': {
        this.seenCalls?.add(fact.id);
        if (fact.field === 'status') {
          const status = callStatusFromCodec(fact.value);
          if (status === undefined) return this.ctx.log.warn({ value: fact.value }, 'cisco-xapi: unknown call status');
          if (status === 'idle') return this.ctx.update(this.tracker.end(fact.id), `call ${fact.id} idle`);
          return this.ctx.update(this.tracker.observe(fact.id, { status }), `call ${fact.id} ${fact.value}`);
        }
        if (fact.field === 'direction') return this.ctx.update(this.tracker.observe(fact.id, { direction: fact.value }));
        return this.ctx.update(this.tracker.observe(fact.id, { remote: fact.value }));
      }
    }
  }
}
