import {
  DeviceLink,
  RoomError,
  createFramer,
  splitLines,
  type DeviceDriver,
  type DeviceState,
  type DriverContext,
  type QueuePolicy,
  type ValidatedCommand,
} from '../../src/sdk/index.ts';
import { Pactl } from './pactl.ts';
import {
  DEFAULT_SINK,
  DEFAULT_SOURCE,
  parseEventLine,
  parseInfo,
  parseListJson,
  parseListShort,
  parseMute,
  parsePactlVersion,
  parseVolume,
  supportsJson,
  volumeArg,
  type PulseEvent,
  type PulseKind,
  type PulseObject,
} from './protocol.ts';

/** The driver's options (the manifest's schema in index.ts yields the same shape). */
export interface PulseOptions {
  source: string;
  sink?: string;
  server?: string;
}

/** Step of volumeUp / volumeDown, in percent. */
export const VOLUME_STEP = 5;
const PACTL_TIMEOUT_MS = 4000;
/** How long connect() waits for `pactl subscribe` to prove it is subscribed. */
const SUBSCRIBE_READY_MS = 2000;

/** A configured source or sink and what we last learnt about it. */
interface Target {
  kind: PulseKind;
  /** As configured: a name, or @DEFAULT_SOURCE@ / @DEFAULT_SINK@ (pactl resolves those itself). */
  name: string;
  /** Index of the object it resolved to; `pactl subscribe` names objects only by index. */
  index: number | null;
  refreshing: Promise<void> | null;
  refreshAgain: boolean;
}

/**
 * The room PC's own microphone (and speaker) through PulseAudio or pipewire-pulse. Commands are
 * one `pactl` call each; state follows `pactl subscribe`, so a change made by another application
 * or by hand shows up too. A subscribe process that exits means the server went away: ctx.lost().
 */
export class PulseDriver implements DeviceDriver {
  private readonly pactl: Pactl;
  private readonly targets = new Map<PulseKind, Target>();
  /** Whose volume the `volume` capability drives: the sink when one is configured, else the source. */
  private readonly volumeKind: PulseKind;
  private json = false;
  /** The link is `pactl subscribe`: online from a finished connect() until it exits or the objects vanish. */
  private readonly link: DeviceLink;
  private framer = createFramer(splitLines(4096));
  /** Set while connect() waits for subscribe's first event. */
  private sawEvent: (() => void) | undefined;
  private aborter = new AbortController();

  constructor(private readonly ctx: DriverContext<PulseOptions>) {
    const transport = ctx.transport;
    this.pactl = new Pactl({
      command: transport.type === 'process' ? transport.command : 'pactl',
      prefixArgs: transport.type === 'process' ? (transport.args ?? []) : [],
      server: ctx.options.server,
      timeoutMs: PACTL_TIMEOUT_MS,
    });
    this.addTarget('source', ctx.options.source || DEFAULT_SOURCE);
    if (ctx.options.sink) this.addTarget('sink', ctx.options.sink);
    this.volumeKind = ctx.options.sink ? 'sink' : 'source';
    this.link = new DeviceLink({
      open: () => this.pactl.subscribe().open(),
      onData: (chunk) => {
        for (const frame of this.framer.push(chunk)) if (this.onEventLine(frame.toString('utf8'))) this.sawEvent?.();
      },
      lost: (err) => {
        this.ctx.log.warn({ err: err.message }, 'pulse link lost');
        this.ctx.lost(err instanceof RoomError ? err : new RoomError('DeviceOffline', err.message));
      },
    });
  }

  private addTarget(kind: PulseKind, name: string): void {
    this.targets.set(kind, { kind, name, index: null, refreshing: null, refreshAgain: false });
  }

  async connect(signal: AbortSignal): Promise<void> {
    if (this.ctx.transport.type !== 'process') {
      throw new RoomError('ConfigError', `pulse: transport must be { type: 'process', command: 'pactl' }, not '${this.ctx.transport.type}'`);
    }
    this.aborter = new AbortController();
    const sig = AbortSignal.any([signal, this.aborter.signal]);

    const version = parsePactlVersion(await this.pactl.version(sig));
    this.json = supportsJson(version);
    const info = parseInfo(await this.pactl.run(['info'], sig));
    this.ctx.log.info({ server: info.serverName, version: info.serverVersion, pactl: version?.join('.'), json: this.json }, 'pulse server reachable');

    // Subscribe (the link) before the first read, so no change can fall between reading and listening.
    this.framer = createFramer(splitLines(4096));
    await this.link.connect(async () => {
      await this.untilSubscribed(sig);
      for (const target of this.targets.values()) this.apply(target, await this.read(target, sig));
    });
  }

