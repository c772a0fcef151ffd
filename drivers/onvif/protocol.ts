import { createHash } from 'node:crypto';
import { RoomError } from '../../src/sdk/index.ts';
import { child, find, findAll, parseXml, textOf, XmlError, type XmlElement } from './xml.ts';

/**
 * Pure ONVIF helpers (see drivers/onvif/README.md): WS-Security digests, SOAP fault reading, xs:duration, and
 * the normalisation of GetProfiles / GetPresets / GetStatus / SetPreset answers. The `onvif` npm
 * client sends the requests; its own result shapes drift between 0.8.x releases and turn numeric
 * tokens into numbers, so the driver reads the raw XML it hands back through these functions.
 */

/** `Base64(SHA1(nonceBytes ‖ created ‖ password))`: the nonce is hashed as raw bytes, never as its Base64 text. */
export function passwordDigest(nonce: Uint8Array, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(nonce), Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

export const PASSWORD_DIGEST_TYPE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

/** A WS-Security UsernameToken as found in a request header. */
export interface UsernameToken {
  username: string;
  password: string;
  passwordType: string;
  nonce: string;
  created: string;
}

/** Reads the UsernameToken from a parsed request envelope, if there is one. */
export function readUsernameToken(envelope: XmlElement): UsernameToken | undefined {
  const token = find(child(envelope, 'Header'), 'UsernameToken');
  if (!token) return undefined;
  const password = child(token, 'Password');
  return {
    username: textOf(child(token, 'Username')) ?? '',
    password: textOf(password) ?? '',
    passwordType: password?.attrs.Type ?? '',
    nonce: textOf(child(token, 'Nonce')) ?? '',
    created: textOf(child(token, 'Created')) ?? '',
  };
}

/** The local name of the operation in a SOAP request body (`GetStatus`, `ContinuousMove`...). */
export function operationOf(envelope: XmlElement): string | undefined {
  return child(envelope, 'Body')?.children[0]?.name;
}

/** A SOAP 1.2 fault: `Code/Value`, innermost `Subcode/Value` (e.g. `ter:NotAuthorized`) and `Reason/Text`. */
export interface SoapFault {
  code: string;
  subcode?: string;
  reason: string;
}

/** Reads a SOAP fault from a response; undefined when the text is not XML or holds no Fault. */
export function parseSoapFault(xml: string): SoapFault | undefined {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch {
    return undefined;
  }
  const fault = find(root, 'Fault');
  if (!fault) return undefined;
  const codeEl = child(fault, 'Code');
  let subcode: string | undefined;
  for (let sub = child(codeEl, 'Subcode'); sub; sub = child(sub, 'Subcode')) subcode = textOf(child(sub, 'Value')) || subcode;
  // SOAP 1.1 style faults (faultcode/faultstring) still turn up on old firmware.
  const reason = textOf(child(child(fault, 'Reason'), 'Text')) || textOf(child(fault, 'faultstring')) || '';
  const code = textOf(child(codeEl, 'Value')) || textOf(child(fault, 'faultcode')) || '';
  return subcode ? { code, subcode, reason } : { code, reason };
}

/** "camera refused: Sender not Authorized (ter:NotAuthorized)" — the camera's own words. */
export function describeFault(fault: SoapFault): string {
  const reason = fault.reason || fault.code || 'SOAP fault';
  const tag = fault.subcode ?? fault.code;
  return tag && tag !== reason ? `camera refused: ${reason} (${tag})` : `camera refused: ${reason}`;
}

/** True for the faults a clock skew or a wrong password produce. */
export function isAuthFault(fault: SoapFault | undefined): boolean {
  return !!fault && /NotAuthorized|FailedAuthentication/i.test(`${fault.subcode ?? ''} ${fault.code}`);
}

/**
 * Turns an error from the `onvif` client (plus the XML it saw, if any) into a RoomError with the
 * camera's own fault text, or a precise transport reason.
 */
export function toCameraError(err: unknown, xml: string | undefined, operation: string, target: string, timeoutMs: number): RoomError {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const fault = xml ? parseSoapFault(xml) : undefined;
  const details = { operation, target };
  if (fault) return new RoomError('DeviceError', describeFault(fault), { ...details, fault });
  if (message.startsWith('ONVIF SOAP Fault:')) {
    return new RoomError('DeviceError', `camera refused: ${message.slice(17).trim() || 'SOAP fault'}`, details);
  }
  if (message === 'Network timeout' || code === 'ETIMEDOUT') {
    return new RoomError('DeviceTimeout', `camera at ${target} did not answer ${operation} within ${timeoutMs} ms`, details);
  }
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)$/.test(code)) {
    return new RoomError('DeviceOffline', `camera unreachable at ${target} (${operation}): ${message}`, details);
  }
  if (message === 'Wrong ONVIF SOAP response' || err instanceof XmlError || /Non-whitespace|Unexpected|Invalid character/i.test(message)) {
    const excerpt = (xml ?? '').replace(/\s+/g, ' ').slice(0, 60);
    return new RoomError('DeviceError', `camera sent an unreadable answer to ${operation}${excerpt ? `: ${JSON.stringify(excerpt)}` : ''}`, details);
  }
  return new RoomError('DeviceError', `${operation} failed: ${message}`, details);
}

