import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Faults } from '../../src/sim/faults.ts';
import type { SimulatorHandle } from '../../src/sdk/index.ts';
import { startAdapterEmulator, type AdapterEmulator } from './adapter-emulator.ts';
import { startFakeCecBus } from './fake-bus.ts';
import type { TvModel, TvModelOptions } from './tv-model.ts';

/** The cec-client arguments the driver expects (the same as the manifest's default transport). */
export const CEC_CLIENT_ARGS = ['-d', '8', '-t', 'p', '-o', 'roomd'];

/** A running CEC simulator: the TV is reachable for tests (its remote, its state, faults). */
export interface CecSimulatorHandle extends SimulatorHandle {
  /** `real`: the real cec-client against the Pulse-Eight emulator; `fake`: fake-cec-client.ts. */
  mode: 'real' | 'fake';
  tv: TvModel;
  faults: Faults;
  /** Only in `real` mode. */
  emulator?: AdapterEmulator;
}

/** Options of a `{ type: 'sim' }` transport for the cec driver. */
export interface CecSimOptions extends TvModelOptions {
  /** Run the real cec-client against the emulated adapter, when socat and cec-client exist. */
  real?: boolean;
}

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether the real path (socat + cec-utils) can run here. */
export function realCecAvailable(): boolean {
  return hasCommand('socat') && hasCommand('cec-client');
}

/**
 * Starts the simulator for a `sim` transport. With `real: true` (and the tools present) the REAL
 * cec-client is pointed at an emulated Pulse-Eight adapter on a pty; otherwise a small Node script
 * prints cec-client's lines for the same simulated TV. Either way the driver gets a `process`
 * transport and runs exactly the code it runs against hardware.
 */
export async function startCecSimulator(options: Record<string, unknown>): Promise<CecSimulatorHandle> {
  const { real, ...tv } = options as CecSimOptions;
  if (real === true && realCecAvailable()) {
    const run = await startAdapterEmulator({ tv });
    return {
      mode: 'real',
      tv: run.emulator.tv,
      faults: run.emulator.faults,
      emulator: run.emulator,
      transport: { type: 'process', command: 'cec-client', args: [...CEC_CLIENT_ARGS, run.devicePath] },
      close: () => run.close(),
    };
  }
  const bus = await startFakeCecBus(tv);
  // Absolute paths throughout: the daemon may run from any working directory. Compiled (dist/), the
  // stand-in is plain JavaScript; from the sources it runs through tsx like the daemon.
  const compiled = import.meta.url.endsWith('.js');
  const script = fileURLToPath(new URL(compiled ? './fake-cec-client.js' : './fake-cec-client.ts', import.meta.url));
  const loader = compiled ? [] : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  return {
    mode: 'fake',
    tv: bus.tv,
    faults: bus.faults,
    transport: {
      type: 'process',
      command: process.execPath,
      args: [...loader, script, '--bus', `127.0.0.1:${bus.port}`, ...CEC_CLIENT_ARGS],
    },
    close: () => bus.close(),
  };
}
