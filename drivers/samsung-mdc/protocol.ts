/**
 * Samsung MDC (Multiple Display Control) framing, pure: no I/O, no timers. See drivers/samsung-mdc/README.md.
 *
 *   request : AA <cmd> <id> <len> <data...> <checksum>
 *   ACK     : AA FF <id> <len> 41 <r-cmd> <values...> <checksum>
 *   NAK     : AA FF <id> 03 4E <r-cmd> <err> <checksum>
 *   checksum = sum of every byte after the 0xAA header, mod 256
 */

/** Start of every MDC frame. */
export const HEADER = 0xaa;
/** The `cmd` byte of every reply from the display. */
export const RESPONSE_CMD = 0xff;
/** ASCII 'A' / 'N' in the first data byte of a reply. */
export const ACK = 0x41;
export const NAK = 0x4e;
/** Display id that addresses every display on a serial chain; such commands get no reply. */
export const BROADCAST_ID = 0xfe;

/** The command bytes this driver uses. */
export const Cmd = {
  status: 0x00,
  power: 0x11,
  volume: 0x12,
  mute: 0x13,
  input: 0x14,
} as const;

/** Human names for log and error messages. */
export const CMD_NAMES: Readonly<Record<number, string>> = {
  0x00: 'status',
  0x11: 'power',
  0x12: 'volume',
  0x13: 'mute',
  0x14: 'input',
};

/** Power data byte: 00 off, 01 on, 02 reboot. */
export const Power = { off: 0x00, on: 0x01, reboot: 0x02 } as const;

/**
 * Input source codes (vgavro/samsung-mdc), by the lower-case names used in `selectInput`.
 * Codes marked "get only" in the source (e.g. 0x22 HDMI1_PC) are reported back under the name of
 * the input they belong to; see {@link INPUT_ALIASES}.
 */
export const KNOWN_INPUTS: Readonly<Record<string, number>> = {
  svideo: 0x04,
  component: 0x08,
  av: 0x0c,
  av2: 0x0d,
  scart: 0x0e,
  pc: 0x14,
  dvi: 0x18,
  bnc: 0x1e,
  magicinfo: 0x20,
  hdmi1: 0x21,
  hdmi2: 0x23,
  displayport1: 0x25,
  displayport2: 0x26,
  displayport3: 0x27,
  hdmi3: 0x31,
  hdmi4: 0x33,
  tv: 0x40,
  pim: 0x50,
  hdbaset: 0x55,
  ocm: 0x56,
  magicinfos: 0x60,
  mirroring: 0x61,
  usb: 0x62,
  url: 0x63,
  iwb: 0x64,
  browser: 0x65,
  workspace: 0x66,
};

/** Short spellings people type in configs. */
export const INPUT_SYNONYMS: Readonly<Record<string, string>> = {
  hdmi: 'hdmi1',
  dp: 'displayport1',
  dp1: 'displayport1',
  dp2: 'displayport2',
  dp3: 'displayport3',
  displayport: 'displayport1',
  vga: 'pc',
};

/** Get-only codes reported while a settable input is selected (0x22 HDMI1_PC is HDMI1 in PC mode). */
export const INPUT_ALIASES: Readonly<Record<number, number>> = {
  0x1f: 0x18,
  0x22: 0x21,
  0x24: 0x23,
  0x32: 0x31,
  0x34: 0x33,
};

/** The id byte sent for a display id; ID 0 is 0x00 or 0xFF depending on the model family (§8.1). */
export type IdZeroOnWire = '00' | 'FF';

export function wireId(displayId: number, idZeroOnWire: IdZeroOnWire = '00'): number {
  if (!Number.isInteger(displayId) || displayId < 0 || displayId > 0xfe) {
    throw new RangeError(`display id ${displayId} out of range 0..254`);
  }
  return displayId === 0 && idZeroOnWire === 'FF' ? 0xff : displayId;
}

/** Sum of the given bytes mod 256. */
export function checksum(bytes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum += bytes[i]!;
  return sum & 0xff;
}

/** A full request frame; `data` empty means a GET (len = 0). */
export function encodeRequest(cmd: number, id: number, data: readonly number[] = []): Buffer {
  if (data.length > 0xff) throw new RangeError('MDC data longer than 255 bytes');
  const body = [cmd & 0xff, id & 0xff, data.length, ...data.map((b) => b & 0xff)];
  return Buffer.from([HEADER, ...body, checksum(body)]);
}

/** A reply frame as the display would send it (used by the simulator and tests). */
export function encodeAck(id: number, rcmd: number, values: readonly number[] = []): Buffer {
  return encodeRequest(RESPONSE_CMD, id, [ACK, rcmd, ...values]);
}

