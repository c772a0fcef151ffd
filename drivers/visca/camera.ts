import {
  RoomError,
  type DeviceDriver,
  type DeviceState,
  type DriverContext,
  type QueuePolicy,
  type ValidatedCommand,
} from '../../src/sdk/index.ts';
import type { ViscaLink } from './link.ts';
import type { ViscaCameraOptions } from './options.ts';
import { presetNumber } from './presets.ts';
import { decodePanTilt, decodePower, decodeReply, decodeZoom, encode, toHex } from './protocol.ts';
import { parseRawPacket, sendRawPacket } from './raw-packet.ts';
import { ViscaSession, type CommandAck } from './session.ts';
import { positionToUnit, speedByte, unitToPosition, unitToZoom, zoomSpeedNibble, zoomToUnit, type AxisRange } from './units.ts';

/** What differs between `visca` (RS-232 chain) and `visca-ip`: the link, the address, the chain rites. */
export interface ViscaDriverSetup {
  ctx: DriverContext<ViscaCameraOptions>;
  /** Camera address 1–7 on a serial chain; always 1 over IP. */
  address: number;
  /** RS-232 chain: Address Set + IF_Clear broadcasts at connect, re-address on Network Change. */
  serialChain: boolean;
  openLink(): Promise<ViscaLink>;
}

/** Speed bytes for a stopped axis and for Stop: Sony wants valid speeds there too (C15 uses 08 08). */
const STOP_SPEED = 0x08;

/**
 * The VISCA camera driver shared by `visca` and `visca-ip`: power, PTZ, presets and raw packets
 * over any {@link ViscaLink}.
 */
export class ViscaCameraDriver implements DeviceDriver {
  private link: ViscaLink | undefined;
  private session: ViscaSession | undefined;
  private connected = false;
  private closing = false;
  private readdressing = false;
  /** Last drive packets the camera acknowledged: a joystick repeating itself costs no bytes. */
  private lastDrive: string | undefined;
  private lastZoom: string | undefined;

  constructor(private readonly setup: ViscaDriverSetup) {}

  private get ctx(): DriverContext<ViscaCameraOptions> {
    return this.setup.ctx;
  }

  private get o(): ViscaCameraOptions {
    return this.setup.ctx.options;
  }

  private get address(): number {
    return this.setup.address;
  }

  async connect(signal: AbortSignal): Promise<void> {
    this.closing = false;
    this.lastDrive = this.lastZoom = undefined;
    const link = await this.setup.openLink();
    const session = new ViscaSession(link, {
      address: this.address,
      replyTimeoutMs: this.o.replyTimeoutMs,
      maxTimeouts: this.o.maxTimeouts,
      log: this.ctx.log,
      onNetworkChange: () => this.onNetworkChange(),
      onLost: (error) => this.reportLost(error),
    });
    this.link = link;
    this.session = session;
    link.onNotice((message) => this.ctx.log.warn({ link: link.description }, `visca: ${message}`));
    link.onClose((error) => {
      session.close(new RoomError('DeviceOffline', `${link.description}: link closed${error ? ` (${error.message})` : ''}`));
      if (error) this.reportLost(error);
    });
    try {
      if (this.setup.serialChain) {
        await this.addressSet(signal);
        await session.broadcast(encode.ifClearBroadcast(), 'IF_Clear broadcast', (f) => decodeReply(f).type === 'ifClearBroadcast', signal);
      }
      this.ctx.update({ presets: { ...this.o.presets } }, 'options.presets');
      await this.refresh(signal);
    } catch (err) {
      await this.teardown();
      throw err;
    }
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    this.closing = true;
    const session = this.session;
    if (session && this.link?.isOpen) {
      // A latched pan/tilt drive keeps going until Stop: leave the camera still if we can.
      const signal = AbortSignal.timeout(400);
      await session.command(this.panTiltStop(), 'pan-tilt stop (disconnect)', signal).catch(() => {});
      await session.command(encode.zoomStop(this.address), 'zoom stop (disconnect)', signal).catch(() => {});
    }
    await this.teardown();
  }

