/**
 * Sony VISCA framing, encoding and decoding (see drivers/visca/README.md). Pure: no I/O, no timers.
 * Shared by the `visca` (RS-232) and `visca-ip` drivers and by both simulators.
 */
import type { SplitResult } from '../../src/transports/framers.ts';

/** Every VISCA packet ends with this byte; data bytes never contain it. */
export const TERMINATOR = 0xff;
/** Longest legal VISCA packet, terminator included. */
export const MAX_PACKET = 16;
/** Header of a broadcast from the controller (Address Set, IF_Clear) and of their replies. */
export const BROADCAST = 0x88;

/** Preset number as a nibble (`0p`, Sony EVI/SRG) or a full byte (`pp`, BRC-300, PTZOptics). */
export type PresetEncoding = 'nibble' | 'byte';
export type PanDirection = 'left' | 'right' | 'stop';
export type TiltDirection = 'up' | 'down' | 'stop';
export type MemoryAction = 'reset' | 'set' | 'recall';

// ---------------------------------------------------------------------------------------------
// Numbers

/** Splits `value` into `count` bytes of one nibble each, most significant first (`0p 0q 0r 0s`). */
export function toNibbles(value: number, count = 4): number[] {
  const out: number[] = [];
  for (let i = count - 1; i >= 0; i--) out.push((value >>> (i * 4)) & 0x0f);
  return out;
}

/** Joins `count` nibble bytes starting at `offset` into an unsigned number. */
export function fromNibbles(bytes: ArrayLike<number>, offset: number, count = 4): number {
  let value = 0;
  for (let i = 0; i < count; i++) value = value * 16 + (bytes[offset + i]! & 0x0f);
  return value;
}

/** Interprets an unsigned `bits`-wide value as two's complement (0xFFFF → −1). */
export function toSigned(value: number, bits = 16): number {
  const half = 2 ** (bits - 1);
  return value >= half ? value - 2 ** bits : value;
}

/** Two's complement of a signed value in `bits` bits (−1 → 0xFFFF). */
export function toUnsigned(value: number, bits = 16): number {
  const mod = 2 ** bits;
  return ((Math.trunc(value) % mod) + mod) % mod;
}

// ---------------------------------------------------------------------------------------------
// Encoding (controller → camera)

function header(address: number): number {
  if (!Number.isInteger(address) || address < 1 || address > 7) throw new RangeError(`VISCA address ${address} is not 1–7`);
  return 0x80 | address;
}

function packet(address: number, ...body: number[]): Buffer {
  return Buffer.from([header(address), ...body, TERMINATOR]);
}

