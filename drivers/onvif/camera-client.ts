import onvif from 'onvif';
import { RoomError, type Logger } from '../../src/sdk/index.ts';
import {
  isAuthFault,
  parsePresets,
  parseProfiles,
  parseSetPresetToken,
  parseStatus,
  pickProfile,
  toCameraError,
  type CameraPreset,
  type ProfileInfo,
  type PtzStatus,
  type SoapFault,
} from './protocol.ts';
import { escapeXml, XmlError } from './xml.ts';

/**
 * Promise wrapper around one `onvif` 0.8.x `Cam`. The library is callback-based, may call a
 * callback twice (an exception thrown while it reads a reply makes xml2js call back again with an
 * error) and throws synchronously when a profile token is missing; everything here settles exactly
 * once, never throws out of a callback, and is bounded by a timeout and the caller's AbortSignal.
 */

type Callback = (err: Error | null, data?: unknown, xml?: string) => void;

/** The part of the `onvif` Cam API this driver uses (kept narrow so typings drift cannot leak in). */
interface OnvifCam {
  timeShift?: number;
  uri?: Record<string, { href?: string } | undefined>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  getSystemDateAndTime(cb: Callback): void;
  getServices(includeCapability: boolean, cb: Callback): void;
  getCapabilities(cb: Callback): void;
  getProfiles(cb: Callback): void;
  getDeviceInformation(cb: Callback): void;
  getStatus(options: { profileToken: string }, cb: Callback): void;
  getPresets(options: { profileToken: string }, cb: Callback): void;
  continuousMove(options: Record<string, unknown>, cb: Callback): void;
  absoluteMove(options: Record<string, unknown>, cb: Callback): void;
  stop(options: { profileToken: string }, cb: Callback): void;
  gotoHomePosition(options: { profileToken: string }, cb: Callback): void;
  gotoPreset(options: { profileToken: string; preset: string }, cb: Callback): void;
  setPreset(options: { profileToken: string; presetName: string; presetToken?: string }, cb: Callback): void;
}

/** How to reach the camera. */
export interface CameraClientOptions {
  url: string;
  username?: string;
  password?: string;
  /** Per-request timeout; the library's own default is 120 s. */
  timeoutMs: number;
  /** Use the configured host/port for every service, ignoring the XAddrs the camera reports. */
  preserveAddress?: boolean;
  log: Logger;
}

/** What `connect()` learnt about the camera. */
export interface CameraInfo {
  profile: ProfileInfo;
  /** Camera clock minus local clock, in ms (the offset every WS-Security `Created` is signed with). */
  clockOffsetMs: number;
  ptzAddress: string;
  manufacturer?: string;
  model?: string;
  firmware?: string;
}

export class CameraClient {
  /** `host:port`, for messages. */
  readonly target: string;
  private readonly cam: OnvifCam;
  private profileToken = '';
  private resyncAllowed = false;

  constructor(private readonly options: CameraClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new RoomError('ConfigError', `transport.url '${options.url}' is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RoomError('ConfigError', `transport.url must be http:// or https://, got '${url.protocol}'`);
    }
    const secure = url.protocol === 'https:';
    const port = url.port ? Number(url.port) : secure ? 443 : 80;
    this.target = `${url.hostname}:${port}`;
    // A new Cam for every connection: the library computes the clock offset only once per Cam, so a
    // camera that rebooted with another clock would otherwise fail NotAuthorized forever.
    this.cam = new onvif.Cam({
      hostname: url.hostname,
      port,
      path: url.pathname || '/onvif/device_service',
      username: options.username,
      password: options.password,
      timeout: options.timeoutMs,
      useSecure: secure,
      autoconnect: false,
      preserveAddress: options.preserveAddress ?? false,
    }) as unknown as OnvifCam;
    this.cam.on('warning', (warning) => options.log.warn({ warning: String(warning) }, 'onvif library warning'));
  }

