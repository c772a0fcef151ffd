import { defineDriver } from '../../src/sdk/index.ts';
import { OnvifDriver } from './driver.ts';
import { OnvifOptions } from './options.ts';
import { startOnvifSimulator } from './simulator.ts';

/** ONVIF Profile S PTZ camera over SOAP/HTTP, through the `onvif` npm client (see README.md). */
export const driver = defineDriver({
  manifest: {
    name: 'onvif',
    title: 'ONVIF Profile S PTZ camera (SOAP over HTTP)',
    capabilities: ['ptz'],
    transports: ['http'],
    options: OnvifOptions,
    pollIntervalMs: 1000,
    commandTimeoutMs: 11_000,
  },
  create: (ctx) => new OnvifDriver(ctx),
  startSimulator: (options, deviceOptions) => startOnvifSimulator(options, deviceOptions),
});