function checkByte(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} ${value} is outside ${min}–${max}`);
  }
  return value;
}

const PAN_CODE: Record<PanDirection, number> = { left: 0x01, right: 0x02, stop: 0x03 };
const TILT_CODE: Record<TiltDirection, number> = { up: 0x01, down: 0x02, stop: 0x03 };
const MEMORY_CODE: Record<MemoryAction, number> = { reset: 0x00, set: 0x01, recall: 0x02 };

/** Command and inquiry encoders, one per command and inquiry of the Sony VISCA command list. */
export const encode = {
  /** `88 30 01 FF`: numbers the cameras on a serial chain. */
  addressSet: (): Buffer => Buffer.from([BROADCAST, 0x30, 0x01, TERMINATOR]),
  /** `88 01 00 01 FF`: clears every camera's command buffers. */
  ifClearBroadcast: (): Buffer => Buffer.from([BROADCAST, 0x01, 0x00, 0x01, TERMINATOR]),
  ifClear: (address: number): Buffer => packet(address, 0x01, 0x00, 0x01),
  /** `8x 2y FF`: cancels the command running in socket y. */
  cancel: (address: number, socket: number): Buffer => packet(address, 0x20 | checkByte('socket', socket, 1, 2)),
  power: (address: number, on: boolean): Buffer => packet(address, 0x01, 0x04, 0x00, on ? 0x02 : 0x03),
  zoomStop: (address: number): Buffer => packet(address, 0x01, 0x04, 0x07, 0x00),
  /** Standard speed without `speed`, variable speed (0–7, or 0–F on some OEMs) with it. */
  zoomTele: (address: number, speed?: number): Buffer =>
    packet(address, 0x01, 0x04, 0x07, speed === undefined ? 0x02 : 0x20 | checkByte('zoom speed', speed, 0, 15)),
  zoomWide: (address: number, speed?: number): Buffer =>
    packet(address, 0x01, 0x04, 0x07, speed === undefined ? 0x03 : 0x30 | checkByte('zoom speed', speed, 0, 15)),
  zoomDirect: (address: number, position: number): Buffer =>
    packet(address, 0x01, 0x04, 0x47, ...toNibbles(checkByte('zoom position', position, 0, 0xffff))),
  /** Pan-tilt Drive. Speed bytes must be valid even for a stopped axis (Sony). */
  panTiltDrive: (address: number, panSpeed: number, tiltSpeed: number, pan: PanDirection, tilt: TiltDirection): Buffer =>
    packet(address, 0x01, 0x06, 0x01, checkByte('pan speed', panSpeed, 1, 0x7f), checkByte('tilt speed', tiltSpeed, 1, 0x7f), PAN_CODE[pan], TILT_CODE[tilt]),
  panTiltStop: (address: number, panSpeed = 0x08, tiltSpeed = 0x08): Buffer => encode.panTiltDrive(address, panSpeed, tiltSpeed, 'stop', 'stop'),
  /** Pan-tilt Absolute; `pan`/`tilt` are signed camera units (4 nibbles each, two's complement). */
  panTiltAbsolute: (address: number, panSpeed: number, tiltSpeed: number, pan: number, tilt: number): Buffer =>
    packet(
      address, 0x01, 0x06, 0x02,
      checkByte('pan speed', panSpeed, 1, 0x7f), checkByte('tilt speed', tiltSpeed, 1, 0x7f),
      ...toNibbles(toUnsigned(checkByte('pan position', pan, -0x8000, 0x7fff))),
      ...toNibbles(toUnsigned(checkByte('tilt position', tilt, -0x8000, 0x7fff))),
    ),
  home: (address: number): Buffer => packet(address, 0x01, 0x06, 0x04),
  /** CAM_Memory reset/set/recall of preset `preset`, as `0p` (nibble, 0–15) or `pp` (byte, 0–254). */
  memory: (address: number, action: MemoryAction, preset: number, encoding: PresetEncoding = 'byte'): Buffer =>
    packet(address, 0x01, 0x04, 0x3f, MEMORY_CODE[action], checkByte('preset', preset, 0, encoding === 'nibble' ? 0x0f : 0xfe)),
  powerInquiry: (address: number): Buffer => packet(address, 0x09, 0x04, 0x00),
  zoomInquiry: (address: number): Buffer => packet(address, 0x09, 0x04, 0x47),
  panTiltInquiry: (address: number): Buffer => packet(address, 0x09, 0x06, 0x12),
  memoryInquiry: (address: number): Buffer => packet(address, 0x09, 0x04, 0x3f),
  /** CAM_VersionInq: vendor, model, ROM revision, socket count. */
  versionInquiry: (address: number): Buffer => packet(address, 0x09, 0x00, 0x02),
};

/** CAM_VersionInq answer `GG GG HH HH JJ JJ KK` (after `z0 50`). */
export function decodeVersion(data: Uint8Array): { vendor: number; model: number; rom: number; sockets: number } | undefined {
  if (data.length < 7) return undefined;
  return { vendor: (data[0]! << 8) | data[1]!, model: (data[2]! << 8) | data[3]!, rom: (data[4]! << 8) | data[5]!, sockets: data[6]! };
}

// ---------------------------------------------------------------------------------------------
// Decoding (camera → controller)

/** A reply header is `1zzz 0000`: 0x90 for camera 1 … 0xF0 for camera 7 (0x80 seen from some OEMs). */
export function isReplyHeader(byte: number): boolean {
  return byte >= 0x80 && byte < 0xff && (byte & 0x0f) === 0;
}

/** The header camera `address` should put on its replies (camera 1 → 0x90). */
export function replyHeaderFor(address: number): number {
  return (address + 8) << 4;
}

/** One frame from the camera, classified. `header` is kept so quirky headers can be reported. */
export type ViscaReply =
  | { type: 'ack'; header: number; socket: number }
  | { type: 'completion'; header: number; socket: number }
  | { type: 'answer'; header: number; data: Buffer }
  | { type: 'error'; header: number; socket: number; code: number }
  | { type: 'networkChange'; header: number }
  | { type: 'addressSet'; nextAddress: number }
  | { type: 'ifClearBroadcast' }
  | { type: 'unknown'; reason: string };

const ERROR_TEXT: Record<number, string> = {
  0x01: 'message length error',
  0x02: 'syntax error',
  0x03: 'command buffer full',
  0x04: 'command cancelled',
  0x05: 'no socket (nothing to cancel)',
  0x41: 'command not executable',
};

/** Human text for a VISCA error code (byte 2 of `z0 6y ee FF`). */
export function errorText(code: number): string {
  return ERROR_TEXT[code] ?? `error 0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
}

