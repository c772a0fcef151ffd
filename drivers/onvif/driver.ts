import {
  RoomError,
  toRoomError,
  type DeviceDriver,
  type DriverContext,
  type QueuePolicy,
  type Static,
  type ValidatedCommand,
} from '../../src/sdk/index.ts';
import { CameraClient } from './camera-client.ts';
import type { OnvifOptions } from './options.ts';
import { presetTokenMap, resolvePresetRef, type CameraPreset } from './protocol.ts';

/** Consecutive failed polls after which the link is reported lost. */
export const POLL_FAILURES_BEFORE_LOST = 3;

type Options = Static<typeof OnvifOptions>;

/**
 * The ONVIF PTZ driver: one `CameraClient` per connection, presets by room number mapped to camera
 * tokens, GetStatus polled into pan/tilt/zoom.
 */
export class OnvifDriver implements DeviceDriver {
  private client: CameraClient | undefined;
  private tokens = new Map<number, string>();
  private cameraPresets: CameraPreset[] = [];
  private pollFailures = 0;
  private lostReported = false;
  /** A non-zero ContinuousMove was sent and no stop since: disconnect must stop the camera. */
  private moving = false;

  constructor(private readonly ctx: DriverContext<Options>) {}

  async connect(signal: AbortSignal): Promise<void> {
    const { transport, options, log } = this.ctx;
    if (transport.type !== 'http') {
      throw new RoomError('ConfigError', `the onvif driver needs an http transport (url, username, password), got '${transport.type}'`);
    }
    const client = new CameraClient({
      url: transport.url,
      username: transport.username,
      password: transport.password,
      timeoutMs: options.requestTimeoutMs ?? 5000,
      preserveAddress: options.quirks?.preserveAddress ?? false,
      log,
    });
    const info = await client.connect(options.profile, signal);
    this.client = client;
    this.pollFailures = 0;
    this.lostReported = false;
    this.moving = false;
    log.info(
      { profile: info.profile.token, clockOffsetMs: info.clockOffsetMs, ptz: info.ptzAddress, model: info.model, firmware: info.firmware },
      'onvif camera connected',
    );
    if (Math.abs(info.clockOffsetMs) > 5000) {
      log.warn({ clockOffsetMs: info.clockOffsetMs }, 'camera clock is off; requests are signed with its time');
    }
    this.ctx.update({ presets: { ...(options.presets ?? {}) } }, 'config');
    this.tokens = presetTokenMap([], options.presetTokens);
    await this.refreshPresets(signal).catch((err) => log.warn({ err: String(err) }, 'GetPresets failed; presets map from options.presetTokens only'));
    await this.readStatus(signal).catch((err) => log.warn({ err: String(err) }, 'first GetStatus failed'));
  }

