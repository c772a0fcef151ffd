import { defineDriver } from '../../src/sdk/index.ts';
import { OnvifDriver } from './driver.ts';
import { OnvifOptions } from './options.ts';
import { startOnvifSimulator } from './simulator.ts';
import { discoverOnvif } from './discovery.ts';

/** ONVIF Profile S PTZ camera over SOAP/HTTP, through the `onvif` npm client (see README.md). */
export const driver = defineDriver({
  manifest: {
    name: 'onvif',
    title: 'ONVIF Profile S PTZ camera (SOAP over HTTP)',
    capabilities: ['ptz'],
    checks: ['answers', 'position'],
    transports: ['http'],
    options: OnvifOptions,
    pollIntervalMs: 1000,
    commandTimeoutMs: 11_000,
  },
  create: (ctx) => new OnvifDriver(ctx),
  startSimulator: (options, deviceOptions) => startOnvifSimulator(options, deviceOptions),
  async discover({ timeoutMs, wsDiscovery }) {
    const loopback = wsDiscovery.address.startsWith('127.');
    const cameras = await discoverOnvif({ timeoutMs, multicastAddress: wsDiscovery.address, port: wsDiscovery.port, ...(loopback ? { bindAddress: '127.0.0.1' } : {}) });
    return cameras.map((c) => ({
      driver: 'onvif',
      address: c.address,
      description: [c.name, c.hardware].filter(Boolean).join(' — ') || c.endpoint,
      configSnippet: c.configSnippet,
    }));
  },
});