  async poll(signal: AbortSignal): Promise<void> {
    await this.refresh(signal);
  }

  async execute(command: ValidatedCommand, signal: AbortSignal): Promise<void> {
    const a = this.address;
    const args = command.args;
    switch (command.command) {
      case 'powerOn':
      case 'powerOff': {
        const on = command.command === 'powerOn';
        await this.send(encode.power(a, on), command.command, signal);
        this.ctx.update({ power: on ? 'on' : 'off' }, `${command.command} acknowledged`);
        return;
      }
      case 'move':
        return this.move(args as { pan?: number; tilt?: number; zoom?: number }, signal);
      case 'stop':
        return this.stop(signal);
      case 'goto':
        return this.goto(args as { pan: number; tilt: number; zoom?: number }, signal);
      case 'home':
        this.afterMotion(await this.send(encode.home(a), 'home', signal));
        this.ctx.update({ preset: null }, 'home');
        return;
      case 'recallPreset': {
        const preset = presetNumber(args.preset as number | string, this.o);
        this.afterMotion(await this.send(encode.memory(a, 'recall', preset, this.o.presetEncoding), `recallPreset ${preset}`, signal));
        this.ctx.update({ preset }, 'recallPreset acknowledged');
        return;
      }
      case 'storePreset': {
        const preset = presetNumber(args.preset as number | string, this.o);
        await this.send(encode.memory(a, 'set', preset, this.o.presetEncoding), `storePreset ${preset}`, signal);
        this.ctx.update({ preset }, 'storePreset acknowledged');
        return;
      }
      case 'send': {
        // The reply lands in state.rawReply.
        const bytes = parseRawPacket(String(args.data));
        const label = `raw ${toHex(bytes)}`;
        const reply = await sendRawPacket(this.requireSession(), bytes, label, this.setup.serialChain, signal);
        this.ctx.update({ rawReply: toHex(reply) }, label);
        return;
      }
      default:
        throw new RoomError('Unsupported', `VISCA cameras have no '${command.command}' command`);
    }
  }

  policy(command: ValidatedCommand): QueuePolicy {
    const reply = this.link?.replyTimeoutMs ?? this.o.replyTimeoutMs;
    switch (command.command) {
      // A joystick stream: latest wins, and a stale move is not worth waiting long for.
      case 'move':
        return { key: 'move', priority: 1, timeoutMs: reply + 500 };
      case 'stop':
        return { key: 'move', priority: 10, timeoutMs: 3 * reply + 1000 };
      case 'powerOn':
      case 'powerOff':
        return { timeoutMs: reply + 1000, retries: 1 };
      default:
        return { timeoutMs: 2 * reply + 1000 };
    }
  }

  // -------------------------------------------------------------------------------------------

  private requireSession(): ViscaSession {
    if (!this.session || !this.link?.isOpen) throw new RoomError('DeviceOffline', 'camera link is not open');
    return this.session;
  }

  private send(packet: Buffer, label: string, signal?: AbortSignal): Promise<CommandAck> {
    return this.requireSession().command(packet, label, signal);
  }

  private panTiltStop(): Buffer {
    return encode.panTiltStop(this.address, Math.min(STOP_SPEED, this.o.panSpeedMax), Math.min(STOP_SPEED, this.o.tiltSpeedMax));
  }

  private async addressSet(signal?: AbortSignal): Promise<void> {
    const reply = await this.requireSession().broadcast(encode.addressSet(), 'Address Set', (f) => decodeReply(f).type === 'addressSet', signal);
    const cameras = (reply[2]! & 0x0f) - 1;
    this.ctx.log.info({ cameras }, `visca: Address Set answered ${toHex(reply)}: ${cameras} camera(s) on the chain`);
    if (this.address > cameras) this.ctx.log.warn(`visca: options.address is ${this.address} but the chain reports ${cameras} camera(s)`);
  }

