import type { Static, TObject } from './typebox.ts';
import type { CapabilityName, CommandDeclaration, DeviceState, FeedbackLevel } from './capabilities.ts';
import type { ValidatedCommand } from './command.ts';
import type { QueuePolicy } from './command-queue.ts';
import type { Logger } from './logger.ts';
import type { TransportConfig, TransportType } from '../transports/config.ts';

/**
 * The driver SDK. A driver lives in `drivers/<name>/` and its `index.ts` exports `driver`, a
 * {@link DriverModule}. See drivers/README.md for a walk-through.
 */

/** What a driver declares about itself; validated at start-up (a broken manifest is a clear error). */
export interface DriverManifest<O extends TObject = TObject> {
  /** Folder name under drivers/, and the `driver:` value in the config. */
  name: string;
  /** One line for people: "Sony VISCA PTZ camera over RS-232". */
  title: string;
  manufacturer?: string;
  model?: string;
  capabilities: CapabilityName[];
  /**
   * The commands this driver implements, per capability; a capability left out implements all of
   * its commands. Everything else is refused (`Unsupported`, HTTP 409) before the driver sees it,
   * and REST, OpenAPI and Home Assistant discovery offer only what is declared.
   */
  commands?: CommandDeclaration;
  /** Feedback per capability; a capability left out is `full`. */
  feedback?: Partial<Record<CapabilityName, FeedbackLevel>>;
  /** Transport types this driver can use (`sim` is implied when `simulator` is given). */
  transports: TransportType[];
  /** Used when the config gives no `transport` (cec → cec-client, pulse → pactl). */
  defaultTransport?: TransportConfig;
  /** Schema of `options` in the config; the same schema types `DriverContext.options`. */
  options: O;
  /** How often the runtime calls `poll()` while online. Omit for drivers that are told of changes. */
  pollIntervalMs?: number;
  /** Default per-command timeout for the device queue. */
  commandTimeoutMs?: number;
  /** Minimum time between two commands on the wire (vendor pacing). */
  pacingMs?: number;
  /** What the room's self-test checks on this device, in order; omitted: `answers` only. */
  checks?: SelfTestCheck[];
}

/**
 * Self-test checks a driver can declare. `answers`: the device replies now. `power`: its power
 * state reads back. `registration`: the SIP/H.323 registration is up. `levels`: microphone levels
 * read back. `position`: the camera position reads back.
 */
export type SelfTestCheck = 'answers' | 'power' | 'registration' | 'levels' | 'position';
export const SELF_TEST_CHECKS: readonly SelfTestCheck[] = ['answers', 'power', 'registration', 'levels', 'position'];

/** One check's outcome as a driver reports it; `detail` is for people (« écran : veille »). */
export interface CheckOutcome {
  ok: boolean;
  detail?: string;
}

/** What the runtime hands a driver instance. */
export interface DriverContext<O = Record<string, unknown>> {
  /** The device id from the config (`camera`, `display`...). */
  readonly id: string;
  /** `options` from the config, validated against the manifest's schema (defaults applied). */
  readonly options: O;
  /** The resolved transport: a `sim` config has already been replaced by the simulator's real address. */
  readonly transport: TransportConfig;
  readonly log: Logger;
  /** Merges state the device reported (or, for optimistic feedback, that a command implies). */
  update(patch: DeviceState, reason?: string): void;
  /** The current state as the store has it. */
  state(): DeviceState;
  /**
   * The link was lost after `connect()` succeeded (socket closed, process exited, too many timeouts).
   * The runtime marks the device offline, calls `disconnect()`, and reconnects with backoff.
   */
  lost(error: Error): void;
}

/** A running device. The runtime calls these one at a time; commands arrive through the device queue. */
export interface DeviceDriver {
  /** Opens the link and performs the handshake; reject if the device is not reachable. */
  connect(signal: AbortSignal): Promise<void>;
  /** Closes the link. Leave the device safe where possible (PTZ stopped). Must not throw. */
  disconnect(): Promise<void>;
  /** Reads state that the device does not push. Rejecting counts towards offline detection. */
  poll?(signal: AbortSignal): Promise<void>;
  /** Sends one command; resolves when the device acknowledged it. Throw RoomError for device errors. */
  execute(command: ValidatedCommand, signal: AbortSignal): Promise<void>;
  /** Queue policy per command: latest-wins key, priority, timeout, retries. */
  policy?(command: ValidatedCommand): QueuePolicy;
  /**
   * Runs one declared self-test check, talking to the device (it runs in the device queue, with
   * the check's timeout in `signal`). Return undefined to use the generic check (see src/selftest).
   */
  selfTest?(check: SelfTestCheck, signal: AbortSignal): Promise<CheckOutcome | undefined>;
}

/** A simulator the runtime (demo, tests, bench) can start for a `sim` transport. */
export interface SimulatorHandle {
  /** How a driver reaches it, e.g. `{ type: 'tcp', host: '127.0.0.1', port: 40123 }`. */
  transport: TransportConfig;
  /** Stops it and frees its port/pty/process. */
  close(): Promise<void>;
}

/** What a technician asks discovery to look at. Discovery is bounded in time and never scans. */
export interface DiscoverParams {
  timeoutMs: number;
  /** Serial ports to probe (only these; nothing is enumerated). */
  serialPorts: string[];
  /** WS-Discovery target: the link-local multicast group, or a loopback address in tests. */
  wsDiscovery: { address: string; port: number };
  log: Logger;
}

/** A device found by discovery, with a config snippet ready to paste under `devices:`. */
export interface DiscoveredDevice {
  driver: string;
  /** Where it was found: an IP address, a serial port. */
  address: string;
  description: string;
  configSnippet: string;
}

export interface DriverModule<O extends TObject = TObject> {
  manifest: DriverManifest<O>;
  create(ctx: DriverContext<Static<O>>): DeviceDriver;
  /** Starts the bundled simulator; `options` come from the `sim` transport config. */
  startSimulator?(options: Record<string, unknown>, deviceOptions: Static<O>): Promise<SimulatorHandle>;
  /** Finds devices of this kind for technicians (`roomctl discover`). */
  discover?(params: DiscoverParams): Promise<DiscoveredDevice[]>;
}

/** Identity helper that keeps the options type flowing from the schema into `create`. */
export function defineDriver<O extends TObject>(module: DriverModule<O>): DriverModule<O> {
  return module;
}