  async disconnect(): Promise<void> {
    this.aborter.abort();
    await this.link.disconnect();
  }

  /** Re-reads everything; the runtime needs no poll (subscribe pushes), but a caller may force one. */
  async poll(signal: AbortSignal): Promise<void> {
    for (const target of this.targets.values()) this.apply(target, await this.read(target, signal));
  }

  policy(command: ValidatedCommand): QueuePolicy {
    switch (command.command) {
      case 'setVolume':
        return { key: 'volume', timeoutMs: PACTL_TIMEOUT_MS + 1000 };
      case 'volumeUp':
      case 'volumeDown':
        return { timeoutMs: 2 * PACTL_TIMEOUT_MS + 1000 }; // read then write; not repeatable
      default:
        return { timeoutMs: PACTL_TIMEOUT_MS + 1000, retries: 1 }; // mutes are idempotent
    }
  }

  async execute(command: ValidatedCommand, signal: AbortSignal): Promise<void> {
    const sig = AbortSignal.any([signal, this.aborter.signal]);
    switch (command.command) {
      case 'muteMicrophones':
        return this.setMute('source', true, sig);
      case 'unmuteMicrophones':
        return this.setMute('source', false, sig);
      case 'mute':
        return this.setMute(this.volumeKind, true, sig);
      case 'unmute':
        return this.setMute(this.volumeKind, false, sig);
      case 'setVolume':
        return this.setVolume(Number(command.args.level), sig);
      case 'volumeUp':
      case 'volumeDown': {
        const kind = this.volumeKind;
        const out = await this.pactl.run([`get-${kind}-volume`, this.target(kind).name], sig);
        const current = parseVolume(out);
        if (current === null) throw new RoomError('DeviceError', `pactl get-${kind}-volume: unreadable output '${out.trim().slice(0, 120)}'`);
        return this.setVolume(current + (command.command === 'volumeUp' ? VOLUME_STEP : -VOLUME_STEP), sig);
      }
      default:
        throw new RoomError('Unsupported', `pulse does not support '${command.command}'`);
    }
  }

  private async setMute(kind: PulseKind, mute: boolean, signal: AbortSignal): Promise<void> {
    await this.pactl.run([`set-${kind}-mute`, this.target(kind).name, mute ? '1' : '0'], signal);
    // pactl exiting 0 means the server applied it; the subscribe event will confirm with a re-read.
    this.patch(kind === 'source' ? { micMuted: mute, ...(this.volumeKind === 'source' ? { muted: mute } : {}) } : { muted: mute }, 'command');
  }

  private async setVolume(level: number, signal: AbortSignal): Promise<void> {
    const arg = volumeArg(level);
    await this.pactl.run([`set-${this.volumeKind}-volume`, this.target(this.volumeKind).name, arg], signal);
    this.patch({ volume: Number.parseInt(arg, 10) }, 'command');
  }

  private target(kind: PulseKind): Target {
    const t = this.targets.get(kind);
    if (!t) throw new RoomError('Unsupported', `no ${kind} configured`);
    return t;
  }

  /** Reads one object's index, mute and volume: one JSON list where pactl has it, text commands otherwise. */
  private async read(target: Target, signal: AbortSignal): Promise<PulseObject> {
    const plural = `${target.kind}s`;
    let name = target.name;
    if (name === DEFAULT_SOURCE || name === DEFAULT_SINK) {
      const info = parseInfo(await this.pactl.run(['info'], signal));
      const resolved = target.kind === 'source' ? info.defaultSource : info.defaultSink;
      if (!resolved) throw new RoomError('DeviceOffline', `PulseAudio has no default ${target.kind}`);
      name = resolved;
    }
    if (this.json) {
      const out = await this.pactl.run(['-f', 'json', 'list', plural], signal);
      let objects: PulseObject[] | undefined;
      try {
        objects = parseListJson(out);
      } catch (err) {
        // A pactl that claims ≥ 16 but prints something else: fall back to text for good.
        this.ctx.log.warn({ err: (err as Error).message, output: out.slice(0, 200) }, 'pactl -f json output unreadable; using text output');
        this.json = false;
      }
      if (objects) {
        const found = objects.find((o) => o.name === name);
        if (!found) throw this.missing(target, name, objects.map((o) => o.name));
        return found;
      }
    }
    const { entries, rejected } = parseListShort(await this.pactl.run(['list', 'short', plural], signal));
    if (rejected.length) this.ctx.log.warn({ rejected }, `unexpected lines in pactl list short ${plural}`);
    const entry = entries.find((e) => e.name === name);
    if (!entry) throw this.missing(target, name, entries.map((e) => e.name));
    const muteOut = await this.pactl.run([`get-${target.kind}-mute`, name], signal);
    const volumeOut = await this.pactl.run([`get-${target.kind}-volume`, name], signal);
    const mute = parseMute(muteOut);
    const volume = parseVolume(volumeOut);
    if (mute === null) this.ctx.log.warn({ output: muteOut.slice(0, 200) }, `unreadable pactl get-${target.kind}-mute output`);
    if (volume === null) this.ctx.log.warn({ output: volumeOut.slice(0, 200) }, `unreadable pactl get-${target.kind}-volume output`);
    return { index: entry.index, name, mute, volume };
  }

