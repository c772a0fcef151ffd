import { defineDriver } from '../../src/sdk/index.ts';
import { CiscoOptions, createCiscoDriver } from './driver.ts';
import type { CiscoSimOptions } from './simulator.ts';

/** Cisco RoomOS / CE / TC codecs over the xAPI (SSH shell, Telnet-style TCP or RS-232). */
export const driver = defineDriver({
  manifest: {
    name: 'cisco-xapi',
    title: 'Cisco RoomOS/CE codec over the xAPI (SSH, Telnet, RS-232)',
    manufacturer: 'Cisco',
    model: 'Room Kit, Room/Board/Desk series, SX/MX (CE 9+, TC 7)',
    capabilities: ['call', 'power', 'micMute'],
    checks: ['answers', 'power'],
    transports: ['ssh', 'tcp', 'serial'],
    options: CiscoOptions,
    // Feedback is pushed; the poll is a heartbeat that keeps idle sessions open.
    pollIntervalMs: 30_000,
    commandTimeoutMs: 10_000,
  },
  create: createCiscoDriver,
  // The simulator accepts the credentials the device is configured with, so a `sim` transport
  // exercises the real login.
  startSimulator: async (options, deviceOptions) =>
    (await import('./simulator.ts')).startCiscoSimulator({ username: deviceOptions.username, password: deviceOptions.password, ...(options as CiscoSimOptions) }),
});
