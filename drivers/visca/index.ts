import { defineDriver, Type, type Static } from '../../src/sdk/index.ts';
import { createViscaDriver } from './driver.ts';
import { cameraOptionProperties } from './options.ts';

/** `options` of the `visca` driver: the camera's address on the chain plus the shared camera options. */
export const ViscaOptions = Type.Object(
  {
    address: Type.Integer({ minimum: 1, maximum: 7, default: 1, description: 'Camera address on the RS-232 chain (1–7)' }),
    ...cameraOptionProperties,
  },
  { additionalProperties: false },
);
export type ViscaOptions = Static<typeof ViscaOptions>;

/** Sony VISCA PTZ camera over RS-232 (or the same byte stream through a TCP serial server). */
export const driver = defineDriver({
  manifest: {
    name: 'visca',
    title: 'Sony VISCA PTZ camera over RS-232',
    manufacturer: 'Sony (and VISCA-compatible OEMs)',
    capabilities: ['power', 'ptz', 'raw'],
    checks: ['answers', 'power', 'position'],
    transports: ['serial', 'tcp'],
    options: ViscaOptions,
    pollIntervalMs: 1000,
    commandTimeoutMs: 3000,
    pacingMs: 0, // the wait for each ACK is the pacing VISCA needs
  },
  create: (ctx) => createViscaDriver(ctx),
  // Loaded on first use: a room with a real camera never pays for the simulator or the scanner.
  startSimulator: async (options, deviceOptions) => (await import('./simulator.ts')).startViscaSimulator(options, deviceOptions),
  discover: async (params) => (await import('./discover.ts')).discoverVisca(params),
});

export { ViscaCameraDriver } from './camera.ts';
// Types only: a value export would load the simulator with the driver (import it from ./simulator.ts).
export type { ViscaSerialSimulator, ViscaSimOptions } from './simulator.ts';
export type { SimCamera, SimCameraOptions } from './sim-camera.ts';
export type { FrameLogEntry } from './sim-wire.ts';
