import type { PowerState } from '../../src/sdk/index.ts';

/**
 * HDMI-CEC frames and libCEC `cec-client` output (see drivers/cec/README.md). PURE: parsing, decoding and
 * command text only — no I/O, no timers — so every case is a row in a table test.
 */

/** CEC opcodes this driver and its simulators use (CEC 1.4 table 3; cectypes.h `cec_opcode`). */
export const Opcode = {
  FEATURE_ABORT: 0x00,
  IMAGE_VIEW_ON: 0x04,
  TEXT_VIEW_ON: 0x0d,
  STANDBY: 0x36,
  USER_CONTROL_PRESSED: 0x44,
  USER_CONTROL_RELEASE: 0x45,
  GIVE_OSD_NAME: 0x46,
  SET_OSD_NAME: 0x47,
  SYSTEM_AUDIO_MODE_REQUEST: 0x70,
  GIVE_AUDIO_STATUS: 0x71,
  SET_SYSTEM_AUDIO_MODE: 0x72,
  REPORT_AUDIO_STATUS: 0x7a,
  ROUTING_CHANGE: 0x80,
  ROUTING_INFORMATION: 0x81,
  ACTIVE_SOURCE: 0x82,
  GIVE_PHYSICAL_ADDRESS: 0x83,
  REPORT_PHYSICAL_ADDRESS: 0x84,
  REQUEST_ACTIVE_SOURCE: 0x85,
  SET_STREAM_PATH: 0x86,
  DEVICE_VENDOR_ID: 0x87,
  VENDOR_COMMAND: 0x89,
  GIVE_DEVICE_VENDOR_ID: 0x8c,
  MENU_REQUEST: 0x8d,
  MENU_STATUS: 0x8e,
  GIVE_DEVICE_POWER_STATUS: 0x8f,
  REPORT_POWER_STATUS: 0x90,
  GET_MENU_LANGUAGE: 0x91,
  SET_MENU_LANGUAGE: 0x32,
  INACTIVE_SOURCE: 0x9d,
  CEC_VERSION: 0x9e,
  GET_CEC_VERSION: 0x9f,
  ABORT: 0xff,
} as const;

/** User Control codes sent with User Control Pressed (0x44). */
export const UserControl = {
  POWER: 0x40,
  VOLUME_UP: 0x41,
  VOLUME_DOWN: 0x42,
  MUTE: 0x43,
  MUTE_FUNCTION: 0x65,
  RESTORE_VOLUME_FUNCTION: 0x66,
  POWER_TOGGLE_FUNCTION: 0x6b,
  POWER_OFF_FUNCTION: 0x6c,
  POWER_ON_FUNCTION: 0x6d,
} as const;

/** Report Power Status operand values. */
export const PowerStatus = { ON: 0x00, STANDBY: 0x01, STANDBY_TO_ON: 0x02, ON_TO_STANDBY: 0x03 } as const;

export const TV = 0x0;
export const BROADCAST = 0xf;

/** Feature Abort reasons (operand 2 of opcode 0x00). */
export const AbortReason = { UNRECOGNISED: 0, NOT_IN_CORRECT_MODE: 1, CANNOT_PROVIDE_SOURCE: 2, INVALID_OPERAND: 3, REFUSED: 4 } as const;

/** One CEC frame: header nibbles, then an optional opcode and its operands. */
export interface CecFrame {
  initiator: number;
  destination: number;
  /** Absent for a poll (header-only frame). */
  opcode?: number;
  operands: number[];
}

/** `01:90:00`-style text (lowercase, `:`-separated, as cec-client prints it) → frame; undefined if malformed. */
export function parseFrameHex(text: string): CecFrame | undefined {
  const tokens = text.trim().split(':');
  if (tokens.length === 0 || tokens.length > 16) return undefined;
  const bytes: number[] = [];
  for (const t of tokens) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(t)) return undefined;
    bytes.push(parseInt(t, 16));
  }
  return frameFromBytes(bytes);
}

/** Bytes → frame; undefined for an empty array. */
export function frameFromBytes(bytes: ArrayLike<number>): CecFrame | undefined {
  if (bytes.length === 0) return undefined;
  const all = Array.from(bytes);
  return {
    initiator: all[0] >> 4,
    destination: all[0] & 0x0f,
    ...(all.length > 1 ? { opcode: all[1] } : {}),
    operands: all.slice(2),
  };
}