/**
 * xs:duration for ContinuousMove's Timeout, in whole seconds: fractional values (`PT0.5S`, which
 * agsh emits for sub-second timeouts) crash some cameras' HTTP servers (Tapo C220).
 */
export function formatTimeout(seconds: number): string {
  return `PT${Math.max(1, Math.round(seconds))}S`;
}

/** Parses an xs:duration (`PT1S`, `PT0.5S`, `PT1M30S`, `P1DT2H`) to milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const [, d, h, min, s] = m.map((v) => (v === undefined ? 0 : Number(v)));
  return Math.round(((((d ?? 0) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60 + (s ?? 0)) * 1000);
}

/** A media profile as the driver needs it. */
export interface ProfileInfo {
  token: string;
  name: string;
  ptzConfiguration?: string;
}

/** Reads `GetProfilesResponse/Profiles` (Media1 or Media2). */
export function parseProfiles(xml: string): ProfileInfo[] {
  return findAll(parseXml(xml), 'Profiles')
    .filter((p) => p.attrs.token !== undefined)
    .map((p) => {
      // Media1 puts PTZConfiguration in the profile; Media2 (ver20) nests it as Configurations/PTZ.
      const ptz = child(p, 'PTZConfiguration') ?? child(child(p, 'Configurations'), 'PTZ');
      const info: ProfileInfo = { token: p.attrs.token!, name: textOf(child(p, 'Name')) ?? '' };
      if (ptz) info.ptzConfiguration = ptz.attrs.token ?? '';
      return info;
    });
}

/** The configured profile, or the first one with a PTZ configuration; a string explains why none fits. */
export function pickProfile(profiles: ProfileInfo[], wanted?: string): ProfileInfo | string {
  const list = profiles.map((p) => p.token).join(', ') || 'none';
  if (wanted) {
    const hit = profiles.find((p) => p.token === wanted);
    if (!hit) return `profile '${wanted}' not found on the camera (profiles: ${list})`;
    if (hit.ptzConfiguration === undefined) return `profile '${wanted}' has no PTZ configuration (profiles: ${list})`;
    return hit;
  }
  return profiles.find((p) => p.ptzConfiguration !== undefined) ?? `no media profile with a PTZ configuration (profiles: ${list})`;
}

/** One stored preset as the camera lists it. */
export interface CameraPreset {
  token: string;
  name: string;
}

/** Reads `GetPresetsResponse/Preset`, keeping tokens as the exact strings the camera sent. */
export function parsePresets(xml: string): CameraPreset[] {
  return findAll(parseXml(xml), 'Preset')
    .filter((p) => p.attrs.token !== undefined)
    .map((p) => ({ token: p.attrs.token!, name: textOf(child(p, 'Name')) ?? '' }));
}

