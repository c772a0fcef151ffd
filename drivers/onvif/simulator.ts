import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chance, defaultFaults, garbage, sleep, type Faults } from '../../src/sim/faults.ts';
import type { HttpTransportConfig, SimulatorHandle } from '../../src/sdk/index.ts';
import { operationOf, parseDuration, passwordDigest, PASSWORD_DIGEST_TYPE, readUsernameToken } from './protocol.ts';
import { SimPtz, type Vec } from './sim-ptz.ts';
import * as soap from './sim-soap.ts';
import { child, find, parseXml, textOf, type XmlElement } from './xml.ts';

/**
 * A simulated ONVIF Profile S PTZ camera on 127.0.0.1: real SOAP 1.2 over node:http, WS-Security
 * UsernameToken digests checked against its own (optionally wrong) clock, PTZ mechanics that move
 * over time, presets, fault injection, and a log of every operation it received.
 */

/** Simulator settings (from a `sim` transport's `options`). */
export interface OnvifSimOptions {
  username?: string;
  password?: string;
  /** The camera clock minus the real clock, e.g. 2 hours = 7_200_000. */
  clockOffsetMs?: number;
  /** Quirk: Stop is answered but the camera keeps moving. */
  ignoreStop?: boolean;
  /** Quirk: a ContinuousMove carrying a Timeout element is refused (Bosch). */
  rejectTimeout?: boolean;
  /** Quirk: an old device without GetServices (the client falls back to GetCapabilities). */
  noGetServices?: boolean;
  /** Accepted distance between a request's `Created` and the camera clock (default 5 s). */
  authWindowMs?: number;
  /** Fault: send half of each answer, then reset the connection. */
  truncateReplies?: boolean;
}

/** One request the simulator received. */
export interface OnvifSimOperation {
  name: string;
  path: string;
  body: string;
  time: number;
  /** Why authentication failed, when it did. */
  authError?: string;
}

/** A stored preset. */
export interface SimPreset {
  token: string;
  name: string;
  position: Vec;
}

/** The running simulator: a SimulatorHandle plus knobs and records for tests. */
export interface OnvifSimulator extends SimulatorHandle {
  transport: HttpTransportConfig & { username: string; password: string };
  port: number;
  faults: Faults;
  options: Required<OnvifSimOptions>;
  operations: OnvifSimOperation[];
  ptz: SimPtz;
  presets: Map<string, SimPreset>;
  /** The camera's clock. */
  deviceNow(): Date;
  /** false: stop listening and drop every connection (connection refused); true: listen again on the same port. */
  setReachable(reachable: boolean): Promise<void>;
  /** Operations received with this name. */
  received(name: string): OnvifSimOperation[];
}

const PROFILES: soap.SimProfile[] = [
  { token: 'profile_main', name: 'MainStream', ptz: true },
  { token: 'profile_sub', name: 'SubStream', ptz: true },
  { token: 'profile_snapshot', name: 'Snapshot', ptz: false },
];
const PTZ_OPERATIONS = new Set([
  'ContinuousMove', 'Stop', 'AbsoluteMove', 'GotoHomePosition', 'SetHomePosition', 'GetStatus',
  'GetPresets', 'GotoPreset', 'SetPreset', 'RemovePreset',
]);
const MAX_PRESETS = 64;
const MAX_BODY = 1 << 20;
const NOT_AUTHORIZED = ['ter:NotAuthorized'];

type Reply = { status: number; body: string };
const ok = (body: string): Reply => ({ status: 200, body: soap.envelope(body) });

