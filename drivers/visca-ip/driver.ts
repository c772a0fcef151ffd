import { openByteTransport, RoomError, type DeviceDriver, type DriverContext } from '../../src/sdk/index.ts';
import { ViscaCameraDriver } from '../visca/camera.ts';
import { StreamLink } from '../visca/link.ts';
import type { ViscaIpOptions } from './index.ts';
import { SonyViscaLink } from './sony-link.ts';

/**
 * `visca-ip`: the same camera logic as `visca`, over Sony VISCA over IP (UDP, 8-byte header,
 * sequence numbers) or raw VISCA on TCP/UDP. The address is always 1 and there is no chain:
 * no Address Set, no IF_Clear broadcast, no Network Change.
 */
export function createViscaIpDriver(ctx: DriverContext<ViscaIpOptions>): DeviceDriver {
  return new ViscaCameraDriver({
    ctx,
    address: 1,
    serialChain: false,
    async openLink() {
      const t = ctx.transport;
      const { framing, retransmitMs, maxResends } = ctx.options;
      if (framing === 'sony') {
        if (t.type !== 'udp') throw new RoomError('ConfigError', `visca-ip framing 'sony' runs over udp (port 52381), not '${t.type}'; use framing 'raw' for VISCA over TCP`);
        return SonyViscaLink.open(t, { retransmitMs, maxResends });
      }
      if (t.type !== 'tcp' && t.type !== 'udp') throw new RoomError('ConfigError', `visca-ip framing 'raw' runs over tcp or udp, not '${t.type}'`);
      return new StreamLink(await openByteTransport(t));
    },
  });
}
