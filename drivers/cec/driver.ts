import {
  RoomError,
  Type,
  type DeviceDriver,
  type DeviceState,
  type DriverContext,
  type ProcessTransportConfig,
  type QueuePolicy,
  type Static,
  type ValidatedCommand,
} from '../../src/sdk/index.ts';
import { CecClientLink } from './cec-client-link.ts';
import {
  BROADCAST,
  Opcode,
  TV,
  UserControl,
  decodeFrame,
  formatPhysicalAddress,
  frame,
  logicalAddressForType,
  parsePhysicalAddress,
  physicalAddressBytes,
  sameFrameIgnoringInitiator,
  txCommand,
  type CecFrame,
  type CecLine,
} from './protocol.ts';

const PHYSICAL_ADDRESS = '^[0-9a-fA-F]\\.[0-9a-fA-F]\\.[0-9a-fA-F]\\.[0-9a-fA-F]$';

/** `options` of a `cec` device (one schema: validation, type and docs). */
export const CecOptions = Type.Object(
  {
    inputs: Type.Record(Type.String({ minLength: 1 }), Type.String({ pattern: PHYSICAL_ADDRESS }), {
      default: {},
      description: "Input name -> HDMI physical address, e.g. { laptop: '1.0.0.0', codec: '2.0.0.0' }",
    }),
    adapter: Type.Optional(Type.String({ minLength: 1, description: 'Adapter path (e.g. /dev/ttyACM0), appended to the cec-client arguments' })),
    audioDevice: Type.Integer({ minimum: 0, maximum: 14, default: 0, description: 'Logical address that gets volume keys: 0 TV, 5 audio system' }),
    inputCommand: Type.Union([Type.Literal('setStreamPath'), Type.Literal('activeSource')], {
      default: 'setStreamPath',
      description: 'Set Stream Path (0x86, TV switches to the address) or Active Source (0x82, we claim the address)',
    }),
    startTimeoutMs: Type.Integer({ minimum: 1000, default: 15_000, description: 'Time allowed for the adapter handshake' }),
    answerTimeoutMs: Type.Integer({ minimum: 200, default: 5_000, description: 'cec-client must echo a command within this, else it is hung' }),
    replyTimeoutMs: Type.Integer({ minimum: 100, default: 2_000, description: 'Time the TV has to answer Give Device Power Status' }),
  },
  { additionalProperties: false },
);
export type CecOptions = Static<typeof CecOptions>;

/** Argument list for cec-client: the configured one, plus `options.adapter` as the port if set. */
export function resolveCommandLine(transport: ProcessTransportConfig, options: CecOptions): ProcessTransportConfig {
  const args = [...(transport.args ?? [])];
  if (options.adapter && !args.includes(options.adapter)) args.push(options.adapter);
  return { ...transport, args };
}

/**
 * The `cec` display driver: one long-lived cec-client; state comes from the TRAFFIC lines it prints
 * (frames we sent, `<<`, and frames from the bus, `>>`), commands are acknowledged by the echo of the
 * frame they put on the bus.
 */
