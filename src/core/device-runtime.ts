import { Value } from './typebox.ts';
import { checkStatePatch, initialState, supportedCommands, type DeviceState } from './capabilities.ts';
import { makeCommand, validateCommand, type ValidatedCommand } from './command.ts';
import { CommandQueue, type QueuePolicy } from './command-queue.ts';
import type { CheckOutcome, DeviceDriver, DriverContext, DriverModule, SelfTestCheck, SimulatorHandle } from './driver-api.ts';

/** The check used when a driver has no `selfTest` of its own for it (src/selftest/generic-checks.ts). */
export type GenericCheck = (check: SelfTestCheck, driver: DeviceDriver, state: () => DeviceState, signal: AbortSignal) => Promise<CheckOutcome>;
import { RoomError, toRoomError } from './errors.ts';
import { summarisingLogger, type Logger } from './logger.ts';
import type { StateStore } from './state-store.ts';
import type { TransportConfig } from '../transports/config.ts';

/** What the runtime needs to know about one configured device. */
export interface DeviceSpec {
  id: string;
  name?: string;
  driver: string;
  transport?: TransportConfig;
  options: Record<string, unknown>;
  deadmanMs: number;
  pollIntervalMs?: number;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };
const POLL_FAILURES_BEFORE_OFFLINE = 3;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * State a device's config already tells: the input names (by convention every input driver maps
 * names to its own codes in `options.inputs`: cec physical addresses, samsung-mdc source codes) and
 * the named presets (`options.presets`). Surfaces offer them from the start (the panel, Home
 * Assistant's input select and preset buttons), before the device is first reached.
 */
function configuredState(capabilities: readonly string[], options: Record<string, unknown>): DeviceState {
  const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  const state: DeviceState = {};
  if (capabilities.includes('input')) state.inputs = isRecord(options.inputs) ? Object.keys(options.inputs) : [];
  if (capabilities.includes('ptz') && isRecord(options.presets) && Object.values(options.presets).every((v) => typeof v === 'string')) {
    state.presets = { ...(options.presets as Record<string, string>) };
  }
  return state;
}

/** Delay before reconnect attempt `n` (0-based): exponential, capped, with ±20 % jitter so rooms don't sync up. */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Supervises one device: resolves its simulator, connects with backoff, polls, detects loss, and
 * owns its command queue. Every failure ends up as state (`online`, `lastError`), never as a throw.
 */
export class DeviceRuntime {
  readonly queue: CommandQueue;
  private driver: DeviceDriver | undefined;
  private simulator: SimulatorHandle | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private deadmanTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private pollFailures = 0;
  private stopped = false;
  private connecting = false;
  private connectingSince = 0;
  /** Incremented on every (re)connect so callbacks from an old link are ignored. */
  private generation = 0;
  /** Counters for /metrics. */
  readonly stats = { reconnects: 0, commandsOk: 0, commandsFailed: 0 };
  private readonly log: Logger & { flush(): void };
  private readonly options: Record<string, unknown>;

  constructor(
    readonly spec: DeviceSpec,
    readonly module: DriverModule,
    private readonly store: StateStore,
    log: Logger,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    // Summarised and cut: a device sending garbage cannot flood the journal (see summarisingLogger).
    this.log = summarisingLogger(log.child({ device: spec.id, driver: spec.driver }));
    const manifest = module.manifest;
    this.options = Value.Default(manifest.options, structuredClone(spec.options)) as Record<string, unknown>;
    this.queue = new CommandQueue({ pacingMs: manifest.pacingMs, timeoutMs: manifest.commandTimeoutMs ?? 5000 });
    store.add({
      id: spec.id,
      driver: spec.driver,
      ...(spec.name ? { name: spec.name } : {}),
      online: false,
      capabilities: [...manifest.capabilities],
      commands: supportedCommands(manifest.capabilities, manifest.commands),
      feedback: Object.fromEntries(manifest.capabilities.map((c) => [c, manifest.feedback?.[c] ?? 'full'])),
      state: { ...initialState(manifest.capabilities), ...configuredState(manifest.capabilities, this.options) },
    });
  }

  get online(): boolean {
    return this.store.get(this.spec.id)?.online ?? false;
  }

  get id(): string {
    return this.spec.id;
  }

  /**
   * Whether this supervisor is doing its job: online, waiting to reconnect, or in a connect attempt
   * that is still within its time limit. A connect stuck past it means a wedged driver (for the
   * systemd watchdog: restarting the daemon is then the right remedy).
   */
  get supervising(): boolean {
    if (this.stopped) return true;
    return !this.connecting || Date.now() - this.connectingSince < 3 * CONNECT_TIMEOUT_MS;
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    this.stopped = false;
    void this.connectOnce();
  }

  /** Sends a validated command through the queue. Fails fast with DeviceOffline when offline. */
  async execute(command: ValidatedCommand): Promise<void> {
    const driver = this.driver;
    if (!driver || !this.online) {
      throw new RoomError('DeviceOffline', `${this.spec.id} is offline${this.lastErrorSuffix()}`);
    }
    const policy: QueuePolicy = driver.policy?.(command) ?? {};
    const generation = this.generation;
    try {
      await this.queue.push({
        ...policy,
        label: `${this.spec.id}.${command.command}`,
        run: (signal) => {
          if (generation !== this.generation || !this.driver) {
            return Promise.reject(new RoomError('DeviceOffline', `${this.spec.id} went offline`));
          }
          return this.driver.execute(command, signal);
        },
      });
      this.stats.commandsOk++;
      this.log.debug({ commandId: command.id, command: command.command, from: command.source.surface, ms: round(performance.now() - command.receivedAt) }, 'command acknowledged');
    } catch (err) {
      this.stats.commandsFailed++;
      const error = toRoomError(err, 'DeviceError');
      this.log.warn({ commandId: command.id, command: command.command, from: command.source.surface, code: error.code, err: error.message }, 'command failed');
      if (error.code !== 'DeviceOffline' && error.code !== 'Superseded') {
        this.store.setError(this.spec.id, { code: error.code, message: error.message }, `command ${command.command} failed`);
      }
      throw error;
    } finally {
      if (command.capability === 'ptz') this.armDeadman(command);
    }
  }

  /**
   * Runs one self-test check through the device queue. An offline device fails at once (no
   * waiting for a timeout that cannot end any other way); a check that outlives `timeoutMs` fails
   * with DeviceTimeout. Never throws.
   */
  async selfTest(check: SelfTestCheck, timeoutMs: number, generic: GenericCheck): Promise<CheckOutcome> {
    const driver = this.driver;
    if (!driver || !this.online) return { ok: false, detail: `offline${this.lastErrorSuffix()}` };
    try {
      return await this.queue.push({
        label: `${this.spec.id}.selfTest.${check}`,
        timeoutMs,
        run: async (signal) => (await driver.selfTest?.(check, signal)) ?? generic(check, driver, () => this.store.get(this.spec.id)?.state ?? {}, signal),
      });
    } catch (err) {
      return { ok: false, detail: toRoomError(err, 'DeviceError').message };
    }
  }

  /** Sends a stop to a PTZ device if it is online (shutdown, meeting end, a panel that went away). */
  async stopMotion(reason: string): Promise<void> {
    clearTimeout(this.deadmanTimer);
    this.deadmanTimer = undefined;
    const record = this.store.get(this.spec.id);
    if (!record?.capabilities.includes('ptz') || !this.online) return;
    this.log.info({ reason }, 'stopping camera motion');
    try {
      await this.execute(validateCommand(makeCommand(this.spec.id, 'stop', {}, { surface: 'system', identity: reason })));
    } catch (err) {
      this.log.warn({ err: toRoomError(err).message, reason }, 'stop failed');
    }
  }

  /** Stops supervising: leaves the device safe, disconnects, stops its simulator. Never throws. */
  async stop(): Promise<void> {
    await this.stopMotion('shutdown');
    await this.queue.drain(1000);
    this.stopped = true;
    this.log.flush(); // the counts of the last interval are not lost at shutdown
    clearTimeout(this.connectTimer);
    clearInterval(this.pollTimer);
    this.queue.close(new RoomError('DeviceOffline', `${this.spec.id} is shutting down`));
    await this.disconnectDriver();
    if (this.simulator) {
      await this.simulator.close().catch(() => {});
      this.simulator = undefined;
    }
    this.store.setOnline(this.spec.id, false, 'stopped');
  }

  /** Remove the device's record from the store (after stop, when it leaves the config). */
  removeFromStore(): void {
    this.store.remove(this.spec.id);
  }

  private armDeadman(command: ValidatedCommand): void {
    if (command.command !== 'move' || this.spec.deadmanMs <= 0) {
      if (command.command === 'stop' || command.command === 'move') {
        clearTimeout(this.deadmanTimer);
        this.deadmanTimer = undefined;
      }
      return;
    }
    const { pan = 0, tilt = 0, zoom = 0 } = command.args as { pan?: number; tilt?: number; zoom?: number };
    clearTimeout(this.deadmanTimer);
    this.deadmanTimer = undefined;
    if (pan === 0 && tilt === 0 && zoom === 0) return;
    // A joystick sends updates at a steady rate while held; silence means the panel went away.
    this.deadmanTimer = setTimeout(() => {
      this.deadmanTimer = undefined;
      this.log.warn({ deadmanMs: this.spec.deadmanMs }, 'move updates stopped arriving; sending stop');
      void this.stopMotion('deadman');
    }, this.spec.deadmanMs);
  }

  private async resolveTransport(): Promise<TransportConfig> {
    const configured = this.spec.transport ?? this.module.manifest.defaultTransport;
    if (!configured) throw new RoomError('ConfigError', `${this.spec.id}: no transport configured and driver has no default`);
    if (configured.type !== 'sim') return configured;
    if (!this.module.startSimulator) throw new RoomError('ConfigError', `driver ${this.spec.driver} has no simulator`);
    if (!this.simulator) {
      this.simulator = await this.module.startSimulator(configured.options ?? {}, this.options as never);
      this.log.info({ transport: describe(this.simulator.transport) }, 'simulator started');
    }
    return this.simulator.transport;
  }

  private async connectOnce(): Promise<void> {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    this.connectingSince = Date.now();
    const generation = ++this.generation;
    try {
      const transport = await this.resolveTransport();
      const driver = this.module.create(this.makeContext(transport, generation));
      this.driver = driver;
      // The driver gets a deadline through its signal; the race keeps a driver that ignores it
      // from wedging this supervisor.
      await raceDeadline(driver.connect(AbortSignal.timeout(CONNECT_TIMEOUT_MS)), CONNECT_TIMEOUT_MS + 1000, `${this.spec.id}: connect did not finish`);
      if (this.stopped || generation !== this.generation) {
        await driver.disconnect().catch(() => {});
        return;
      }
      this.attempt = 0;
      this.pollFailures = 0;
      this.store.setOnline(this.spec.id, true, 'connected');
      this.log.info({ transport: describe(transport) }, 'device online');
      this.startPolling(generation);
    } catch (err) {
      const error = toRoomError(err, 'DeviceOffline');
      await this.disconnectDriver();
      this.markOffline(error, 'connect failed');
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
      // stop() may have run while this attempt was starting the simulator: it could not close it.
      if (this.stopped && this.simulator) {
        await this.simulator.close().catch(() => {});
        this.simulator = undefined;
      }
    }
  }

  private makeContext(transport: TransportConfig, generation: number): DriverContext {
    return {
      id: this.spec.id,
      options: this.options,
      transport,
      log: this.log,
      update: (patch: DeviceState, reason = 'device report') => {
        if (generation !== this.generation) return;
        // What a driver reports is checked against the capability schemas: a bad value is logged
        // precisely and left out, never stored and shown to every surface.
        const { valid, problems } = checkStatePatch(patch);
        if (problems.length) this.log.warn({ problems, reason }, 'driver reported state that does not fit its capability; ignored');
        this.store.patchState(this.spec.id, valid, reason);
      },
      state: () => this.store.get(this.spec.id)?.state ?? {},
      lost: (error: Error) => {
        if (generation === this.generation && !this.stopped) void this.handleLost(error);
      },
    };
  }

  private async handleLost(error: Error): Promise<void> {
    this.generation++; // ignore anything the old link still says
    clearInterval(this.pollTimer);
    this.stats.reconnects++;
    this.markOffline(toRoomError(error, 'DeviceOffline'), 'link lost');
    await this.disconnectDriver();
    this.scheduleReconnect();
  }

  private markOffline(error: RoomError, reason: string): void {
    const wasOnline = this.online;
    this.queue.clear(new RoomError('DeviceOffline', `${this.spec.id} is offline: ${error.message}`));
    this.store.setOnline(this.spec.id, false, reason, { code: error.code === 'Internal' ? 'DeviceOffline' : error.code, message: error.message });
    if (wasOnline) this.log.warn({ err: error.message }, 'device offline');
    else this.log.debug({ err: error.message, attempt: this.attempt }, 'connect failed');
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.connectTimer);
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.connectTimer = setTimeout(() => void this.connectOnce(), delay);
    this.connectTimer.unref?.();
  }

  private startPolling(generation: number): void {
    const interval = this.spec.pollIntervalMs ?? this.module.manifest.pollIntervalMs;
    const driver = this.driver;
    if (!interval || !driver?.poll) return;
    clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => {
      if (generation !== this.generation || this.queue.depth > 0) return; // commands first; polls can wait
      this.queue
        .push({
          key: 'poll',
          priority: -10,
          label: `${this.spec.id}.poll`,
          timeoutMs: Math.max(interval, this.module.manifest.commandTimeoutMs ?? 2000),
          run: (signal) => driver.poll!(signal),
        })
        .then(
          () => {
            this.pollFailures = 0;
          },
          (err: unknown) => {
            if (generation !== this.generation) return;
            this.pollFailures++;
            this.log.debug({ err: toRoomError(err).message, failures: this.pollFailures }, 'poll failed');
            if (this.pollFailures >= POLL_FAILURES_BEFORE_OFFLINE) {
              void this.handleLost(new Error(`no answer to ${this.pollFailures} polls in a row (${toRoomError(err).message})`));
            }
          },
        );
    }, interval);
    this.pollTimer.unref?.();
  }

  private async disconnectDriver(): Promise<void> {
    const driver = this.driver;
    this.driver = undefined;
    if (!driver) return;
    try {
      await driver.disconnect();
    } catch (err) {
      this.log.debug({ err: toRoomError(err).message }, 'disconnect failed');
    }
  }

  private lastErrorSuffix(): string {
    const last = this.store.get(this.spec.id)?.lastError;
    return last ? ` (${last.message})` : '';
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

function raceDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RoomError('DeviceTimeout', `${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A transport config for logs: never includes passwords. */
export function describe(t: TransportConfig): string {
  switch (t.type) {
    case 'serial': return `serial:${t.path}@${t.baudRate}`;
    case 'tcp': case 'udp': return `${t.type}:${t.host}:${t.port}`;
    case 'ssh': return `ssh:${t.username}@${t.host}:${t.port ?? 22}`;
    case 'http': return `http:${t.url.replace(/\/\/[^@/]*@/, '//')}`;
    case 'process': return `process:${t.command}`;
    case 'sim': return 'sim';
  }
}
