import { COMMANDS, TECHNICIAN_ONLY_CAPABILITIES, type DeviceState } from './capabilities.ts';
import { validateCommand, type Command, type ValidatedCommand } from './command.ts';
import { DeviceRuntime, type BackoffOptions, type DeviceSpec } from './device-runtime.ts';
import type { DriverModule } from './driver-api.ts';
import { EventBus } from './event-bus.ts';
import { RoomError, toRoomError, type ErrorCode } from './errors.ts';
import type { Logger } from './logger.ts';
import { allows, commandPermission } from './roles.ts';
import { StateStore, type DeviceChange, type DeviceRecord } from './state-store.ts';

/** The outcome of one command, as every surface reports it (and the audit log stores it). */
export interface CommandResult {
  command: Command;
  ok: boolean;
  error?: { code: ErrorCode; message: string };
  latencyMs: number;
}

export interface RoomInfo {
  id: string;
  name: string;
  locale: 'fr' | 'en';
  helpLine?: string;
  organisations: string[];
}

export interface RoomEvents {
  device: DeviceChange;
  command: CommandResult;
  /**
   * A command refused before it reached the bus (no valid token, no technician session, a
   * room-wide request's role or body): audited, but it is not activity in the room (it does not
   * keep a meeting from going idle) and no device saw it.
   */
  refused: CommandResult;
  deviceAdded: DeviceRecord;
  deviceRemoved: DeviceRecord;
}

/**
 * The core façade every surface is handed: the command bus (`execute`), the device registry and
 * the state store. REST, MQTT, the panel and scenes all send commands through `execute`.
 */
export class Room {
  readonly store: StateStore;
  readonly events: EventBus<RoomEvents>;
  private readonly runtimes = new Map<string, DeviceRuntime>();

  constructor(
    public info: RoomInfo,
    private readonly log: Logger,
    private readonly backoff?: BackoffOptions,
  ) {
    const onListenerError = (err: unknown, event: string) => log.error({ err, event }, 'event listener failed');
    this.store = new StateStore(onListenerError);
    this.events = new EventBus<RoomEvents>(onListenerError);
    this.store.events.on('device', (change) => this.events.emit('device', change), this);
    this.store.events.on('added', (r) => this.events.emit('deviceAdded', r), this);
    this.store.events.on('removed', (r) => this.events.emit('deviceRemoved', r), this);
  }

  /** Registers and starts a device. */
  addDevice(spec: DeviceSpec, module: DriverModule): DeviceRuntime {
    if (this.runtimes.has(spec.id)) throw new RoomError('Conflict', `device ${spec.id} already exists`);
    const runtime = new DeviceRuntime(spec, module, this.store, this.log, this.backoff);
    this.runtimes.set(spec.id, runtime);
    runtime.start();
    return runtime;
  }

  async removeDevice(id: string): Promise<void> {
    const runtime = this.runtimes.get(id);
    if (!runtime) return;
    this.runtimes.delete(id);
    await runtime.stop();
    runtime.removeFromStore();
  }

  runtime(id: string): DeviceRuntime | undefined {
    return this.runtimes.get(id);
  }

  deviceIds(): string[] {
    return [...this.runtimes.keys()];
  }

  device(id: string): DeviceRecord {
    const record = this.store.get(id);
    if (!record) throw new RoomError('UnknownDevice', `unknown device '${id}'`);
    return record;
  }