  private onNetworkChange(): void {
    if (!this.setup.serialChain || !this.connected || this.readdressing) return;
    this.readdressing = true;
    this.addressSet()
      .catch((err: Error) => this.ctx.log.warn(`visca: Address Set after network change failed: ${err.message}`))
      .finally(() => (this.readdressing = false));
  }

  private reportLost(error: Error): void {
    if (!this.connected || this.closing) return;
    this.connected = false;
    this.ctx.lost(error);
  }

  private async teardown(): Promise<void> {
    this.session?.close(new RoomError('DeviceOffline', 'camera disconnected'));
    const link = this.link;
    this.link = this.session = undefined;
    await link?.close().catch(() => {});
  }

  private ranges(): { pan: AxisRange; tilt: AxisRange; zoom: AxisRange } {
    const o = this.o;
    return { pan: { min: o.panMin, max: o.panMax }, tilt: { min: o.tiltMin, max: o.tiltMax }, zoom: { min: o.zoomMin, max: o.zoomMax } };
  }

  /** Reads power, zoom and pan/tilt. An inquiry the camera refuses (standby) just leaves its field alone. */
  private async refresh(signal?: AbortSignal, positionsOnly = false): Promise<void> {
    const session = this.requireSession();
    const a = this.address;
    const r = this.ranges();
    const ask = async (packet: Buffer, label: string): Promise<Buffer | undefined> => {
      try {
        return (await session.inquiry(packet, label, signal)).data;
      } catch (err) {
        if (err instanceof RoomError && err.code === 'DeviceError') {
          this.ctx.log.debug(`visca: ${err.message}`);
          return undefined;
        }
        throw err;
      }
    };
    const patch: DeviceState = {};
    if (!positionsOnly) {
      const power = await ask(encode.powerInquiry(a), 'CAM_PowerInq');
      if (power) patch.power = decodePower(power);
    }
    const zoomData = await ask(encode.zoomInquiry(a), 'CAM_ZoomPosInq');
    const zoom = zoomData && decodeZoom(zoomData);
    if (zoom !== undefined) patch.zoom = zoomToUnit(zoom, r.zoom);
    const ptData = await ask(encode.panTiltInquiry(a), 'Pan-tiltPosInq');
    const pt = ptData && decodePanTilt(ptData);
    if (pt) Object.assign(patch, { pan: positionToUnit(pt.pan, r.pan), tilt: positionToUnit(pt.tilt, r.tilt) });
    if (Object.keys(patch).length) this.ctx.update(patch, 'poll');
  }

  /**
   * Once an absolute move finishes, read where the camera ended up. Only the newest motion's end is
   * worth reading, and one read-back runs at a time (another is run once after it if asked for):
   * back-to-back preset recalls must not pile inquiries up in front of the joystick.
   */
  private afterMotion(ack: CommandAck): void {
    this.lastDrive = this.lastZoom = undefined;
    const seq = ++this.motionSeq;
    ack.completion
      .then(() => {
        if (seq === this.motionSeq && this.connected) this.scheduleReadBack();
      })
      .catch((err: Error) => this.ctx.log.debug(`visca: ${err.message}`));
  }

  private motionSeq = 0;
  private readingBack = false;
  private readBackAgain = false;

  private scheduleReadBack(): void {
    if (this.readingBack) {
      this.readBackAgain = true;
      return;
    }
    this.readingBack = true;
    this.refresh(undefined, true)
      .catch((err: Error) => this.ctx.log.debug(`visca: position read-back failed: ${err.message}`))
      .finally(() => {
        this.readingBack = false;
        if (this.readBackAgain && this.connected) {
          this.readBackAgain = false;
          this.scheduleReadBack();
        }
      });
  }