/** Classifies one complete frame (terminator included). Never throws: odd frames come back as `unknown`. */
export function decodeReply(frame: Uint8Array): ViscaReply {
  const f = Buffer.from(frame);
  if (f.length < 3 || f.length > MAX_PACKET || f[f.length - 1] !== TERMINATOR) {
    return { type: 'unknown', reason: `bad length or terminator (${toHex(f)})` };
  }
  const h = f[0]!;
  if (h === BROADCAST) {
    if (f.length === 4 && f[1] === 0x30) return { type: 'addressSet', nextAddress: f[2]! & 0x0f };
    if (f.length === 5 && f[1] === 0x01 && f[2] === 0x00 && f[3] === 0x01) return { type: 'ifClearBroadcast' };
    return { type: 'unknown', reason: `unknown broadcast (${toHex(f)})` };
  }
  if (!isReplyHeader(h)) return { type: 'unknown', reason: `not a reply header: ${toHex([h])}` };
  const kind = f[1]! & 0xf0;
  const socket = f[1]! & 0x0f;
  if (f[1] === 0x38 && f.length === 3) return { type: 'networkChange', header: h };
  if (kind === 0x40 && f.length === 3) return { type: 'ack', header: h, socket };
  if (kind === 0x50 && f.length === 3) return { type: 'completion', header: h, socket };
  if (f[1] === 0x50 && f.length > 3) return { type: 'answer', header: h, data: f.subarray(2, f.length - 1) };
  // An error frame is exactly 4 bytes; a 3-byte `z0 6y FF` is malformed (§1.8 point 7).
  if (kind === 0x60 && f.length === 4) return { type: 'error', header: h, socket, code: f[2]! };
  return { type: 'unknown', reason: `unrecognised reply (${toHex(f)})` };
}

/** CAM_PowerInq answer `0p`: 2 = on, 3 = standby; anything else is reported as unknown. */
export function decodePower(data: Uint8Array): 'on' | 'off' | 'unknown' {
  if (data.length !== 1) return 'unknown';
  return data[0] === 0x02 ? 'on' : data[0] === 0x03 ? 'off' : 'unknown';
}

/** CAM_ZoomPosInq answer `0p 0q 0r 0s`. */
export function decodeZoom(data: Uint8Array): number | undefined {
  return data.length === 4 ? fromNibbles(data, 0, 4) : undefined;
}

/** Pan-tiltPosInq answer: 4 pan + 4 tilt nibbles, or 5 + 4 (BRC-300). Both signed. */
export function decodePanTilt(data: Uint8Array): { pan: number; tilt: number } | undefined {
  if (data.length === 8) return { pan: toSigned(fromNibbles(data, 0, 4), 16), tilt: toSigned(fromNibbles(data, 4, 4), 16) };
  if (data.length === 9) return { pan: toSigned(fromNibbles(data, 0, 5), 20), tilt: toSigned(fromNibbles(data, 5, 4), 16) };
  return undefined;
}