  /**
   * GetSystemDateAndTime (unauthenticated; sets the clock offset used to sign every later request),
   * then GetServices (GetCapabilities on old devices), GetProfiles and GetDeviceInformation. The
   * library's own `connect()` is not used: it throws out of a callback ("Unrecognized configuration")
   * on cameras whose profiles it does not understand, and the driver picks its PTZ profile itself.
   */
  async connect(wantedProfile: string | undefined, signal: AbortSignal): Promise<CameraInfo> {
    const deviceTime = await this.call<Date>('GetSystemDateAndTime', (cb) => this.cam.getSystemDateAndTime(cb), signal);
    const clockOffsetMs = deviceTime instanceof Date ? deviceTime.getTime() - Date.now() : 0;
    try {
      await this.call('GetServices', (cb) => this.cam.getServices(true, cb), signal);
    } catch (err) {
      this.options.log.debug({ err: String(err) }, 'GetServices failed; falling back to GetCapabilities');
      await this.call('GetCapabilities', (cb) => this.cam.getCapabilities(cb), signal);
    }
    const ptzAddress = this.cam.uri?.ptz?.href;
    if (!ptzAddress) throw new RoomError('DeviceError', `camera at ${this.target} offers no PTZ service`);
    const profilesXml = await this.callXml('GetProfiles', (cb) => this.cam.getProfiles(cb), signal);
    const picked = pickProfile(this.read('GetProfiles', profilesXml, parseProfiles), wantedProfile);
    if (typeof picked === 'string') throw new RoomError('DeviceError', picked);
    this.profileToken = escapeXml(picked.token);
    const info: CameraInfo = { profile: picked, clockOffsetMs, ptzAddress };
    try {
      const device = await this.call<Record<string, unknown>>('GetDeviceInformation', (cb) => this.cam.getDeviceInformation(cb), signal);
      if (device && typeof device === 'object') {
        if (device.manufacturer !== undefined) info.manufacturer = String(device.manufacturer);
        if (device.model !== undefined) info.model = String(device.model);
        if (device.firmwareVersion !== undefined) info.firmware = String(device.firmwareVersion);
      }
    } catch (err) {
      this.options.log.debug({ err: String(err) }, 'GetDeviceInformation failed (ignored)');
    }
    this.resyncAllowed = true;
    return info;
  }

  async getStatus(signal: AbortSignal): Promise<PtzStatus> {
    const xml = await this.callXml('GetStatus', (cb) => this.cam.getStatus({ profileToken: this.profileToken }, cb), signal);
    const status = this.read('GetStatus', xml, parseStatus);
    if (!status) throw new RoomError('DeviceError', 'camera answered GetStatus without a PTZStatus');
    return status;
  }

  async getPresets(signal: AbortSignal): Promise<CameraPreset[]> {
    const xml = await this.callXml('GetPresets', (cb) => this.cam.getPresets({ profileToken: this.profileToken }, cb), signal);
    return this.read('GetPresets', xml, parsePresets);
  }

  /** ContinuousMove; `timeoutSec` undefined omits the Timeout element (cameras that reject it). */
  async continuousMove(pan: number, tilt: number, zoom: number, timeoutSec: number | undefined, signal: AbortSignal): Promise<void> {
    const options: Record<string, unknown> = { profileToken: this.profileToken, x: pan, y: tilt, zoom };
    // The library writes `PT<ms/1000>S`; whole seconds keep it integral (fractions crash some cameras).
    if (timeoutSec !== undefined) options.timeout = Math.max(1, Math.round(timeoutSec)) * 1000;
    await this.call('ContinuousMove', (cb) => this.cam.continuousMove(options, cb), signal);
  }

  async stop(signal: AbortSignal): Promise<void> {
    await this.call('Stop', (cb) => this.cam.stop({ profileToken: this.profileToken }, cb), signal);
  }

  /** AbsoluteMove; without `zoom` only PanTilt is sent (the library would otherwise send zoom 0). */
  async absoluteMove(pan: number, tilt: number, zoom: number | undefined, signal: AbortSignal): Promise<void> {
    const options: Record<string, unknown> = { profileToken: this.profileToken, x: pan, y: tilt };
    if (zoom === undefined) options.onlySendPanTilt = true;
    else options.zoom = zoom;
    await this.call('AbsoluteMove', (cb) => this.cam.absoluteMove(options, cb), signal);
  }