  async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && this.moving) {
      // Never leave a camera panning: one bounded best-effort Stop.
      await client.stop(AbortSignal.timeout(1500)).catch((err) => this.ctx.log.warn({ err: String(err) }, 'stop on disconnect failed'));
    }
    this.moving = false;
  }

  async poll(signal: AbortSignal): Promise<void> {
    try {
      await this.readStatus(signal);
      this.pollFailures = 0;
    } catch (err) {
      this.pollFailures += 1;
      const error = toRoomError(err, 'DeviceError');
      if (this.pollFailures >= POLL_FAILURES_BEFORE_LOST && !this.lostReported) {
        this.lostReported = true;
        this.ctx.lost(new RoomError('DeviceOffline', `camera stopped answering (${this.pollFailures} failed polls): ${error.message}`));
      }
      throw error;
    }
  }

  async execute(command: ValidatedCommand, signal: AbortSignal): Promise<void> {
    const client = this.requireClient();
    const args = command.args;
    switch (command.command) {
      case 'move': {
        const pan = Number(args.pan ?? 0);
        const tilt = Number(args.tilt ?? 0);
        const zoom = Number(args.zoom ?? 0);
        if (pan === 0 && tilt === 0 && zoom === 0) return this.stop(client, signal);
        const timeout = this.ctx.options.quirks?.noTimeout ? undefined : this.ctx.options.moveTimeoutSec ?? 10;
        await client.continuousMove(pan, tilt, zoom, timeout, signal);
        this.moving = true;
        this.ctx.update({ preset: null }, 'move');
        return;
      }
      case 'stop':
        return this.stop(client, signal);
      case 'goto': {
        await client.absoluteMove(Number(args.pan), Number(args.tilt), args.zoom === undefined ? undefined : Number(args.zoom), signal);
        this.moving = false;
        this.ctx.update({ preset: null }, 'goto');
        return;
      }
      case 'home':
        await client.gotoHome(signal);
        this.moving = false;
        this.ctx.update({ preset: null }, 'home');
        return;
      case 'recallPreset': {
        const number = this.presetNumber(args.preset);
        const token = await this.tokenFor(number, signal);
        await client.gotoPreset(token, signal);
        this.moving = false;
        this.ctx.update({ preset: number }, 'recallPreset');
        return;
      }
      case 'storePreset': {
        const number = this.presetNumber(args.preset);
        const known = this.tokens.get(number);
        // Keep a known preset's own name; new ones are named by number so GetPresets maps them back after a restart.
        const name = (known && this.cameraPresets.find((p) => p.token === known)?.name) || String(number);
        const token = await client.setPreset(name, known, signal);
        this.tokens.set(number, token);
        if (!this.cameraPresets.some((p) => p.token === token)) this.cameraPresets.push({ token, name });
        this.ctx.update({ preset: number }, 'storePreset');
        return;
      }
      default:
        throw new RoomError('Unsupported', `the onvif driver does not handle '${command.command}'`);
    }
  }

  policy(command: ValidatedCommand): QueuePolicy {
    const timeoutMs = (this.ctx.options.requestTimeoutMs ?? 5000) * 2 + 1000;
    const args = command.args;
    const isStop = command.command === 'stop' || (command.command === 'move' && !args.pan && !args.tilt && !args.zoom);
    // One latest-wins lane for the joystick; a stop outranks any waiting move and is safe to repeat.
    if (isStop) return { key: 'move', priority: 10, retries: 1, timeoutMs };
    if (command.command === 'move') return { key: 'move', priority: 0, timeoutMs };
    return { timeoutMs };
  }

  private async stop(client: CameraClient, signal: AbortSignal): Promise<void> {
    const zeroMove = this.ctx.options.quirks?.stopWithZeroMove ?? false;
    try {
      await client.stop(signal);
    } catch (err) {
      // A camera that refuses Stop (a fault, not silence) still stops on a zero-velocity move.
      if (!(err instanceof RoomError && err.code === 'DeviceError')) throw err;
      this.ctx.log.warn({ err: err.message }, 'Stop refused; falling back to a zero-velocity ContinuousMove');
      await client.continuousMove(0, 0, 0, undefined, signal);
      this.moving = false;
      return;
    }
    // Some cameras answer Stop and keep moving (quirks.stopWithZeroMove).
    if (zeroMove) await client.continuousMove(0, 0, 0, undefined, signal);
    this.moving = false;
  }

  private async readStatus(signal: AbortSignal): Promise<void> {
    const status = await this.requireClient().getStatus(signal);
    this.ctx.update({ pan: status.pan, tilt: status.tilt, zoom: status.zoom }, 'poll');
  }

  private async refreshPresets(signal: AbortSignal): Promise<void> {
    this.cameraPresets = await this.requireClient().getPresets(signal);
    this.tokens = presetTokenMap(this.cameraPresets, this.ctx.options.presetTokens);
    this.ctx.log.debug({ presets: Object.fromEntries(this.tokens) }, 'preset number → camera token');
  }

  private presetNumber(ref: unknown): number {
    const resolved = resolvePresetRef(ref as number | string, this.ctx.options.presets);
    if (typeof resolved === 'string') throw new RoomError('BadArgs', resolved);
    return resolved;
  }

  private async tokenFor(number: number, signal: AbortSignal): Promise<string> {
    let token = this.tokens.get(number);
    if (token === undefined) {
      // Someone may have stored it from the camera's own web page since we last looked.
      await this.refreshPresets(signal);
      token = this.tokens.get(number);
    }
    if (token === undefined) {
      const known = [...this.tokens.keys()].sort((a, b) => a - b).join(', ') || 'none';
      throw new RoomError('BadArgs', `preset ${number} is not stored on the camera (stored: ${known})`);
    }
    return token;
  }

  private requireClient(): CameraClient {
    if (!this.client) throw new RoomError('DeviceOffline', 'camera is not connected');
    return this.client;
  }
}
