import net from 'node:net';
import { createFramer, SerialTransport, type SimulatorHandle, type TransportConfig } from '../../src/sdk/index.ts';
import { chance, garbage, type Faults } from '../../src/sim/faults.ts';
import { createPtyPair, type PtyPair } from '../../src/sim/pty-pair.ts';
import { splitCommands } from './protocol.ts';
import { SimCamera, type SimCameraOptions } from './sim-camera.ts';
import { BaudPacer, FrameLog } from './sim-wire.ts';

/** Options of the serial VISCA simulator (the `options` of a `sim` transport), on top of the camera's. */
export interface ViscaSimOptions extends SimCameraOptions {
  /** `tcp` (default: needs no system package) or `pty` (a real pseudo-terminal pair from socat). */
  link?: 'pty' | 'tcp';
  /** Pace bytes both ways as a serial line at this baud rate would (9600 ≈ 1.04 ms/byte). */
  baudRate?: number;
}

/** One connected controller: its framer, pacers and writer. */
interface Endpoint {
  reply(frame: Buffer): void;
  close(): void;
}

/**
 * A VISCA camera on the far end of an RS-232 line: the sim end of a socat pty pair, or a TCP
 * listener on 127.0.0.1 carrying the same bytes. Every frame is logged in `log`.
 *
 * ```ts
 * const sim = await ViscaSerialSimulator.start({ link: 'pty', motionScale: 10 });
 * // driver transport: sim.transport; then sim.log.received(), sim.camera.position(), sim.faults.stalled = true
 * ```
 */
export class ViscaSerialSimulator {
  readonly camera: SimCamera;
  readonly log = new FrameLog();
  private readonly endpoints = new Set<Endpoint>();
  private server: net.Server | undefined;
  private pty: PtyPair | undefined;
  private ptyPort: SerialTransport | undefined;
  private transportConfig: TransportConfig | undefined;

  private constructor(private readonly options: ViscaSimOptions) {
    this.camera = new SimCamera(options);
    this.camera.onUnsolicited((frame) => {
      for (const e of this.endpoints) e.reply(frame);
    });
  }

  /** Starts a simulator; resolves once a driver can connect to `transport`. */
  static async start(options: ViscaSimOptions = {}): Promise<ViscaSerialSimulator> {
    const sim = new ViscaSerialSimulator(options);
    if (options.link === 'pty') await sim.startPty();
    else await sim.startTcp();
    return sim;
  }

  /** Where a driver connects: `{ type: 'serial', path, baudRate }` or `{ type: 'tcp', host, port }`. */
  get transport(): TransportConfig {
    if (!this.transportConfig) throw new Error('simulator not started');
    return this.transportConfig;
  }

  /** The camera's fault switches (delay, drop, garbage, stall). */
  get faults(): Faults {
    return this.camera.faults;
  }

  /** Sends an unsolicited Network Change (`z0 38 FF`). */
  networkChange(): void {
    this.camera.networkChange();
  }

  /**
   * Pulls the cable. TCP: every client connection is destroyed (the listener stays, so the driver
   * can reconnect). Pty: socat is killed, both pty ends vanish, as a USB adapter being unplugged.
   */
  async disconnect(): Promise<void> {
    for (const e of [...this.endpoints]) e.close();
    if (this.pty) {
      await this.ptyPort?.close().catch(() => {});
      await this.pty.close();
      this.pty = undefined;
    }
  }