/** Frame → bytes (header, opcode, operands). */
export function frameToBytes(frame: CecFrame): number[] {
  const header = ((frame.initiator & 0xf) << 4) | (frame.destination & 0xf);
  return frame.opcode === undefined ? [header] : [header, frame.opcode & 0xff, ...frame.operands.map((b) => b & 0xff)];
}

/** Frame → `10:8f` (two lowercase hex digits per byte, as cec-client prints and `tx` accepts). */
export function formatFrame(frame: CecFrame): string {
  return frameToBytes(frame)
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
}

/** Builds a frame: `frame(4, 0, Opcode.GIVE_DEVICE_POWER_STATUS)`. */
export function frame(initiator: number, destination: number, opcode?: number, ...operands: number[]): CecFrame {
  return { initiator, destination, ...(opcode === undefined ? {} : { opcode }), operands };
}

/** `'1.0.0.0'` → 0x1000; undefined unless it is four hex digits 0-F separated by dots. */
export function parsePhysicalAddress(text: string): number | undefined {
  const m = /^([0-9a-fA-F])\.([0-9a-fA-F])\.([0-9a-fA-F])\.([0-9a-fA-F])$/.exec(text.trim());
  if (!m) return undefined;
  return (parseInt(m[1], 16) << 12) | (parseInt(m[2], 16) << 8) | (parseInt(m[3], 16) << 4) | parseInt(m[4], 16);
}

/** 0x1000 → `'1.0.0.0'`. */
export function formatPhysicalAddress(address: number): string {
  return [12, 8, 4, 0].map((s) => ((address >> s) & 0xf).toString(16)).join('.');
}

/** Two-byte big-endian operand pair for a physical address. */
export function physicalAddressBytes(address: number): [number, number] {
  return [(address >> 8) & 0xff, address & 0xff];
}

/** Report Power Status operand → room power state (02 standby→on is warming, 03 on→standby cooling). */
export function powerFromStatus(status: number | undefined): PowerState {
  switch (status) {
    case PowerStatus.ON: return 'on';
    case PowerStatus.STANDBY: return 'off';
    case PowerStatus.STANDBY_TO_ON: return 'warming';
    case PowerStatus.ON_TO_STANDBY: return 'cooling';
    default: return 'unknown';
  }
}

/** What a frame means for a display, decoded from opcode and operands. */
export type CecEvent =
  | { type: 'poll' }
  | { type: 'powerStatus'; power: PowerState }
  | { type: 'standby' }
  | { type: 'imageViewOn' }
  | { type: 'activeSource'; address: number }
  | { type: 'inactiveSource'; address: number }
  | { type: 'routingChange'; from: number; to: number }
  | { type: 'routingInformation'; address: number }
  | { type: 'setStreamPath'; address: number }
  | { type: 'reportPhysicalAddress'; address: number; deviceType: number }
  | { type: 'audioStatus'; volume: number | null; muted: boolean }
  | { type: 'userControlPressed'; key: number }
  | { type: 'userControlReleased' }
  | { type: 'osdName'; name: string }
  | { type: 'vendorId'; vendorId: number }
  | { type: 'cecVersion'; version: number }
  | { type: 'featureAbort'; opcode: number; reason: number }
  | { type: 'request'; opcode: number }
  | { type: 'other'; opcode: number }
  | { type: 'malformed'; opcode: number; reason: string };

/** Opcodes that ask for an answer and carry no operands (Give Device Power Status, Give OSD Name...). */
const REQUEST_OPCODES: ReadonlySet<number> = new Set([
  Opcode.GIVE_DEVICE_POWER_STATUS,
  Opcode.GIVE_PHYSICAL_ADDRESS,
  Opcode.GIVE_OSD_NAME,
  Opcode.GIVE_DEVICE_VENDOR_ID,
  Opcode.GET_CEC_VERSION,
  Opcode.GET_MENU_LANGUAGE,
  Opcode.GIVE_AUDIO_STATUS,
  Opcode.REQUEST_ACTIVE_SOURCE,
]);

