import { defineDriver, Type, type Static } from '../../src/sdk/index.ts';
import { cameraOptionProperties } from '../visca/options.ts';
import { createViscaIpDriver } from './driver.ts';
import { startViscaIpSimulator } from './simulator.ts';

/** `options` of the `visca-ip` driver: framing and resend timing plus the shared camera options. */
export const ViscaIpOptions = Type.Object(
  {
    framing: Type.Union([Type.Literal('sony'), Type.Literal('raw')], {
      default: 'sony',
      description: "'sony': Sony VISCA over IP (UDP 52381, 8-byte header); 'raw': bare VISCA packets on TCP (e.g. 5678) or UDP (1259)",
    }),
    retransmitMs: Type.Integer({ minimum: 20, maximum: 10_000, default: 500, description: 'Sony framing: resend with the same sequence number after this long' }),
    maxResends: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
    ...cameraOptionProperties,
  },
  { additionalProperties: false },
);
export type ViscaIpOptions = Static<typeof ViscaIpOptions>;

/** VISCA PTZ camera over IP: Sony VISCA over IP (UDP) or raw VISCA on TCP/UDP. */
export const driver = defineDriver({
  manifest: {
    name: 'visca-ip',
    title: 'VISCA PTZ camera over IP (Sony UDP 52381, or raw VISCA on TCP/UDP)',
    manufacturer: 'Sony, PTZOptics, Avonic and other VISCA-over-IP cameras',
    capabilities: ['power', 'ptz', 'raw'],
    checks: ['answers', 'power', 'position'],
    transports: ['udp', 'tcp'],
    options: ViscaIpOptions,
    pollIntervalMs: 1000,
    commandTimeoutMs: 3000,
    pacingMs: 0,
  },
  create: (ctx) => createViscaIpDriver(ctx),
  startSimulator: (options, deviceOptions) => startViscaIpSimulator(options, deviceOptions),
});

export { SonyViscaLink } from './sony-link.ts';
export { ViscaIpSimulator, startViscaIpSimulator, type ViscaIpSimOptions } from './simulator.ts';