/** CAM_MemoryInq answer `0p` or `pp`: the last recalled memory. */
export function decodeMemory(data: Uint8Array): number | undefined {
  return data.length === 1 ? data[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Framing

/** A command header from a controller: `8x` with x = 1–7, or the broadcast 0x88. */
export function isCommandHeader(byte: number): boolean {
  return byte >= 0x81 && byte <= 0x88;
}

/** A byte that can start a frame we receive from a camera. */
export function isInboundHeader(byte: number): boolean {
  return isReplyHeader(byte) || byte === BROADCAST;
}

/**
 * Splits a byte stream into VISCA frames. Each run up to a 0xFF is searched for a header byte;
 * bytes before it are discarded (resync after garbage or a truncated frame). When a run holds
 * several header-looking bytes, the first one that yields a frame `accept` recognises wins, so
 * `3A C5 90 41 FF` still yields `90 41 FF`. Runs with no header at all are discarded whole.
 */
export function splitVisca(buffer: Buffer, isHeader: (byte: number) => boolean, accept: (frame: Buffer) => boolean = () => true): SplitResult {
  const frames: Buffer[] = [];
  let discarded = 0;
  let start = 0;
  for (let end = 0; end < buffer.length; end++) {
    if (buffer[end] !== TERMINATOR) continue;
    let fallback = -1;
    let chosen = -1;
    for (let i = Math.max(start, end + 1 - MAX_PACKET); i <= end - 2; i++) {
      if (!isHeader(buffer[i]!)) continue;
      if (fallback < 0) fallback = i;
      if (accept(buffer.subarray(i, end + 1))) {
        chosen = i;
        break;
      }
    }
    const at = chosen >= 0 ? chosen : fallback;
    if (at >= 0) {
      frames.push(Buffer.from(buffer.subarray(at, end + 1)));
      discarded += at - start;
    } else {
      discarded += end + 1 - start;
    }
    start = end + 1;
  }
  let rest = buffer.subarray(start);
  // No terminator within a packet's length of a header: what we hold cannot become a frame.
  const firstHeader = rest.findIndex((b) => isHeader(b));
  if (firstHeader < 0) {
    discarded += rest.length;
    rest = rest.subarray(rest.length);
  } else if (firstHeader > 0) {
    discarded += firstHeader;
    rest = rest.subarray(firstHeader);
  }
  if (rest.length >= MAX_PACKET) {
    discarded += rest.length - (MAX_PACKET - 1);
    rest = rest.subarray(rest.length - (MAX_PACKET - 1));
  }
  return { frames, rest: Buffer.from(rest), discarded };
}

/** Frames arriving at the controller (replies and broadcast echoes). */
export function splitReplies(buffer: Buffer): SplitResult {
  return splitVisca(buffer, isInboundHeader, plausibleReply);
}

/**
 * A frame we would believe: it decodes, and an inquiry answer carries no header-looking byte
 * (answers are nibbles; `90 50 04 90 41 FF` is a truncated answer followed by an ACK).
 */
function plausibleReply(frame: Buffer): boolean {
  const reply = decodeReply(frame);
  if (reply.type === 'unknown') return false;
  return reply.type !== 'answer' || !reply.data.some(isInboundHeader);
}

/** Frames arriving at a camera (the simulators' side). */
export function splitCommands(buffer: Buffer): SplitResult {
  return splitVisca(buffer, isCommandHeader);
}

// ---------------------------------------------------------------------------------------------
// Hex

/** `81 01 04 00 02 FF` style, upper case. */
export function toHex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
}

/** Parses hex bytes written with or without separators (spaces, `:`, `,`, `0x` prefixes). Throws with the offending token. */
export function parseHex(text: string): Buffer {
  const cleaned = text.trim().replace(/0x/gi, ' ').replace(/[\s,:]+/g, ' ').trim();
  if (!cleaned) throw new Error('no hex bytes given');
  // "8109 0400FF" is fine too: even-length tokens are read two digits at a time.
  const tokens = cleaned.split(' ').flatMap((t) => (t.length > 2 && t.length % 2 === 0 ? (t.match(/.{2}/g) ?? []) : [t]));
  return Buffer.from(
    tokens.map((t) => {
      if (!/^[0-9a-f]{1,2}$/i.test(t)) throw new Error(`'${t}' is not a hex byte`);
      return parseInt(t, 16);
    }),
  );
}

/**
 * Checks a raw packet a technician typed: 3–16 bytes, a controller header (0x81–0x88), 0xFF at the
 * end and nowhere else. Returns a reason, or undefined when the packet is sendable.
 */
export function checkRawPacket(bytes: Buffer): string | undefined {
  if (bytes.length < 3 || bytes.length > MAX_PACKET) return `a VISCA packet is 3–16 bytes, got ${bytes.length}`;
  if (!isCommandHeader(bytes[0]!)) return `first byte ${toHex([bytes[0]!])} is not a controller header (81–88)`;
  if (bytes[bytes.length - 1] !== TERMINATOR) return 'last byte must be FF';
  const inner = bytes.subarray(0, bytes.length - 1).indexOf(TERMINATOR);
  if (inner >= 0) return `FF at byte ${inner} ends the packet early`;
  return undefined;
}