function needs(frame: CecFrame, count: number, name: string): string | undefined {
  return frame.operands.length < count ? `${name} needs ${count} operand byte(s), got ${frame.operands.length}` : undefined;
}

/** Decodes a frame into one event. Short operands give a `malformed` event, never a throw. */
export function decodeFrame(frame: CecFrame): CecEvent {
  const op = frame.opcode;
  if (op === undefined) return { type: 'poll' };
  const o = frame.operands;
  const pa = (i: number) => (o[i] << 8) | o[i + 1];
  const bad = (reason: string | undefined): CecEvent | undefined => (reason ? { type: 'malformed', opcode: op, reason } : undefined);
  switch (op) {
    case Opcode.REPORT_POWER_STATUS:
      return bad(needs(frame, 1, 'Report Power Status')) ?? { type: 'powerStatus', power: powerFromStatus(o[0]) };
    case Opcode.STANDBY:
      return { type: 'standby' };
    case Opcode.IMAGE_VIEW_ON:
    case Opcode.TEXT_VIEW_ON:
      return { type: 'imageViewOn' };
    case Opcode.ACTIVE_SOURCE:
      return bad(needs(frame, 2, 'Active Source')) ?? { type: 'activeSource', address: pa(0) };
    case Opcode.INACTIVE_SOURCE:
      return bad(needs(frame, 2, 'Inactive Source')) ?? { type: 'inactiveSource', address: pa(0) };
    case Opcode.ROUTING_CHANGE:
      return bad(needs(frame, 4, 'Routing Change')) ?? { type: 'routingChange', from: pa(0), to: pa(2) };
    case Opcode.ROUTING_INFORMATION:
      return bad(needs(frame, 2, 'Routing Information')) ?? { type: 'routingInformation', address: pa(0) };
    case Opcode.SET_STREAM_PATH:
      return bad(needs(frame, 2, 'Set Stream Path')) ?? { type: 'setStreamPath', address: pa(0) };
    case Opcode.REPORT_PHYSICAL_ADDRESS:
      return bad(needs(frame, 3, 'Report Physical Address')) ?? { type: 'reportPhysicalAddress', address: pa(0), deviceType: o[2] };
    case Opcode.REPORT_AUDIO_STATUS: {
      const err = bad(needs(frame, 1, 'Report Audio Status'));
      if (err) return err;
      const level = o[0] & 0x7f;
      // 0x7F means "unknown"; levels above 100 are reserved
      return { type: 'audioStatus', volume: level <= 100 ? level : null, muted: (o[0] & 0x80) !== 0 };
    }
    case Opcode.USER_CONTROL_PRESSED:
      return bad(needs(frame, 1, 'User Control Pressed')) ?? { type: 'userControlPressed', key: o[0] };
    case Opcode.USER_CONTROL_RELEASE:
      return { type: 'userControlReleased' };
    case Opcode.SET_OSD_NAME:
      return { type: 'osdName', name: String.fromCharCode(...o) };
    case Opcode.DEVICE_VENDOR_ID:
      return bad(needs(frame, 3, 'Device Vendor ID')) ?? { type: 'vendorId', vendorId: (o[0] << 16) | (o[1] << 8) | o[2] };
    case Opcode.CEC_VERSION:
      return bad(needs(frame, 1, 'CEC Version')) ?? { type: 'cecVersion', version: o[0] };
    case Opcode.FEATURE_ABORT:
      return bad(needs(frame, 2, 'Feature Abort')) ?? { type: 'featureAbort', opcode: o[0], reason: o[1] };
    default:
      return REQUEST_OPCODES.has(op) ? { type: 'request', opcode: op } : { type: 'other', opcode: op };
  }
}

// ---------------------------------------------------------------------------------------------
// cec-client output lines

/** Log levels as cec-client prints them (`TRAFFIC: [  1234]\t...`). */
export type CecLogLevel = 'ERROR' | 'WARNING' | 'NOTICE' | 'TRAFFIC' | 'DEBUG';

