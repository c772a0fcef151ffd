import dgram from 'node:dgram';
import { BaseTransport } from './transport.ts';
import type { UdpTransportConfig } from './config.ts';

/** A connected UDP socket: one datagram per write, one per `onData` call. UDP has no link to lose. */
export class UdpTransport extends BaseTransport {
  readonly description: string;
  private socket: dgram.Socket | undefined;

  constructor(private readonly config: UdpTransportConfig) {
    super();
    this.description = `udp:${config.host}:${config.port}`;
  }

  open(): Promise<this> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(this.config.host.includes(':') ? 'udp6' : 'udp4');
      socket.once('error', reject);
      socket.connect(this.config.port, this.config.host, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.emitClose(err));
        socket.on('message', (msg) => this.emitData(msg));
        this.socket = socket;
        resolve(this);
      });
    });
  }

  write(data: Uint8Array | string): Promise<void> {
    const socket = this.socket;
    if (!socket || !this.isOpen) return Promise.reject(new Error(`${this.description}: not open`));
    return new Promise((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    this.closing = true;
    try {
      this.socket?.close();
    } catch {
      /* already closed */
    }
    this.emitClose();
  }
}
