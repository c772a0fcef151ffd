import { defineDriver } from '../../src/sdk/index.ts';
import { PolyOptions, createPolyDriver } from './driver.ts';
import type { PolySimOptions } from './simulator.ts';

/** Poly (Polycom) RealPresence Group Series and HDX codecs over the port-24 Telnet API. */
export const driver = defineDriver({
  manifest: {
    name: 'poly-group',
    title: 'Poly/Polycom Group Series and HDX codec over Telnet port 24',
    manufacturer: 'Poly',
    model: 'RealPresence Group 300/310/500/700, HDX series',
    capabilities: ['call', 'power', 'micMute'],
    checks: ['answers', 'power'],
    // There is no sleep-state query: power is known from our own sleep/wake and sleep notifications.
    feedback: { power: 'optimistic' },
    transports: ['tcp', 'serial'],
    options: PolyOptions,
    // Keep-alive and call-state resync (PlaceOS polls every 50 s).
    pollIntervalMs: 50_000,
    commandTimeoutMs: 10_000,
    // The API handles one command at a time; Polycom asks for ~200 ms between commands.
    pacingMs: 200,
  },
  create: createPolyDriver,
  startSimulator: async (options, deviceOptions) => (await import('./simulator.ts')).startPolySimulator({ password: deviceOptions.password, ...(options as PolySimOptions) }),
});
