import { openByteTransport, RoomError, type DeviceDriver, type DriverContext } from '../../src/sdk/index.ts';
import { ViscaCameraDriver } from './camera.ts';
import { StreamLink } from './link.ts';
import type { ViscaOptions } from './index.ts';

/**
 * `visca` on an RS-232 chain (or the same bytes over a TCP serial server): Address Set and
 * IF_Clear broadcasts at connect, camera `options.address` 1–7, re-addressing on Network Change.
 */
export function createViscaDriver(ctx: DriverContext<ViscaOptions>): DeviceDriver {
  return new ViscaCameraDriver({
    ctx,
    address: ctx.options.address,
    serialChain: true,
    async openLink() {
      const t = ctx.transport;
      if (t.type !== 'serial' && t.type !== 'tcp') {
        throw new RoomError('ConfigError', `visca speaks over serial or tcp (a serial server), not '${t.type}'; use visca-ip for VISCA over IP`);
      }
      const transport = await openByteTransport(t);
      return new StreamLink(transport);
    },
  });
}