/** Starts the simulator; `deviceOptions.presets` seeds presets named by number so a demo can recall them. */
export async function startOnvifSimulator(
  simOptions: Record<string, unknown> = {},
  deviceOptions: { presets?: Record<string, string> } = {},
): Promise<OnvifSimulator> {
  const o = simOptions as OnvifSimOptions;
  const options: Required<OnvifSimOptions> = {
    username: typeof o.username === 'string' ? o.username : 'admin',
    password: typeof o.password === 'string' ? o.password : 'admin',
    clockOffsetMs: Number(o.clockOffsetMs ?? 0) || 0,
    ignoreStop: o.ignoreStop === true,
    rejectTimeout: o.rejectTimeout === true,
    noGetServices: o.noGetServices === true,
    authWindowMs: Number(o.authWindowMs ?? 5000) || 5000,
    truncateReplies: o.truncateReplies === true,
  };
  const faults = defaultFaults();
  const operations: OnvifSimOperation[] = [];
  const ptz = new SimPtz();
  const presets = new Map<string, SimPreset>();
  const nonces = new Map<string, number>();
  let nextPreset = 1;
  for (const number of Object.keys(deviceOptions.presets ?? {})) {
    const token = `preset_${nextPreset++}`;
    presets.set(token, { token, name: number, position: { pan: (Number(number) % 10) / 10 - 0.5, tilt: 0, zoom: 0 } });
  }

  const deviceNow = (): Date => new Date(Date.now() + options.clockOffsetMs);
  let port = 0;
  const base = (): string => `http://127.0.0.1:${port}/onvif`;
  const xaddrs = (): soap.XAddrs => ({ device: `${base()}/device_service`, media: `${base()}/media_service`, ptz: `${base()}/ptz_service` });

  /** Checks the UsernameToken the way cameras do; returns why it fails, or undefined. */
  function authError(envelope: XmlElement): string | undefined {
    const token = readUsernameToken(envelope);
    if (!token) return 'no UsernameToken';
    if (token.username !== options.username) return `unknown user '${token.username}'`;
    const created = Date.parse(token.created);
    if (!Number.isFinite(created)) return `unreadable Created '${token.created}'`;
    const skew = created - deviceNow().getTime();
    if (Math.abs(skew) > options.authWindowMs) return `stale Created (${Math.round(skew / 1000)} s from the camera clock)`;
    if (token.passwordType === PASSWORD_DIGEST_TYPE || token.passwordType === '') {
      const expected = passwordDigest(Buffer.from(token.nonce, 'base64'), token.created, options.password);
      if (token.password !== expected) return 'wrong password digest';
      const now = Date.now();
      for (const [nonce, at] of nonces) if (now - at > 2 * options.authWindowMs) nonces.delete(nonce);
      if (nonces.has(token.nonce)) return 'nonce replayed';
      nonces.set(token.nonce, now);
      return undefined;
    }
    return token.password === options.password ? undefined : 'wrong password';
  }

  function ptzProfile(op: XmlElement): Reply | undefined {
    const token = textOf(child(op, 'ProfileToken'));
    const profile = PROFILES.find((p) => p.token === token);
    if (!profile) return soap.fault('Sender', ['ter:InvalidArgVal', 'ter:NoProfile'], `The requested profile token '${token ?? ''}' does not exist`);
    if (!profile.ptz) return soap.fault('Sender', ['ter:InvalidArgVal', 'ter:NoPTZProfile'], `Profile '${token}' has no PTZ configuration`);
    return undefined;
  }

  /** Reads PanTilt x/y and Zoom x of a vector element; a value outside `range` is a fault. */
  function vector(el: XmlElement | undefined, ranges: { pt: [number, number]; z: [number, number] }): Partial<Vec> | string {
    const out: Partial<Vec> = {};
    const pt = child(el, 'PanTilt');
    const z = child(el, 'Zoom');
    const read = (v: string | undefined, [lo, hi]: [number, number], name: string): number | string | undefined => {
      if (v === undefined) return undefined;
      const num = Number(v);
      return Number.isFinite(num) && num >= lo && num <= hi ? num : `${name}=${v} is outside ${lo}..${hi}`;
    };
    for (const [key, value] of [
      ['pan', read(pt?.attrs.x, ranges.pt, 'PanTilt x')],
      ['tilt', read(pt?.attrs.y, ranges.pt, 'PanTilt y')],
      ['zoom', read(z?.attrs.x, ranges.z, 'Zoom x')],
    ] as const) {
      if (typeof value === 'string') return value;
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  function dispatch(name: string, op: XmlElement): Reply {
    switch (name) {
      case 'GetSystemDateAndTime':
        return ok(soap.systemDateAndTime(deviceNow()));
      case 'GetServices':
        if (options.noGetServices) return soap.fault('Receiver', ['ter:ActionNotSupported'], 'Optional Action Not Implemented');
        return ok(soap.services(xaddrs()));
      case 'GetCapabilities':
        return ok(soap.capabilities(xaddrs()));
      case 'GetDeviceInformation':
        return ok(soap.deviceInformation());
      case 'GetProfiles':
        return ok(soap.profiles(PROFILES));
      case 'GetVideoSources':
        return ok(soap.videoSources());
      case 'GetNodes':
        return ok(soap.nodes(MAX_PRESETS));
      case 'GetConfigurations':
        return ok(soap.configurations());
    }
    if (!PTZ_OPERATIONS.has(name)) return soap.fault('Receiver', ['ter:ActionNotSupported'], 'Optional Action Not Implemented');
    const bad = ptzProfile(op);
    if (bad) return bad;
    switch (name) {
      case 'ContinuousMove': {
        const v = vector(child(op, 'Velocity'), { pt: [-1, 1], z: [-1, 1] });
        if (typeof v === 'string') return soap.fault('Sender', ['ter:InvalidArgVal', 'ter:InvalidVelocity'], v);
        const timeoutText = textOf(child(op, 'Timeout'));
        if (timeoutText !== undefined && options.rejectTimeout) {
          return soap.fault('Sender', ['ter:InvalidArgVal', 'ter:TimeoutNotSupported'], 'The requested timeout is not supported');
        }
        const timeoutMs = timeoutText === undefined ? Infinity : parseDuration(timeoutText);
        if (timeoutMs === undefined) return soap.fault('Sender', ['ter:InvalidArgVal'], `Timeout '${timeoutText}' is not an xs:duration`);
        ptz.continuous({ pan: v.pan ?? 0, tilt: v.tilt ?? 0, zoom: v.zoom ?? 0 }, timeoutMs);
        return ok(soap.empty('ContinuousMove'));
      }
      case 'Stop': {
        if (!options.ignoreStop) {
          const flag = (el: XmlElement | undefined): boolean => textOf(el) !== 'false';
          ptz.stop(flag(child(op, 'PanTilt')), flag(child(op, 'Zoom')));
        }
        return ok(soap.empty('Stop'));
      }
      case 'AbsoluteMove': {
        const v = vector(child(op, 'Position'), { pt: [-1, 1], z: [0, 1] });
        if (typeof v === 'string') return soap.fault('Sender', ['ter:InvalidArgVal', 'ter:InvalidPosition'], v);
        ptz.moveTo(v);
        return ok(soap.empty('AbsoluteMove'));
      }
      case 'GotoHomePosition':
        ptz.moveTo(ptz.home);
        return ok(soap.empty('GotoHomePosition'));
      case 'SetHomePosition':
        ptz.home = ptz.position();
        return ok(soap.empty('SetHomePosition'));
      case 'GetStatus':
        return ok(soap.status(ptz.position(), ptz.moveStatus(), deviceNow()));
      case 'GetPresets':
        return ok(soap.presets([...presets.values()]));
      case 'GotoPreset': {
        const preset = presets.get(textOf(child(op, 'PresetToken')) ?? '');
        if (!preset) return soap.fault('Sender', ['ter:InvalidArgVal', 'ter:NoToken'], 'The requested preset token does not exist');
        ptz.moveTo(preset.position);
        return ok(soap.empty('GotoPreset'));
      }
      case 'SetPreset': {
        const token = textOf(child(op, 'PresetToken'));
        const name = textOf(child(op, 'PresetName'));
        const existing = token ? presets.get(token) : undefined;
        if (token && !existing) return soap.fault('Sender', ['ter:InvalidArgVal', 'ter:NoToken'], 'The requested preset token does not exist');
        if (name && [...presets.values()].some((p) => p.name === name && p.token !== token)) {
          return soap.fault('Sender', ['ter:InvalidArgVal', 'ter:PresetExist'], `A preset named '${name}' already exists`);
        }
        if (!existing && presets.size >= MAX_PRESETS) return soap.fault('Receiver', ['ter:Action', 'ter:TooManyPresets'], 'Maximum number of presets reached');
        const stored = existing ?? { token: `preset_${nextPreset++}`, name: '', position: ptz.position() };
        stored.position = ptz.position();
        stored.name = name || existing?.name || stored.token;
        presets.set(stored.token, stored);
        return ok(soap.setPreset(stored.token));
      }
      case 'RemovePreset': {
        const token = textOf(child(op, 'PresetToken')) ?? '';
        if (!presets.delete(token)) return soap.fault('Sender', ['ter:InvalidArgVal', 'ter:NoToken'], 'The requested preset token does not exist');
        return ok(soap.empty('RemovePreset'));
      }
      default:
        return soap.fault('Receiver', ['ter:ActionNotSupported'], 'Optional Action Not Implemented');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    // A hung camera: the request is read and never answered (the client's timeout must cope).
    if (faults.stalled || chance(faults.dropRate)) return;
    if (faults.delayMs > 0) await sleep(faults.delayMs);
    if (chance(faults.garbageRate)) {
      res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
      res.end(Buffer.concat([Buffer.from('\u0000not xml '), garbage()]));
      return;
    }
    let reply: Reply;
    let envelope: XmlElement | undefined;
    try {
      envelope = parseXml(body);
    } catch (err) {
      reply = soap.fault('Sender', ['ter:WellFormed'], `The request is not well-formed XML: ${(err as Error).message}`);
    }
    const name = (envelope && operationOf(envelope)) ?? '(unreadable)';
    const record: OnvifSimOperation = { name, path: req.url ?? '', body, time: Date.now() };
    operations.push(record);
    if (envelope) {
      const denied = name === 'GetSystemDateAndTime' ? undefined : authError(envelope);
      if (denied) {
        record.authError = denied;
        reply = soap.fault('Sender', NOT_AUTHORIZED, 'Sender not Authorized');
      } else {
        reply = dispatch(name, child(find(envelope, 'Body'), name)!);
      }
    }
    if (res.destroyed) return;
    res.writeHead(reply!.status, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': Buffer.byteLength(reply!.body) });
    if (options.truncateReplies) {
      res.write(reply!.body.slice(0, reply!.body.length >> 1));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    res.end(reply!.body);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
    });
    req.on('error', () => {});
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const listen = (wanted: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(wanted, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listen(0);

  const sim: OnvifSimulator = {
    transport: { type: 'http', url: xaddrs().device, username: options.username, password: options.password },
    port,
    faults,
    options,
    operations,
    ptz,
    presets,
    deviceNow,
    async setReachable(reachable) {
      if (reachable) {
        if (!server.listening) await listen(sim.port);
      } else await stop();
    },
    received: (name) => operations.filter((op) => op.name === name),
    close: stop,
  };
  return sim;
}
