import type { TransportConfig } from './config.ts';
import type { ByteTransport } from './transport.ts';
import { TcpTransport } from './tcp.ts';
import { UdpTransport } from './udp.ts';
import { SerialTransport } from './serial.ts';
import { ProcessTransport } from './process.ts';

export * from './config.ts';
export * from './transport.ts';
export * from './framers.ts';
export { TcpTransport, UdpTransport, SerialTransport, ProcessTransport };

/**
 * Opens a byte transport from its config. `ssh`, `http` and `sim` are not byte links of ours:
 * drivers that use them (ONVIF over HTTP, Cisco over SSH) open them with their own library, and
 * `sim` is resolved to a real loopback transport by the device runtime before a driver sees it.
 */
export async function openByteTransport(config: TransportConfig): Promise<ByteTransport> {
  switch (config.type) {
    case 'tcp':
      return new TcpTransport(config).open();
    case 'udp':
      return new UdpTransport(config).open();
    case 'serial':
      return new SerialTransport(config).open();
    case 'process':
      return new ProcessTransport(config).open();
    default:
      throw new Error(`transport type '${config.type}' is not a byte transport`);
  }
}
