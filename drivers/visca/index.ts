import { discoverVisca } from './discover.ts';
import { defineDriver, Type, type Static } from '../../src/sdk/index.ts';
import { createViscaDriver } from './driver.ts';
import { cameraOptionProperties } from './options.ts';
import { startViscaSimulator } from './simulator.ts';

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
  startSimulator: (options, deviceOptions) => startViscaSimulator(options, deviceOptions),
  discover: (params) => discoverVisca(params),
});

export { ViscaCameraDriver } from './camera.ts';
export { ViscaSerialSimulator, startViscaSimulator, type ViscaSimOptions } from './simulator.ts';
export { SimCamera, type SimCameraOptions } from './sim-camera.ts';
export { FrameLog, BaudPacer, type FrameLogEntry } from './sim-wire.ts';