/** Reads the token a SetPreset answer hands back. */
export function parseSetPresetToken(xml: string): string | undefined {
  return textOf(find(find(parseXml(xml), 'SetPresetResponse'), 'PresetToken')) || undefined;
}

/**
 * Room preset number → camera token. Explicit `presetTokens` win; then presets whose Name is a
 * number map by name; any other preset takes its position in the list (1, 2...) if that number is
 * still free — so factory presets without numeric names are reachable, and a preset stored later by
 * number (named "3") does not reshuffle them.
 */
export function presetTokenMap(presets: CameraPreset[], explicit: Record<string, string> = {}): Map<number, string> {
  const map = new Map<number, string>();
  for (const p of presets) if (/^\d{1,3}$/.test(p.name) && !map.has(Number(p.name))) map.set(Number(p.name), p.token);
  const mapped = new Set(map.values());
  presets.forEach((p, index) => {
    if (!mapped.has(p.token) && !map.has(index + 1)) map.set(index + 1, p.token);
  });
  for (const [number, token] of Object.entries(explicit)) if (/^\d+$/.test(number)) map.set(Number(number), token);
  return map;
}

/** A `preset` argument (number, numeric string, or a name from options.presets) → the preset number. */
export function resolvePresetRef(ref: number | string, names: Record<string, string> = {}): number | string {
  if (typeof ref === 'number') return ref;
  if (/^\d+$/.test(ref.trim())) return Number(ref.trim());
  const wanted = ref.trim().toLocaleLowerCase();
  for (const [number, name] of Object.entries(names)) {
    if (name.trim().toLocaleLowerCase() === wanted && /^\d+$/.test(number)) return Number(number);
  }
  const known = Object.entries(names).map(([n, name]) => `${n} "${name}"`).join(', ') || 'none named';
  return `unknown preset '${ref}' (presets: ${known})`;
}

/** Position and movement read from GetStatus. */
export interface PtzStatus {
  pan: number | null;
  tilt: number | null;
  zoom: number | null;
  moving: boolean;
  moveStatus: { panTilt?: string; zoom?: string };
}

const round = (v: number): number => Math.round(v * 10_000) / 10_000;
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const num = (s: string | undefined): number | null => {
  if (s === undefined || s.trim() === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
};

/**
 * Reads `GetStatusResponse/PTZStatus`. Values are clamped to the generic spaces the room model uses
 * (pan/tilt −1..1, zoom 0..1): cameras that report slightly outside must not break state validation.
 */
export function parseStatus(xml: string): PtzStatus | undefined {
  const status = find(parseXml(xml), 'PTZStatus');
  if (!status) return undefined;
  const position = child(status, 'Position');
  const panTilt = child(position, 'PanTilt');
  const zoomEl = child(position, 'Zoom');
  const pan = num(panTilt?.attrs.x);
  const tilt = num(panTilt?.attrs.y);
  const zoom = num(zoomEl?.attrs.x);
  const move = child(status, 'MoveStatus');
  // Old firmware gives MoveStatus as plain text instead of PanTilt/Zoom children.
  const moveStatus = move && move.children.length === 0
    ? { panTilt: textOf(move) }
    : { panTilt: textOf(child(move, 'PanTilt')), zoom: textOf(child(move, 'Zoom')) };
  const clean = Object.fromEntries(Object.entries(moveStatus).filter(([, v]) => v)) as PtzStatus['moveStatus'];
  return {
    pan: pan === null ? null : round(clamp(pan, -1, 1)),
    tilt: tilt === null ? null : round(clamp(tilt, -1, 1)),
    zoom: zoom === null ? null : round(clamp(zoom, 0, 1)),
    moving: Object.values(clean).some((v) => v === 'MOVING'),
    moveStatus: clean,
  };
}
