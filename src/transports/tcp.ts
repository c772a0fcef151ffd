import net from 'node:net';
import { BaseTransport } from './transport.ts';
import type { TcpTransportConfig } from './config.ts';

/** A TCP client link. Nagle is off: control frames are tiny and must reach the wire at once. */
export class TcpTransport extends BaseTransport {
  readonly description: string;
  private socket: net.Socket | undefined;

  constructor(private readonly config: TcpTransportConfig) {
    super();
    this.description = `tcp:${config.host}:${config.port}`;
  }

  open(timeoutMs = 5000): Promise<this> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: this.config.host, port: this.config.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`${this.description}: connect timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setKeepAlive(true, 10_000);
        this.socket = socket;
        socket.on('data', (chunk) => this.emitData(chunk));
        socket.on('error', (err) => this.emitClose(err));
        socket.on('close', () => this.emitClose());
        resolve(this);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${this.description}: ${err.message}`));
      });
    });
  }

  write(data: Uint8Array | string): Promise<void> {
    const socket = this.socket;
    if (!socket || !this.isOpen) return Promise.reject(new Error(`${this.description}: not connected`));
    return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    this.closing = true;
    this.socket?.destroy();
    this.emitClose();
  }
}