/** One line of cec-client stdout, classified. */
export type CecLine =
  | { kind: 'traffic'; direction: 'sent' | 'received'; frame: CecFrame; time: number }
  | { kind: 'log'; level: CecLogLevel; message: string; time: number }
  | { kind: 'powerStatus'; power: PowerState }
  | { kind: 'ready' }
  | { kind: 'opening' }
  | { kind: 'openFailed'; port: string }
  | { kind: 'connectionLost' }
  | { kind: 'audio'; what: 'volume up' | 'volume down' | 'mute'; status: number }
  | { kind: 'text'; text: string }
  | { kind: 'malformed'; text: string; reason: string };

const LOG_LINE = /^(ERROR|WARNING|NOTICE|TRAFFIC|DEBUG):\s*\[\s*(\d+)\]\s(.*)$/;
const TRAFFIC_MESSAGE = /^(<<|>>)\s+(\S+)\s*$/;

/** Plain `power status:` answers of `pow` (libCEC `ToString(cec_power_status)`). */
const POWER_TEXT: Record<string, PowerState> = {
  on: 'on',
  standby: 'off',
  'in transition from standby to on': 'warming',
  'in transition from on to standby': 'cooling',
  unknown: 'unknown',
};

/** Classifies one cec-client stdout line (without its newline). Never throws. */
export function parseCecClientLine(raw: string): CecLine {
  const line = raw.replace(/\r$/, '');
  const log = LOG_LINE.exec(line);
  if (log) {
    const level = log[1] as CecLogLevel;
    const time = Number(log[2]);
    const message = log[3];
    if (level !== 'TRAFFIC') return { kind: 'log', level, message, time };
    const t = TRAFFIC_MESSAGE.exec(message.trim());
    if (!t) return { kind: 'malformed', text: line, reason: 'TRAFFIC line without a `<<`/`>>` frame' };
    const frame = parseFrameHex(t[2]);
    if (!frame) return { kind: 'malformed', text: line, reason: `bad frame bytes '${t[2]}'` };
    return { kind: 'traffic', direction: t[1] === '<<' ? 'sent' : 'received', frame, time };
  }
  if (/^(ERROR|WARNING|NOTICE|TRAFFIC|DEBUG):/.test(line)) return { kind: 'malformed', text: line, reason: 'log line without a [timestamp]' };
  const text = line.trim();
  if (text === 'waiting for input') return { kind: 'ready' };
  const power = /^power status:\s+(.*)$/.exec(text);
  if (power) {
    const p = POWER_TEXT[power[1].trim()];
    return p ? { kind: 'powerStatus', power: p } : { kind: 'malformed', text: line, reason: `unknown power status '${power[1].trim()}'` };
  }
  if (text === 'opening a connection to the CEC adapter...') return { kind: 'opening' };
  const failed = /^unable to open the device on port (.*)$/.exec(text);
  if (failed) return { kind: 'openFailed', port: failed[1] };
  if (text.startsWith('Connection lost')) return { kind: 'connectionLost' };
  const audio = /^(volume up|volume down|mute):\s*([0-9a-fA-F]+)$/.exec(text);
  if (audio) return { kind: 'audio', what: audio[1] as 'volume up' | 'volume down' | 'mute', status: parseInt(audio[2], 16) };
  return { kind: 'text', text };
}

// ---------------------------------------------------------------------------------------------
// cec-client stdin commands

/** `tx 40:8f` — send a raw frame (tokens `:`-separated; a space would send only the first byte). */
export function txCommand(f: CecFrame): string {
  return `tx ${formatFrame(f)}`;
}

/**
 * Whether an outgoing TRAFFIC frame is the one a command asked for. The initiator is not compared:
 * libCEC fills in its own logical address for `on`/`standby`.
 */
export function sameFrameIgnoringInitiator(a: CecFrame, b: CecFrame): boolean {
  return (
    a.destination === b.destination &&
    a.opcode === b.opcode &&
    a.operands.length === b.operands.length &&
    a.operands.every((x, i) => x === b.operands[i])
  );
}

/** Logical address libCEC claims first for a `-t` device type (p → Playback 1, r → Recording 1...). */
export function logicalAddressForType(type: string | undefined): number {
  switch (type) {
    case 'p': return 4;
    case 't': return 3;
    case 'a': return 5;
    case 'x': return 0;
    default: return 1;
  }
}