export function encodeNak(id: number, rcmd: number, error: number): Buffer {
  return encodeRequest(RESPONSE_CMD, id, [NAK, rcmd, error]);
}

/** Result of {@link scanFrames}: whole, checksum-valid frames, the unconsumed tail, and what was skipped. */
export interface ScanResult {
  frames: Buffer[];
  rest: Buffer;
  /** Bytes thrown away while resynchronising on 0xAA. */
  discarded: number;
  /** One line per problem, for the log ("bad checksum in AA FF ..."). */
  problems: string[];
}

export interface ScanOptions {
  /** Only accept frames whose cmd byte is 0xFF (a driver reading replies): fewer false headers in garbage. */
  responsesOnly?: boolean;
}

/**
 * Splits a byte stream into MDC frames. Garbage before a header is skipped; a candidate frame
 * whose checksum does not match is treated as a false header: only its 0xAA is dropped and the
 * scan resumes at the next byte, so a real frame hidden behind garbage is still found.
 */
export function scanFrames(buffer: Buffer, options: ScanOptions = {}): ScanResult {
  const frames: Buffer[] = [];
  const problems: string[] = [];
  let discarded = 0;
  let i = 0;
  let skippedRun = 0;
  const flushSkipped = () => {
    if (skippedRun > 0) problems.push(`skipped ${skippedRun} byte(s) of garbage`);
    skippedRun = 0;
  };
  while (i < buffer.length) {
    if (!plausibleStart(buffer, i, options)) {
      i++;
      discarded++;
      skippedRun++;
      continue;
    }
    if (buffer.length - i < 4) break; // header seen, length byte not yet
    const total = 4 + buffer[i + 3]! + 1;
    if (buffer.length - i < total) {
      // Either the rest is still on its way, or this was a false header in garbage (which could
      // claim up to 255 bytes). If a whole valid frame already starts further on, it was false.
      const next = findValidFrame(buffer, i + 1, options);
      if (next < 0) break;
      flushSkipped();
      problems.push(`dropped a false header and ${next - i - 1} byte(s) after it`);
      discarded += next - i;
      i = next;
      continue;
    }
    const frame = buffer.subarray(i, i + total);
    const expected = checksum(frame.subarray(1, total - 1));
    if (frame[total - 1] !== expected) {
      flushSkipped();
      problems.push(`bad checksum in ${toHex(frame)} (expected ${hexByte(expected)})`);
      i++;
      discarded++;
      continue;
    }
    flushSkipped();
    frames.push(Buffer.from(frame));
    i += total;
  }
  flushSkipped();
  return { frames, rest: Buffer.from(buffer.subarray(i)), discarded, problems };
}

/** Could a frame start at `i`? (0xAA, and for replies 0xFF then a length ≥ 2 then 'A' or 'N'.) */
function plausibleStart(buffer: Buffer, i: number, options: ScanOptions): boolean {
  if (buffer[i] !== HEADER) return false;
  if (!options.responsesOnly) return true;
  const at = (k: number) => (i + k < buffer.length ? buffer[i + k] : undefined);
  const cmd = at(1);
  const len = at(3);
  const marker = at(4);
  return (cmd === undefined || cmd === RESPONSE_CMD) && (len === undefined || len >= 2) && (marker === undefined || marker === ACK || marker === NAK);
}

/** Index of the first complete, checksum-valid frame starting at or after `from`, or -1. */
function findValidFrame(buffer: Buffer, from: number, options: ScanOptions): number {
  for (let j = from; j + 4 < buffer.length; j++) {
    if (!plausibleStart(buffer, j, options)) continue;
    const total = 4 + buffer[j + 3]! + 1;
    if (buffer.length - j < total) continue;
    if (buffer[j + total - 1] === checksum(buffer.subarray(j + 1, j + total - 1))) return j;
  }
  return -1;
}

/** A decoded reply from the display. */
export type MdcReply =
  | { kind: 'ack'; id: number; rcmd: number; values: Buffer }
  | { kind: 'nak'; id: number; rcmd: number; error: number }
  | { kind: 'invalid'; reason: string };