  async close(): Promise<void> {
    this.camera.close();
    await this.disconnect();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private endpoint(write: (chunk: Buffer) => void, end: () => void): { endpoint: Endpoint; receive(chunk: Buffer): void } {
    const framer = createFramer(splitCommands);
    const rx = new BaudPacer(this.options.baudRate);
    const tx = new BaudPacer(this.options.baudRate);
    const out = (chunk: Buffer, note?: string) =>
      tx.push(chunk, (c) => {
        this.log.add({ dir: 'out', bytes: c, ...(note ? { note } : {}) });
        write(c);
      });
    const endpoint: Endpoint = {
      reply: (frame) => {
        if (chance(this.faults.garbageRate)) out(garbage(), 'garbage');
        out(frame);
      },
      close: () => {
        rx.close();
        tx.close();
        this.endpoints.delete(endpoint);
        end();
      },
    };
    this.endpoints.add(endpoint);
    const receive = (chunk: Buffer) =>
      rx.push(chunk, (c) => {
        for (const frame of framer.push(c)) {
          this.log.add({ dir: 'in', bytes: frame });
          this.camera.handle(frame, endpoint.reply);
        }
      });
    return { endpoint, receive };
  }

  private async startTcp(): Promise<void> {
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      const { endpoint, receive } = this.endpoint(
        (c) => {
          if (!socket.destroyed) socket.write(c);
        },
        () => socket.destroy(),
      );
      socket.on('data', receive);
      socket.on('error', () => {});
      socket.on('close', () => endpoint.close());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const port = (server.address() as net.AddressInfo).port;
    this.transportConfig = { type: 'tcp', host: '127.0.0.1', port };
  }

  /** After `disconnect()` of a pty simulator: the same device path appears again (cable plugged back). */
  async reconnect(): Promise<void> {
    const previous = this.transportConfig;
    if (!this.lastPty || previous?.type !== 'serial') throw new Error('reconnect() is for a pty simulator after disconnect()');
    await this.startPty(this.lastPty);
  }

  private lastPty: { devicePath: string; simPath: string } | undefined;

  private async startPty(at?: { devicePath: string; simPath: string }): Promise<void> {
    const pty = await createPtyPair(5000, at);
    this.lastPty = { devicePath: pty.devicePath, simPath: pty.simPath };
    this.pty = pty;
    const baudRate = this.options.baudRate ?? 9600;
    const port = await new SerialTransport({ type: 'serial', path: pty.simPath, baudRate }).open();
    this.ptyPort = port;
    const { endpoint, receive } = this.endpoint(
      (c) => void port.write(c).catch(() => {}),
      () => {},
    );
    port.onData(receive);
    port.onClose(() => endpoint.close());
    this.transportConfig = { type: 'serial', path: pty.devicePath, baudRate };
  }
}

/** Camera options the simulator takes from the device's own options, so both agree on ranges and presets. */
const SHARED_KEYS = ['presetEncoding', 'maxPreset', 'panMin', 'panMax', 'tiltMin', 'tiltMax', 'zoomMin', 'zoomMax', 'panSpeedMax', 'tiltSpeedMax', 'zoomSpeedMax'] as const;

/** Picks the camera-describing device options (ranges, presets, speeds) for a simulator. */
export function cameraOptionsFrom(deviceOptions: Record<string, unknown> | undefined): SimCameraOptions {
  const out: Record<string, unknown> = {};
  for (const k of SHARED_KEYS) if (deviceOptions?.[k] !== undefined) out[k] = deviceOptions[k];
  // The camera sits where Address Set will give it the address the device expects.
  if (typeof deviceOptions?.address === 'number') out.chainPosition = deviceOptions.address;
  return out as SimCameraOptions;
}

/** `startSimulator` of the `visca` driver: simulator options win over the device's own. */
export async function startViscaSimulator(
  simOptions: Record<string, unknown>,
  deviceOptions: object,
): Promise<SimulatorHandle & { simulator: ViscaSerialSimulator }> {
  const link = simOptions.link ?? 'tcp';
  if (link !== 'tcp' && link !== 'pty') throw new Error(`visca simulator: link must be 'tcp' or 'pty', not ${JSON.stringify(link)}`);
  const simulator = await ViscaSerialSimulator.start({ ...cameraOptionsFrom(deviceOptions as Record<string, unknown>), ...(simOptions as ViscaSimOptions) });
  return { transport: simulator.transport, close: () => simulator.close(), simulator };
}
