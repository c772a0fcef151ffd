import { defineDriver } from '../../src/sdk/index.ts';
import { MdcDriver, MdcOptions } from './driver.ts';
import type { MdcSimOptions } from './simulator.ts';

/** Samsung MDC displays over TCP 1515 or RS-232 (power, input, volume/mute). */
export const driver = defineDriver({
  manifest: {
    name: 'samsung-mdc',
    title: 'Samsung display over MDC (TCP 1515 or RS-232)',
    manufacturer: 'Samsung',
    capabilities: ['power', 'input', 'volume'],
    checks: ['answers', 'power'],
    transports: ['tcp', 'serial'],
    options: MdcOptions,
    pollIntervalMs: 5000,
    commandTimeoutMs: 5000,
    // Displays drop commands sent back to back; a short gap costs nothing for a human-driven UI.
    pacingMs: 100,
  },
  create: (ctx) => new MdcDriver(ctx),
  startSimulator: async (options, deviceOptions) => {
    const { transport, close } = await (await import('./simulator.ts')).startMdcSimulator(options as MdcSimOptions, deviceOptions);
    return { transport, close };
  },
});