/** Validates header, response cmd, length, checksum and ACK/NAK marker of one frame. */
export function decodeReply(frame: Buffer): MdcReply {
  if (frame.length < 5) return { kind: 'invalid', reason: `frame too short: ${toHex(frame)}` };
  if (frame[0] !== HEADER) return { kind: 'invalid', reason: `header ${hexByte(frame[0]!)} is not 0xAA` };
  if (frame[1] !== RESPONSE_CMD) return { kind: 'invalid', reason: `cmd ${hexByte(frame[1]!)} is not the response cmd 0xFF` };
  const len = frame[3]!;
  if (frame.length !== 5 + len) return { kind: 'invalid', reason: `length byte ${len} does not match frame ${toHex(frame)}` };
  const expected = checksum(frame.subarray(1, frame.length - 1));
  if (frame[frame.length - 1] !== expected) {
    return { kind: 'invalid', reason: `bad checksum ${hexByte(frame[frame.length - 1]!)} (expected ${hexByte(expected)})` };
  }
  if (len < 2) return { kind: 'invalid', reason: `reply without ACK/NAK and r-cmd: ${toHex(frame)}` };
  const id = frame[2]!;
  const marker = frame[4]!;
  const rcmd = frame[5]!;
  if (marker === ACK) return { kind: 'ack', id, rcmd, values: Buffer.from(frame.subarray(6, frame.length - 1)) };
  if (marker === NAK) {
    if (len < 3) return { kind: 'invalid', reason: `NAK without error code: ${toHex(frame)}` };
    return { kind: 'nak', id, rcmd, error: frame[6]! };
  }
  return { kind: 'invalid', reason: `marker ${hexByte(marker)} is neither 'A' (0x41) nor 'N' (0x4E)` };
}

/** A request as the simulator sees it. */
export interface MdcRequest {
  cmd: number;
  id: number;
  data: Buffer;
}

/** Decodes a request frame (for the simulator); the checksum was checked by {@link scanFrames}. */
export function decodeRequest(frame: Buffer): MdcRequest | undefined {
  if (frame.length < 5 || frame[0] !== HEADER || frame.length !== 5 + frame[3]!) return undefined;
  return { cmd: frame[1]!, id: frame[2]!, data: Buffer.from(frame.subarray(4, frame.length - 1)) };
}

/** Fields of the status (0x00) ACK: power, volume, mute, input, aspect, N-time, F-time. */
export interface MdcStatus {
  power: boolean;
  volume: number;
  muted: boolean;
  input: number;
}

export function decodeStatus(values: Buffer): MdcStatus | undefined {
  if (values.length < 4) return undefined;
  return { power: values[0] === Power.on, volume: values[1]!, muted: values[2] === 1, input: values[3]! };
}

/** The TLS greeting of a display with "Secured Protocol" on (§8.1). */
export const TLS_GREETING = 'MDCSTART<<TLS>>';

/** True when the bytes contain the TLS greeting (or its start, `MDCSTART`, when split). */
export function containsTlsGreeting(bytes: Buffer): boolean {
  return bytes.includes('MDCSTART', 0, 'latin1');
}

export function hexByte(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** `AA 11 00 01 01 13` */
export function toHex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/** Parses `"AA 11 00 01 01 13"` (or without spaces) into bytes; undefined if not hex. */
export function fromHex(text: string): Buffer | undefined {
  const compact = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (compact.length === 0 || compact.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(compact)) return undefined;
  return Buffer.from(compact, 'hex');
}

/** A user's input map: name → input code, or → a known name like `hdmi1`. */
export type InputMap = Readonly<Record<string, number | string>>;

function knownCode(name: string): number | undefined {
  const key = name.trim().toLowerCase().replace(/[\s_-]/g, '');
  return KNOWN_INPUTS[INPUT_SYNONYMS[key] ?? key];
}

/**
 * The input code for a name from `selectInput`: the user's map first (its values may be codes or
 * known names), then the known names. Undefined when neither knows it.
 */
export function resolveInputCode(name: string, userMap: InputMap = {}): number | undefined {
  const mapped = userMap[name] ?? Object.entries(userMap).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  if (typeof mapped === 'number') return mapped;
  if (typeof mapped === 'string') return knownCode(mapped) ?? parseCode(mapped);
  return knownCode(name);
}

function parseCode(text: string): number | undefined {
  const m = /^0x([0-9a-f]{1,2})$/i.exec(text.trim());
  return m ? parseInt(m[1]!, 16) : undefined;
}

/**
 * The name reported in state for an input code: the user's name for it first, then the known
 * name; get-only codes (HDMI1_PC...) count as their settable input. Unknown codes read `0x2A`.
 */
export function inputNameOf(code: number, userMap: InputMap = {}): string {
  const settable = INPUT_ALIASES[code] ?? code;
  for (const [name, value] of Object.entries(userMap)) {
    const c = typeof value === 'number' ? value : (knownCode(value) ?? parseCode(value));
    if (c === code || c === settable) return name;
  }
  for (const [name, value] of Object.entries(KNOWN_INPUTS)) if (value === settable) return name;
  return hexByte(code);
}