  private missing(target: Target, name: string, available: string[]): RoomError {
    const shown = target.name === name ? `'${name}'` : `'${name}' (${target.name})`;
    return new RoomError(
      'DeviceOffline',
      `PulseAudio ${target.kind} ${shown} not found on ${this.pactl.serverLabel}; available ${target.kind}s: ${available.length ? available.join(', ') : '(none)'}`,
      { available },
    );
  }

  /** Records what a read found, as state for this target's capabilities. */
  private apply(target: Target, obj: PulseObject): void {
    if (target.index !== obj.index) this.ctx.log.debug({ kind: target.kind, name: obj.name, index: obj.index }, 'pulse object resolved');
    target.index = obj.index;
    const patch: DeviceState = {};
    if (target.kind === 'source') patch.micMuted = obj.mute;
    if (target.kind === this.volumeKind) {
      patch.muted = obj.mute;
      patch.volume = obj.volume;
    }
    this.patch(patch, 'pactl');
  }

  /** Passes on only the fields that changed, so a re-read that finds nothing new is silent. */
  private patch(patch: DeviceState, reason: string): void {
    const current = this.ctx.state();
    const changed: DeviceState = {};
    for (const [key, value] of Object.entries(patch)) if (current[key] !== value) changed[key] = value;
    if (Object.keys(changed).length) this.ctx.update(changed, reason);
  }

  /**
   * pactl subscribe prints nothing when it is ready. Every pactl call is itself a client the server
   * announces (`Event 'new' on client #N`), so poke with `pactl info` until subscribe echoes one.
   */
  private async untilSubscribed(signal: AbortSignal): Promise<void> {
    let ready = false;
    let exited: Error | undefined;
    this.sawEvent = () => (ready = true);
    const untrack = this.link.track((err) => (exited = err));
    try {
      const deadline = Date.now() + SUBSCRIBE_READY_MS;
      while (!ready) {
        if (exited) throw exited;
        if (Date.now() > deadline) {
          this.ctx.log.warn('pactl subscribe printed no event yet; continuing (changes made meanwhile may be missed)');
          return;
        }
        await this.pactl.run(['info'], signal);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      this.sawEvent = undefined;
      untrack();
    }
  }

  /** One `pactl subscribe` line; true when it was an event. Never throws: a strange line is logged and skipped. */
  private onEventLine(line: string): boolean {
    if (!line.trim()) return false;
    const event = parseEventLine(line);
    if (!event) {
      this.ctx.log.warn({ line: line.slice(0, 200) }, 'unrecognised pactl subscribe line');
      return false;
    }
    this.handleEvent(event);
    return true;
  }

  private handleEvent(event: PulseEvent): void {
    if (event.facility === 'server') {
      // The default source/sink may have moved.
      for (const t of this.targets.values()) if (t.name === DEFAULT_SOURCE || t.name === DEFAULT_SINK) this.refresh(t);
      return;
    }
    if (event.facility !== 'source' && event.facility !== 'sink') return;
    const target = this.targets.get(event.facility);
    if (!target) return;
    // 'new'/'remove' of any object of our kind may be ours coming or going (USB unplug, re-plug).
    if (event.type !== 'change' || event.index === target.index) this.refresh(target);
  }

  /**
   * Re-reads a target after an event. Reads run one at a time per target and a read requested while
   * one runs runs again afterwards, so the last read always starts after the last event.
   */
  private refresh(target: Target): void {
    if (!this.link.online) return;
    if (target.refreshing) {
      target.refreshAgain = true;
      return;
    }
    target.refreshing = (async () => {
      do {
        target.refreshAgain = false;
        try {
          this.apply(target, await this.read(target, this.aborter.signal));
        } catch (err) {
          if (!this.link.online) return;
          if (err instanceof RoomError && err.code === 'DeviceOffline') {
            this.link.reportLost(err); // the object went away, or the server did
            return;
          }
          this.ctx.log.warn({ err: (err as Error).message, kind: target.kind }, 'pulse re-read failed');
        }
      } while (target.refreshAgain && this.link.online);
    })().finally(() => (target.refreshing = null));
  }
}