  async gotoHome(signal: AbortSignal): Promise<void> {
    await this.call('GotoHomePosition', (cb) => this.cam.gotoHomePosition({ profileToken: this.profileToken }, cb), signal);
  }

  async gotoPreset(token: string, signal: AbortSignal): Promise<void> {
    await this.call('GotoPreset', (cb) => this.cam.gotoPreset({ profileToken: this.profileToken, preset: escapeXml(token) }, cb), signal);
  }

  /** SetPreset; returns the token the camera stored it under. */
  async setPreset(name: string, token: string | undefined, signal: AbortSignal): Promise<string> {
    const options: { profileToken: string; presetName: string; presetToken?: string } = {
      profileToken: this.profileToken,
      presetName: escapeXml(name),
    };
    if (token !== undefined) options.presetToken = escapeXml(token);
    const xml = await this.callXml('SetPreset', (cb) => this.cam.setPreset(options, cb), signal);
    const stored = this.read('SetPreset', xml, parseSetPresetToken) ?? token;
    if (!stored) throw new RoomError('DeviceError', 'camera answered SetPreset without a PresetToken');
    return stored;
  }

  private read<T>(operation: string, xml: string, parse: (xml: string) => T): T {
    try {
      return parse(xml);
    } catch (err) {
      throw toCameraError(err instanceof XmlError ? err : new XmlError(String(err), 0), xml, operation, this.target, this.options.timeoutMs);
    }
  }

  private async callXml(operation: string, invoke: (cb: Callback) => void, signal: AbortSignal): Promise<string> {
    let xml = '';
    await this.call(operation, (cb) => invoke((err, data, raw) => {
      if (typeof raw === 'string') xml = raw;
      cb(err, data, raw);
    }), signal);
    return xml;
  }

  /**
   * One request. On a NotAuthorized fault after connect, re-reads the camera clock once and retries:
   * a camera whose clock jumped (NTP, reboot) otherwise rejects every signed request.
   */
  private async call<T = unknown>(operation: string, invoke: (cb: Callback) => void, signal: AbortSignal): Promise<T> {
    try {
      return await this.once<T>(operation, invoke, signal);
    } catch (err) {
      const fault = (err as RoomError).details?.fault as SoapFault | undefined;
      if (!this.resyncAllowed || !isAuthFault(fault)) throw err;
      this.options.log.warn({ operation }, 'camera refused our signature; re-reading its clock and retrying once');
      this.resyncAllowed = false;
      try {
        this.cam.timeShift = undefined;
        await this.once('GetSystemDateAndTime', (cb) => this.cam.getSystemDateAndTime(cb), signal);
        return await this.once<T>(operation, invoke, signal);
      } finally {
        this.resyncAllowed = true;
      }
    }
  }

  private once<T>(operation: string, invoke: (cb: Callback) => void, signal: AbortSignal): Promise<T> {
    const { timeoutMs } = this.options;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void =>
        settle(() => reject(signal.reason instanceof RoomError ? signal.reason : new RoomError('DeviceTimeout', `${operation} to ${this.target} was cancelled`)));
      // The library's socket timeout covers a silent camera; this guard covers any path where it never calls back.
      const guard = setTimeout(
        () => settle(() => reject(new RoomError('DeviceTimeout', `camera at ${this.target} did not answer ${operation} within ${timeoutMs} ms`))),
        timeoutMs + 500,
      );
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        invoke((err, data, xml) => {
          if (err) settle(() => reject(toCameraError(err, typeof xml === 'string' ? xml : undefined, operation, this.target, timeoutMs)));
          else settle(() => resolve(data as T));
        });
      } catch (err) {
        settle(() => reject(toCameraError(err, undefined, operation, this.target, timeoutMs)));
      }
    });
  }
}