  private async move(args: { pan?: number; tilt?: number; zoom?: number }, signal: AbortSignal): Promise<void> {
    const pan = args.pan ?? 0;
    const tilt = args.tilt ?? 0;
    const zoom = args.zoom ?? 0;
    if (pan === 0 && tilt === 0 && zoom === 0) return this.stop(signal);
    const a = this.address;
    const o = this.o;
    const drive = encode.panTiltDrive(
      a,
      speedByte(pan, o.panSpeedMax) || Math.min(STOP_SPEED, o.panSpeedMax),
      speedByte(tilt, o.tiltSpeedMax) || Math.min(STOP_SPEED, o.tiltSpeedMax),
      pan > 0 ? 'right' : pan < 0 ? 'left' : 'stop',
      tilt > 0 ? 'up' : tilt < 0 ? 'down' : 'stop',
    );
    const nibble = zoomSpeedNibble(zoom, o.zoomSpeedMax);
    const zoomPacket = zoom > 0 ? encode.zoomTele(a, nibble) : zoom < 0 ? encode.zoomWide(a, nibble) : encode.zoomStop(a);
    const driveKey = toHex(drive);
    const zoomKey = toHex(zoomPacket);
    const sendZoom = zoomKey !== this.lastZoom;
    // Drives are latched: resend only what changed (a repeated joystick value still refreshes pan/tilt).
    const sendDrive = driveKey !== this.lastDrive || !sendZoom;
    if (this.ctx.state().preset !== null) this.ctx.update({ preset: null }, 'move'); // not on every joystick tick
    if (sendDrive) {
      this.lastDrive = undefined;
      await this.send(drive, 'move (pan-tilt drive)', signal);
      this.lastDrive = driveKey;
    }
    if (sendZoom) {
      this.lastZoom = undefined;
      await this.send(zoomPacket, 'move (zoom)', signal);
      this.lastZoom = zoomKey;
    }
  }

  private async stop(signal: AbortSignal): Promise<void> {
    const ptStop = this.panTiltStop();
    const zoomStop = encode.zoomStop(this.address);
    this.lastDrive = this.lastZoom = undefined;
    await this.sendStop(ptStop, 'stop (pan-tilt)', signal);
    this.lastDrive = toHex(ptStop);
    await this.sendStop(zoomStop, 'stop (zoom)', signal);
    this.lastZoom = toHex(zoomStop);
  }

  /** A Stop must get through: if both sockets are busy (buffer full), cancel what runs and retry once. */
  private async sendStop(packet: Buffer, label: string, signal: AbortSignal): Promise<void> {
    try {
      await this.send(packet, label, signal);
    } catch (err) {
      if (!(err instanceof RoomError && err.details?.code === 0x03)) throw err;
      const session = this.requireSession();
      const busy = session.busySockets();
      for (const socket of busy.length ? busy : [1, 2]) {
        await session.cancel(encode.cancel(this.address, socket), `Cancel socket ${socket}`, signal).catch(() => {});
      }
      await this.send(packet, label, signal);
    }
  }

  private async goto(args: { pan: number; tilt: number; zoom?: number }, signal: AbortSignal): Promise<void> {
    const o = this.o;
    const r = this.ranges();
    const panSpeed = Math.max(1, Math.round(o.gotoSpeed * o.panSpeedMax));
    const tiltSpeed = Math.max(1, Math.round(o.gotoSpeed * o.tiltSpeedMax));
    const packet = encode.panTiltAbsolute(this.address, panSpeed, tiltSpeed, unitToPosition(args.pan, r.pan), unitToPosition(args.tilt, r.tilt));
    this.afterMotion(await this.send(packet, 'goto (pan-tilt absolute)', signal));
    if (args.zoom !== undefined) {
      this.afterMotion(await this.send(encode.zoomDirect(this.address, unitToZoom(args.zoom, r.zoom)), 'goto (zoom direct)', signal));
    }
    this.ctx.update({ preset: null }, 'goto');
  }
}
