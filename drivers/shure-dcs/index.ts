import { defineDriver } from '../../src/sdk/index.ts';
import { ShureDriver, ShureOptions } from './driver.ts';
import type { ShureSimOptions } from './simulator.ts';

/** Shure networked microphones (MXA910/310/920/710, ANIUSB-MATRIX) over the DCS command strings, TCP 2202. */
export const driver = defineDriver({
  manifest: {
    name: 'shure-dcs',
    title: 'Shure networked microphones (MXA, ANIUSB) over TCP 2202 command strings',
    manufacturer: 'Shure',
    capabilities: ['micMute', 'raw'],
    checks: ['answers'],
    transports: ['tcp'],
    options: ShureOptions,
    // The array pushes every change; the poll is only a liveness check for half-open TCP links.
    pollIntervalMs: 30_000,
    commandTimeoutMs: 3000,
  },
  create: (ctx) => new ShureDriver(ctx),
  startSimulator: async (options, deviceOptions) => {
    const { transport, close } = await (await import('./simulator.ts')).startShureSimulator(options as ShureSimOptions, deviceOptions);
    return { transport, close };
  },
});
