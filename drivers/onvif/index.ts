import { defineDriver } from '../../src/sdk/index.ts';
import { OnvifDriver } from './driver.ts';
import { OnvifOptions } from './options.ts';

/** ONVIF Profile S PTZ camera over SOAP/HTTP, through the `onvif` npm client (see README.md). */
export const driver = defineDriver({
  manifest: {
    name: 'onvif',
    title: 'ONVIF Profile S PTZ camera (SOAP over HTTP)',
    manufacturer: 'ONVIF camera (any brand)',
    capabilities: ['ptz'],
    checks: ['answers', 'position'],
    transports: ['http'],
    options: OnvifOptions,
    pollIntervalMs: 1000,
    commandTimeoutMs: 11_000,
  },
  create: (ctx) => new OnvifDriver(ctx),
  // Loaded on first use (a room with a real camera never pays for the simulator).
  startSimulator: async (options, deviceOptions) => (await import('./simulator.ts')).startOnvifSimulator(options, deviceOptions),
  async discover({ timeoutMs, wsDiscovery }) {
    const loopback = wsDiscovery.address.startsWith('127.');
    const { discoverOnvif } = await import('./discovery.ts');
    const cameras = await discoverOnvif({ timeoutMs, multicastAddress: wsDiscovery.address, port: wsDiscovery.port, ...(loopback ? { bindAddress: '127.0.0.1' } : {}) });
    return cameras.map((c) => ({
      driver: 'onvif',
      address: c.address,
      description: [c.name, c.hardware].filter(Boolean).join(' — ') || c.endpoint,
      configSnippet: c.configSnippet,
    }));
  },
});
