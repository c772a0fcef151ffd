import { Value, type Static, type TObject } from '../../src/core/typebox.ts';
import { initialState, type DeviceState } from '../../src/core/capabilities.ts';
import { makeCommand, validateCommand } from '../../src/core/command.ts';
import type { DeviceDriver, DriverContext, DriverModule } from '../../src/core/driver-api.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { TransportConfig } from '../../src/transports/config.ts';

/**
 * Drives one driver instance directly, without the daemon: for driver-level tests that check bytes
 * on the wire and the state the driver reports. (Daemon-level tests go through the REST API.)
 */
export interface DriverHarness<O> {
  driver: DeviceDriver;
  ctx: DriverContext<O>;
  state: DeviceState;
  /** Errors passed to ctx.lost(), in order. */
  lost: Error[];
  connect(): Promise<void>;
  exec(command: string, args?: Record<string, unknown>): Promise<void>;
  poll(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when `predicate(state)` holds, or rejects after `timeoutMs`. */
  waitForState(predicate: (s: DeviceState) => boolean, timeoutMs?: number): Promise<DeviceState>;
}

export function createDriverHarness<O extends TObject>(
  module: DriverModule<O>,
  options: unknown,
  transport: TransportConfig,
  id = 'dev',
): DriverHarness<Static<O>> {
  const opts = Value.Default(module.manifest.options, structuredClone(options ?? {})) as Static<O>;
  if (!Value.Check(module.manifest.options, opts)) {
    throw new Error(`bad options: ${[...Value.Errors(module.manifest.options, opts)].map((e) => `${e.path} ${e.message}`).join('; ')}`);
  }
  const state: DeviceState = initialState(module.manifest.capabilities);
  const lost: Error[] = [];
  const waiters = new Set<() => void>();
  const ctx: DriverContext<Static<O>> = {
    id,
    options: opts,
    transport,
    log: process.env.ROOMD_TEST_LOG ? (console as never) : silentLogger,
    update(patch) {
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) state[k] = v;
      for (const w of [...waiters]) w();
    },
    state: () => state,
    lost(error) {
      lost.push(error);
      for (const w of [...waiters]) w();
    },
  };
  const driver = module.create(ctx);
  const signal = () => AbortSignal.timeout(10_000);
  return {
    driver,
    ctx,
    state,
    lost,
    connect: () => driver.connect(signal()),
    exec: (command, args = {}) =>
      driver.execute(validateCommand(makeCommand(id, command, args, { surface: 'test' })), signal()),
    poll: () => driver.poll?.(signal()) ?? Promise.resolve(),
    close: () => driver.disconnect(),
    waitForState(predicate, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(state)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(state);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`state never matched; last state ${JSON.stringify(state)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