  /**
   * Checks a command without sending it: device exists, command exists, device has the capability,
   * args match the schema, role allows it. Preset names are resolved to numbers here.
   */
  validate(command: Command): ValidatedCommand {
    // The role first: a caller that may not send this learns nothing about devices or arguments.
    const role = command.source.role;
    if (role && !allows(role, commandPermission(command.command))) {
      throw new RoomError('Forbidden', `the ${role} role may not send ${command.command}`);
    }
    const record = this.device(command.device);
    if (!COMMANDS.has(command.command)) throw new RoomError('UnknownCommand', `unknown command '${command.command}'`);
    const validated = validateCommand(command);
    if (!record.capabilities.includes(validated.capability)) {
      throw new RoomError(
        'Unsupported',
        `${command.device} (${record.driver}) does not support ${command.command}: it has no '${validated.capability}' capability`,
      );
    }
    // The driver's own declaration: refused here, before any byte is sent (a CEC display has no setVolume).
    if (record.commands && !record.commands.includes(command.command)) {
      throw new RoomError(
        'Unsupported',
        `${command.device} (${record.driver}) does not support ${command.command}; its ${validated.capability} commands are: ${record.commands.filter((c) => COMMANDS.get(c)?.capability === validated.capability).join(', ')}`,
      );
    }
    if (TECHNICIAN_ONLY_CAPABILITIES.has(validated.capability) && command.source.role && command.source.role !== 'technician') {
      throw new RoomError('Forbidden', `${command.command} needs the technician role`);
    }
    if ((command.command === 'recallPreset' || command.command === 'storePreset') && typeof command.args.preset === 'string') {
      validated.args = { ...command.args, preset: resolvePreset(record, command.args.preset) };
    }
    return validated;
  }

  /** The command bus: validate, then queue on the device. Resolves with the device's state once acknowledged. */
  async execute(command: Command): Promise<{ ok: true; state: DeviceState }> {
    try {
      const validated = this.validate(command);
      const runtime = this.runtimes.get(command.device);
      if (!runtime) throw new RoomError('UnknownDevice', `unknown device '${command.device}'`);
      await runtime.execute(validated);
      this.report(command, undefined);
      return { ok: true, state: this.device(command.device).state };
    } catch (err) {
      const error = toRoomError(err);
      this.report(command, error);
      throw error;
    }
  }

  /**
   * Reports the outcome of a room-wide command (`meeting.start`, ..., with an empty `device`),
   * which does not go through {@link execute}, so that the audit sees it. With an error, returns
   * it as a RoomError for the caller to throw.
   */
  settle(command: Command, err?: unknown): RoomError | undefined {
    const error = err === undefined ? undefined : toRoomError(err);
    this.report(command, error);
    return error;
  }

  /** Reports a command refused before it reached the bus (see {@link RoomEvents.refused}); returns the error to throw. */
  refuse(command: Command, err: unknown): RoomError {
    const error = toRoomError(err);
    this.events.emit('refused', this.result(command, error));
    return error;
  }

  /** Stops every camera's motion (shutdown, meeting end, the controlling panel went away). */
  async stopAllMotion(reason: string): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((r) => r.stopMotion(reason)));
  }

  /** Stops every device (shutdown). */
  async stop(): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((r) => r.stop()));
    this.store.events.removeOwner(this);
  }

  /** Every device supervisor is doing its job (see DeviceRuntime.supervising). */
  supervisorsHealthy(): boolean {
    for (const runtime of this.runtimes.values()) if (!runtime.supervising) return false;
    return true;
  }

  devices(): DeviceRecord[] {
    return this.store.list();
  }

  private report(command: Command, error: RoomError | undefined): void {
    this.events.emit('command', this.result(command, error));
  }

  private result(command: Command, error: RoomError | undefined): CommandResult {
    return {
      command,
      ok: !error,
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
      latencyMs: performance.now() - command.receivedAt,
    };
  }
}

/** Preset names come from the device's `presets` state (options.presets): "Pupitre" -> 2. */
function resolvePreset(record: DeviceRecord, name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const presets = (record.state.presets ?? {}) as Record<string, string>;
  // French has no case rules of its own: toLowerCase() matches toLocaleLowerCase('fr') without ICU's locale data.
  const wanted = name.trim().toLowerCase();
  for (const [number, label] of Object.entries(presets)) {
    if (label.toLowerCase() === wanted) return Number(number);
  }
  const known = Object.entries(presets).map(([n, l]) => `${n} "${l}"`).join(', ') || 'none named';
  throw new RoomError('BadArgs', `args.preset: no preset named "${name}" on ${record.id} (known: ${known})`);
}
