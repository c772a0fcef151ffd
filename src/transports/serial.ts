import { existsSync } from 'node:fs';
import type { SerialPortStream } from '@serialport/stream';
import { BaseTransport } from './transport.ts';
import type { SerialTransportConfig } from './config.ts';

/**
 * An RS-232 link through `serialport`. We open the path directly: `SerialPort.list()` is never
 * called (it needs udevadm, which minimal systems lack). A pulled cable or a vanished pty shows up
 * as a close/error event, which the device supervisor turns into "offline".
 *
 * serialport does not always notice a vanished device: on a hung-up pty (and some USB adapters)
 * its reads return 0 bytes forever without an error, so the link would look alive until the next
 * write. The device path is therefore checked every `watchMs`; a missing path ends the link.
 */
export class SerialTransport extends BaseTransport {
  readonly description: string;
  private port: SerialPortStream | undefined;
  private watch: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: SerialTransportConfig,
    private readonly watchMs = 250,
  ) {
    super();
    this.description = `serial:${config.path}@${config.baudRate}`;
  }

  async open(): Promise<this> {
    // Loaded on first use: rooms without a serial device never pay for the native binding. The
    // stream and the binding only, not the `serialport` package's index, which also loads its ten
    // parsers: 6.7 MiB of VmRSS against 1.5 (bench/README.md, idleRssMbMinimal).
    const [{ SerialPortStream }, { autoDetect }] = await Promise.all([import('@serialport/stream'), import('@serialport/bindings-cpp')]);
    return new Promise((resolve, reject) => {
      const port = new SerialPortStream({
        binding: autoDetect(),
        path: this.config.path,
        baudRate: this.config.baudRate,
        dataBits: this.config.dataBits ?? 8,
        parity: this.config.parity ?? 'none',
        stopBits: this.config.stopBits ?? 1,
        autoOpen: false,
      });
      port.open((err) => {
        if (err) return reject(new Error(`${this.description}: ${err.message}`));
        this.port = port;
        port.on('data', (chunk: Buffer) => this.emitData(chunk));
        port.on('error', (e) => this.emitClose(e));
        port.on('close', (e: Error | null) => this.emitClose(e ?? undefined));
        this.watch = setInterval(() => {
          if (existsSync(this.config.path)) return;
          clearInterval(this.watch);
          this.emitClose(new Error(`${this.description}: ${this.config.path} has disappeared`));
          if (port.isOpen) port.close(() => {}); // also ends serialport's busy read loop
        }, this.watchMs);
        this.watch.unref();
        resolve(this);
      });
    });
  }

  write(data: Uint8Array | string): Promise<void> {
    const port = this.port;
    if (!port || !this.isOpen) return Promise.reject(new Error(`${this.description}: not open`));
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(data as Uint8Array), (err) => (err ? reject(err) : resolve()));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.watch);
    const port = this.port;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    this.emitClose();
  }
}