export class CecDriver implements DeviceDriver {
  private link: CecClientLink | undefined;
  /** Our logical address, learned from our own Report Physical Address at start-up. */
  private self: number;
  private physical: number | undefined;
  private followUp: NodeJS.Timeout | undefined;
  /** Tail of the command chain: one cec-client command at a time, so every prompt line is matched to its command. */
  private serial: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: DriverContext<CecOptions>) {
    const args = ctx.transport.type === 'process' ? (ctx.transport.args ?? []) : [];
    const t = args.indexOf('-t');
    this.self = logicalAddressForType(t >= 0 ? args[t + 1] : undefined);
  }

  /** Process id of cec-client, for tests and diagnostics. */
  get pid(): number | undefined {
    return this.link?.pid;
  }

  async connect(signal: AbortSignal): Promise<void> {
    const t = this.ctx.transport;
    if (t.type !== 'process') throw new RoomError('ConfigError', `cec needs a 'process' transport (cec-client), got '${t.type}'`);
    const link = new CecClientLink(resolveCommandLine(t, this.ctx.options), this.ctx.log);
    link.onLine((line) => this.onLine(line));
    link.onExit((err) => {
      if (this.link !== link) return;
      this.link = undefined;
      this.ctx.lost(err);
    });
    this.link = link;
    try {
      await link.start(this.ctx.options.startTimeoutMs, signal);
    } catch (err) {
      this.link = undefined;
      throw err;
    }
  }

  async disconnect(): Promise<void> {
    if (this.followUp) clearTimeout(this.followUp);
    this.followUp = undefined;
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }

  /** Give Device Power Status to the TV; the Report Power Status it sends back updates `power`. */
  async poll(signal: AbortSignal): Promise<void> {
    const link = this.requireLink();
    const { answerTimeoutMs, replyTimeoutMs } = this.ctx.options;
    const message = `the TV (0) did not answer Give Device Power Status within ${replyTimeoutMs} ms`;
    // Registered before sending: the TV may answer before cec-client prints `waiting for input`.
    // Only a report after our request's echo counts: the answer to libCEC's own start-up request
    // can still be on its way.
    const request = frame(this.self, TV, Opcode.GIVE_DEVICE_POWER_STATUS);
    let asked = false;
    const answer = (l: CecLine): boolean => {
      if (l.kind === 'traffic' && l.direction === 'sent' && sameFrameIgnoringInitiator(l.frame, request)) asked = true;
      return asked && isReceived(l, TV, Opcode.REPORT_POWER_STATUS);
    };
    const reply = link.waitFor(answer, answerTimeoutMs * 2 + replyTimeoutMs, message, signal);
    reply.catch(() => {});
    await this.transmit(request, signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RoomError('DeviceTimeout', message)), replyTimeoutMs);
    });
    try {
      await Promise.race([reply, late]); // state was updated by onLine
    } finally {
      clearTimeout(timer);
    }
  }

  async execute(command: ValidatedCommand, signal: AbortSignal): Promise<void> {
    const o = this.ctx.options;
    switch (command.command) {
      case 'powerOn':
        await this.run('on 0', frame(this.self, TV, Opcode.IMAGE_VIEW_ON), false, signal);
        this.scheduleFollowUp();
        return;
      case 'powerOff':
        await this.run('standby 0', frame(this.self, TV, Opcode.STANDBY), false, signal);
        this.scheduleFollowUp();
        return;
      case 'selectInput': {
        const name = String(command.args.input);
        const address = o.inputs[name] === undefined ? undefined : parsePhysicalAddress(o.inputs[name]);
        if (address === undefined) {
          const known = Object.keys(o.inputs);
          throw new RoomError('BadArgs', `unknown input '${name}'; known inputs: ${known.length ? known.join(', ') : '(none configured in options.inputs)'}`);
        }
        const opcode = o.inputCommand === 'activeSource' ? Opcode.ACTIVE_SOURCE : Opcode.SET_STREAM_PATH;
        await this.transmit(frame(this.self, BROADCAST, opcode, ...physicalAddressBytes(address)), signal);
        return;
      }
      case 'volumeUp':
        return this.key(UserControl.VOLUME_UP, signal);
      case 'volumeDown':
        return this.key(UserControl.VOLUME_DOWN, signal);
      case 'mute':
      case 'unmute':
        return this.setMute(command.command === 'mute', signal);
      case 'setVolume':
        throw new RoomError('Unsupported', 'HDMI-CEC 1.4 has no absolute volume: use volumeUp/volumeDown');
      default:
        throw new RoomError('Unsupported', `cec does not support '${command.command}'`);
    }
  }

  policy(command: ValidatedCommand): QueuePolicy {
    switch (command.command) {
      case 'powerOn':
      case 'powerOff':
        return { key: 'power' };
      case 'selectInput':
        return { key: 'input' };
      default:
        return {};
    }
  }

  // -------------------------------------------------------------------------------------------

  private requireLink(): CecClientLink {
    if (!this.link?.isOpen) throw new RoomError('DeviceOffline', 'cec-client is not running');
    return this.link;
  }

  /** `tx` a frame; resolves once libCEC finished sending it (`waiting for input` follows a `tx`). */
  private transmit(f: CecFrame, signal: AbortSignal): Promise<void> {
    return this.run(txCommand(f), f, true, signal);
  }

  /**
   * Writes `command` and resolves at the TRAFFIC echo of `expected` — and, when `completes`, at the
   * `waiting for input` cec-client prints once the transmit returned (it prints none after `on 0`,
   * `standby 0`: their argument is consumed). Commands are serialised, so each prompt is ours.
   * No echo in time means cec-client is hung: report the link lost so the runtime restarts it.
   */
  private run(command: string, expected: CecFrame, completes: boolean, signal: AbortSignal): Promise<void> {
    const next = this.serial.then(() => this.runNow(command, expected, completes, signal));
    this.serial = next.catch(() => {});
    return next;
  }

  private async runNow(command: string, expected: CecFrame, completes: boolean, signal: AbortSignal): Promise<void> {
    const link = this.requireLink();
    const ms = this.ctx.options.answerTimeoutMs;
    const what = `cec-client did not put '${command}' on the bus within ${ms} ms`;
    // Both waits are registered before the command is written: one read can hold the echo AND
    // the prompt, and a wait set up once the echo resolved would only see lines after that read.
    // The prompt counts only after our echo (an earlier, stray prompt is not ours).
    let echoed = false;
    const echo = link.waitFor(
      (l) => (echoed ||= l.kind === 'traffic' && l.direction === 'sent' && sameFrameIgnoringInitiator(l.frame, expected)),
      ms,
      what,
      signal,
    );
    // libCEC retries a frame the bus did not take, so the prompt may trail the echo by seconds.
    const prompt = completes ? link.waitFor((l) => echoed && l.kind === 'ready', 2 * ms, `cec-client echoed '${command}' but did not finish it within ${2 * ms} ms`, signal) : undefined;
    echo.catch(() => {});
    prompt?.catch(() => {});
    try {
      await link.send(command);
      await echo;
      await prompt;
    } catch (err) {
      if (!signal.aborted && this.link === link && link.isOpen) {
        this.ctx.log.warn({ command }, 'cec-client stopped answering; restarting it');
        this.link = undefined;
        void link.close();
        this.ctx.lost(new Error(`cec-client hung: no answer to '${command}' within ${ms} ms`));
      }
      throw err;
    }
  }

  /** User Control Pressed + Released to the audio device. */
  private async key(code: number, signal: AbortSignal): Promise<void> {
    const to = this.ctx.options.audioDevice;
    await this.transmit(frame(this.self, to, Opcode.USER_CONTROL_PRESSED, code), signal);
    await this.transmit(frame(this.self, to, Opcode.USER_CONTROL_RELEASE), signal);
  }

  /**
   * CEC's Mute key toggles. Press it, read the Report Audio Status the audio device sends back, and
   * press again if the toggle went the wrong way (our `muted` was unknown or stale). No report: assume.
   */
  private async setMute(wanted: boolean, signal: AbortSignal): Promise<void> {
    if (this.ctx.state().muted === wanted) return;
    const link = this.requireLink();
    const to = this.ctx.options.audioDevice;
    for (let attempt = 0; attempt < 2; attempt++) {
      const report = link.waitFor((l) => isReceived(l, to, Opcode.REPORT_AUDIO_STATUS), this.ctx.options.replyTimeoutMs, 'no audio status', signal);
      report.catch(() => {});
      await this.key(UserControl.MUTE, signal);
      const line = await report.catch(() => undefined);
      if (!line) {
        this.ctx.update({ muted: wanted }, 'optimistic: no Report Audio Status after Mute');
        return;
      }
      if (this.ctx.state().muted === wanted) return;
    }
    throw new RoomError('DeviceError', `audio device ${to} did not ${wanted ? 'mute' : 'unmute'} after two Mute key presses`);
  }

  /** After on/standby, ask again once so warming/cooling settles even on TVs that do not announce it. */
  private scheduleFollowUp(): void {
    if (this.followUp) clearTimeout(this.followUp);
    this.followUp = setTimeout(() => {
      this.followUp = undefined;
      const p = this.ctx.state().power;
      if ((p === 'warming' || p === 'cooling') && this.link?.isOpen) {
        // the Report Power Status it brings is handled by onLine like any other
        this.transmit(frame(this.self, TV, Opcode.GIVE_DEVICE_POWER_STATUS), AbortSignal.timeout(10_000)).catch(() => {});
      }
    }, 1500);
  }

  /** Every line from cec-client: frames become state; the rest is logged. */
  private onLine(line: CecLine): void {
    switch (line.kind) {
      case 'traffic':
        if (line.direction === 'sent') this.onSent(line.frame);
        else this.onReceived(line.frame);
        return;
      case 'powerStatus':
        this.ctx.update({ power: line.power }, 'cec-client pow');
        return;
      case 'connectionLost':
        this.ctx.log.warn('cec-client lost the adapter and is reconnecting');
        return;
      case 'log':
        if (line.level === 'ERROR' || line.level === 'WARNING') this.ctx.log.warn({ cec: line.message }, 'cec-client');
        return;
      default:
        return;
    }
  }

  /** What we (or libCEC on its own) put on the bus. */
  private onSent(f: CecFrame): void {
    const e = decodeFrame(f);
    const power = this.ctx.state().power;
    switch (e.type) {
      case 'reportPhysicalAddress':
        // libCEC announces itself at start-up: that tells us our logical and physical address
        this.self = f.initiator;
        this.physical = e.address;
        this.ctx.log.debug({ logical: f.initiator, physical: formatPhysicalAddress(e.address) }, 'cec: adapter registered');
        return;
      case 'imageViewOn':
        if (f.destination === TV && power !== 'on') this.ctx.update({ power: 'warming' }, 'sent Image View On');
        return;
      case 'standby':
        if ((f.destination === TV || f.destination === BROADCAST) && power !== 'off') this.ctx.update({ power: 'cooling' }, 'sent Standby');
        return;
      case 'setStreamPath':
      case 'activeSource':
        this.ctx.update({ input: this.inputName(e.address) }, `sent ${e.type}`);
        return;
      default:
        return;
    }
  }

  /** What the bus told us: the TV's own remote, other sources, answers to our requests. */
  private onReceived(f: CecFrame): void {
    const e = decodeFrame(f);
    const patch: DeviceState = {};
    switch (e.type) {
      case 'powerStatus':
        if (f.initiator === TV) patch.power = e.power;
        break;
      case 'standby':
        // The TV announcing it switched off, or someone telling every device to go to standby.
        if (f.initiator === TV || f.destination === BROADCAST) patch.power = 'off';
        break;
      case 'activeSource':
      case 'setStreamPath':
      case 'routingInformation':
        patch.input = this.inputName(e.address);
        break;
      case 'routingChange':
        patch.input = this.inputName(e.to);
        break;
      case 'audioStatus':
        if (f.initiator === this.ctx.options.audioDevice) {
          if (e.volume !== null) patch.volume = e.volume;
          patch.muted = e.muted;
        }
        break;
      case 'featureAbort':
        this.ctx.log.info({ from: f.initiator, opcode: e.opcode, reason: e.reason }, 'cec: device refused a message (Feature Abort)');
        break;
      case 'malformed':
        this.ctx.log.warn({ from: f.initiator, reason: e.reason }, 'cec: malformed frame ignored');
        break;
      default:
        break;
    }
    if (Object.keys(patch).length) this.ctx.update(patch, `received ${e.type} from ${f.initiator.toString(16)}`);
  }

  /** Configured input name for a physical address, else the address itself (`'3.0.0.0'`). */
  private inputName(address: number): string {
    for (const [name, text] of Object.entries(this.ctx.options.inputs)) {
      if (parsePhysicalAddress(text) === address) return name;
    }
    return formatPhysicalAddress(address);
  }

  /** Our own physical address as libCEC announced it (undefined before start-up completes). */
  get physicalAddress(): number | undefined {
    return this.physical;
  }
}

function isReceived(l: CecLine, from: number, opcode: number): boolean {
  return l.kind === 'traffic' && l.direction === 'received' && l.frame.initiator === from && l.frame.opcode === opcode;
}
