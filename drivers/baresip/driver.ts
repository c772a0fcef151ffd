import {
  DeviceLink,
  RoomError,
  TcpTransport,
  type Reply,
  type CallStatus,
  type DeviceDriver,
  type DriverContext,
  type QueuePolicy,
  type ValidatedCommand,
} from '../../src/sdk/index.ts';
import { BaresipCalls } from './call-events.ts';
import type { BaresipOptions } from './options.ts';
import {
  NetstringReader,
  decodeMessage,
  dialTargetProblem,
  encodeCommand,
  normaliseNumber,
  parseListCalls,
  parseMuteReply,
  type CtrlEvent,
  type CtrlResponse,
} from './protocol.ts';

interface Pending {
  command: string;
  reply: Reply<CtrlResponse>;
}

/**
 * baresip over its `ctrl_tcp` module. Commands carry a token and resolve on the response with the
 * same token; events update the call model. ctrl_tcp serves ONE client: a newer connection makes
 * baresip close the older one, and only the newest receives events. So a lost link is reported
 * (the runtime reconnects) and every connect re-reads `listcalls` to recover what was missed.
 */
export class BaresipDriver implements DeviceDriver {
  private readonly link = new DeviceLink({
    open: () => this.open(),
    onData: (chunk) => this.onData(chunk),
    lost: (err) =>
      this.ctx.lost(new Error(`baresip ctrl_tcp link lost (${err.message}); note that ctrl_tcp drops its older client when another one connects`)),
  });
  private readonly reader = new NetstringReader();
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private readonly calls: BaresipCalls;
  /** The room's wish ("microphones muted"); applied to every call as it connects. */
  private wantMuted = false;
  /** baresip's audio mute of the live call, as its last `mute` reply said; undefined = unknown/no call. */
  private callMuted: boolean | undefined;
  /** Mute toggles run one after another, so two syncs never toggle twice. */
  private muteChain: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: DriverContext<BaresipOptions>) {
    this.calls = new BaresipCalls(() => new Date(), ctx.options.historySize);
  }

  async connect(signal: AbortSignal): Promise<void> {
    this.reader.reset();
    await this.link.connect(async () => {
      // The handshake proves a ctrl_tcp is listening and recovers calls that changed while away.
      const listed = await this.run('listcalls', undefined, signal);
      this.resync(listed.data);
      if (this.ctx.options.answerMode) {
        await this.run('answermode', this.ctx.options.answerMode, signal).catch((err: Error) =>
          this.ctx.log.warn({ err: err.message }, 'baresip: could not set the answer mode'),
        );
      }
    });
    // baresip cannot be asked whether a call is muted, only told to toggle and reply. After a
    // reconnect the state is unknown; only a room that wants silence pays a toggle to make sure.
    this.callMuted = undefined;
    this.ctx.update({ ...this.calls.snapshot(), micMuted: this.wantMuted }, 'baresip connected');
    if (this.wantMuted && this.calls.has('connected')) {
      this.queueMuteSync().catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'baresip: could not re-apply mute after reconnecting'));
    }
  }

  async disconnect(): Promise<void> {
    await this.link.disconnect('baresip link closed');
  }

  private async open(): Promise<TcpTransport> {
    const transport = this.ctx.transport;
    if (transport.type !== 'tcp') throw new RoomError('ConfigError', `baresip needs a tcp transport to ctrl_tcp, not '${transport.type}'`);
    try {
      return await new TcpTransport(transport).open();
    } catch (err) {
      throw new RoomError('DeviceOffline', `baresip ctrl_tcp not reachable: ${(err as Error).message} (is ctrl_tcp.so loaded with ctrl_tcp_listen?)`);
    }
  }

  /** `listcalls` doubles as a keep-alive (a half-open socket times out) and a resync. */
  async poll(signal: AbortSignal): Promise<void> {
    const listed = await this.run('listcalls', undefined, signal);
    this.resync(listed.data);
  }

  policy(command: ValidatedCommand): QueuePolicy {
    switch (command.command) {
      case 'hangup':
      case 'reject':
        return { priority: 10 };
      case 'muteMicrophones':
      case 'unmuteMicrophones':
        return { key: 'micMute' }; // only the last wish matters
      default:
        return {};
    }
  }

  async execute(command: ValidatedCommand, signal: AbortSignal): Promise<void> {
    const args = command.args;
    switch (command.command) {
      case 'dial':
        return this.dial(String(args.number), signal);
      case 'hangup':
        return this.hangup(undefined, signal);
      case 'reject':
        if (!this.calls.has('incoming')) throw new RoomError('Conflict', 'no incoming call to reject');
        return this.hangup('incoming', signal);
      case 'answer':
        if (!this.calls.has('incoming')) throw new RoomError('Conflict', 'no incoming call to answer');
        await this.run('accept', undefined, signal);
        return;
      case 'dtmf':
        if (!this.calls.has('connected')) throw new RoomError('Conflict', 'DTMF needs a connected call');
        await this.run('sndcode', String(args.digits), signal);
        return;
      case 'muteMicrophones':
      case 'unmuteMicrophones':
        this.wantMuted = command.command === 'muteMicrophones';
        this.ctx.update({ micMuted: this.wantMuted }, command.command);
        return this.queueMuteSync(signal);
      case 'send':
        return this.raw(String(args.data), signal);
      default:
        throw new RoomError('Unsupported', `baresip driver has no command '${command.command}'`);
    }
  }

  private async dial(number: string, signal: AbortSignal): Promise<void> {
    const current = this.calls.current();
    if (current) {
      throw new RoomError('Conflict', `already in a call (${current.status}, ${current.number}); hang up first`);
    }
    const target = normaliseNumber(number, this.ctx.options.domain);
    const problem = dialTargetProblem(target);
    if (problem) throw new RoomError('BadArgs', `args.number: ${problem}`);
    // Shown as dialing before the command goes out: on a fast link CALL_RINGING beats the response.
    this.calls.dialing(number.trim());
    this.ctx.update(this.calls.snapshot(), 'dial');
    let response: CtrlResponse;
    try {
      response = await this.request('dial', target, signal);
    } catch (err) {
      this.calls.dialAnswered(undefined);
      throw err;
    }
    this.calls.dialAnswered(response.ok);
    if (!response.ok) {
      this.ctx.update(this.calls.snapshot(), 'dial refused');
      throw this.deviceError('dial', response);
    }
  }

  /** Hangs up the shown call (or rejects the incoming one). No call: nothing to do, not an error. */
  private async hangup(only: 'incoming' | undefined, signal: AbortSignal): Promise<void> {
    const previous: CallStatus | undefined = this.calls.hangingUp(only);
    if (!previous) return;
    this.ctx.update(this.calls.snapshot(), only ? 'reject' : 'hangup');
    try {
      await this.run('hangup', undefined, signal);
    } catch (err) {
      this.calls.hangupFailed(previous);
      this.ctx.update(this.calls.snapshot(), 'hangup failed');
      throw err;
    }
  }

  /** Technician passthrough: `listcalls`, `answermode auto`, or a whole `{"command":…}` object. */
  private async raw(data: string, signal: AbortSignal): Promise<void> {
    let command: string;
    let params: string | undefined;
    const text = data.trim();
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new RoomError('BadArgs', `args.data: not valid JSON (${(err as Error).message})`);
      }
      const o = parsed as Record<string, unknown>;
      if (typeof o?.command !== 'string' || (o.params !== undefined && typeof o.params !== 'string')) {
        throw new RoomError('BadArgs', 'args.data: expected {"command": string, "params"?: string}');
      }
      command = o.command;
      params = o.params as string | undefined;
    } else {
      const space = text.search(/\s/);
      command = space < 0 ? text : text.slice(0, space);
      params = space < 0 ? undefined : text.slice(space + 1).trim();
    }
    const response = await this.run(command.replace(/^\//, ''), params, signal);
    this.ctx.log.info({ command, data: response.data }, 'baresip raw command answered');
  }

  /** Sends `mute` toggles until baresip's reply matches the room's wish (at most twice). */
  private queueMuteSync(signal?: AbortSignal): Promise<void> {
    const next = this.muteChain.then(() => this.syncMute(signal));
    this.muteChain = next.catch(() => undefined);
    return next;
  }

  private async syncMute(signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!this.calls.has('connected') || !this.link.transport) return; // applied when the next call connects
      if (this.callMuted === this.wantMuted) return;
      const response = await this.request('mute', undefined, signal);
      if (!response.ok) {
        if (/not found/i.test(response.data)) return; // the call ended meanwhile: no audio to mute
        throw this.deviceError('mute', response);
      }
      const muted = parseMuteReply(response.data);
      if (muted === undefined) {
        throw new RoomError('DeviceError', `baresip answered 'mute' with '${response.data.trim()}', not "call muted"/"call un-muted"`);
      }
      this.callMuted = muted;
    }
    if (this.callMuted !== this.wantMuted) throw new RoomError('DeviceError', 'baresip mute state would not follow two toggles');
  }

  private resync(listcalls: string): void {
    const listed = parseListCalls(listcalls);
    if (!listed) {
      this.ctx.log.debug({ data: listcalls.slice(0, 200) }, 'baresip: listcalls output not understood; no resync');
      return;
    }
    if (this.calls.reconcile(listed)) this.ctx.update(this.calls.snapshot(), 'baresip listcalls');
    if (!this.calls.active) this.callMuted = undefined;
  }

  /** Sends a command and fails with DeviceError (baresip's own text) when it answers ok:false. */
  private async run(command: string, params: string | undefined, signal?: AbortSignal): Promise<CtrlResponse> {
    const response = await this.request(command, params, signal);
    if (!response.ok) throw this.deviceError(command, response);
    return response;
  }

  private deviceError(command: string, response: CtrlResponse): RoomError {
    return new RoomError('DeviceError', `baresip refused '${command}': ${response.data.trim() || 'no reason given'}`);
  }

  /** Commands may overlap: each carries its own token, and its response says which it answers. */
  private request(command: string, params: string | undefined, signal?: AbortSignal): Promise<CtrlResponse> {
    const token = `roomd-${++this.seq}`;
    const timeoutMs = this.ctx.options.responseTimeoutMs;
    return this.link.request<CtrlResponse>({
      frame: encodeCommand({ command, ...(params !== undefined ? { params } : {}), token }),
      label: `baresip '${command}'`,
      timeoutMs,
      ...(signal ? { signal } : {}),
      timedOut: () => new RoomError('DeviceTimeout', `baresip did not answer '${command}' (token ${token}) within ${timeoutMs} ms`),
      aborted: () => new RoomError('DeviceTimeout', `'${command}' was abandoned before baresip answered`),
      start: (reply) => this.pending.set(token, { command, reply }),
      settled: () => this.pending.delete(token),
    });
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk, (p) => this.ctx.log.warn({ problem: p }, 'baresip: bad netstring framing'))) {
      try {
        const message = decodeMessage(frame);
        if (message.kind === 'response') this.onResponse(message);
        else if (message.kind === 'event') this.onEvent(message);
        else this.ctx.log.warn({ reason: message.reason }, 'baresip: unexpected message');
      } catch (err) {
        // A data handler must never throw into the socket: log and carry on with the next frame.
        this.ctx.log.error({ err: (err as Error).message }, 'baresip: failed to handle a message');
      }
    }
  }

  private onResponse(response: CtrlResponse): void {
    const waiter = response.token !== undefined ? this.pending.get(response.token) : undefined;
    if (!waiter) {
      this.ctx.log.debug({ token: response.token, data: response.data.slice(0, 120) }, 'baresip: response nobody waits for');
      return;
    }
    waiter.reply.resolve(response);
  }

  private onEvent(event: CtrlEvent): void {
    if (this.calls.applyEvent(event)) {
      this.ctx.update(this.calls.snapshot(), `baresip ${event.type}`);
    }
    if (event.type === 'CALL_ESTABLISHED') {
      this.callMuted = false; // baresip starts every call's audio un-muted
      if (this.wantMuted) this.queueMuteSync().catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'baresip: could not mute the new call'));
    }
    if (!this.calls.active) this.callMuted = undefined;
  }

}
