/**
 * Sony "VISCA over IP" message framing (drivers/visca-ip/README.md, "Sony framing"): an 8-byte big-endian header
 * (payload type, payload length, sequence number) before a VISCA packet or a control payload.
 * Pure: no I/O.
 */
import { toHex } from '../visca/protocol.ts';

/** The camera's UDP port for Sony VISCA over IP. */
export const SONY_VISCA_PORT = 52381;
export const HEADER_LENGTH = 8;
export const MAX_SEQ = 0xffffffff;

/** Payload types (bytes 0–1). */
export const PayloadType = {
  command: 0x0100,
  inquiry: 0x0110,
  reply: 0x0111,
  deviceSetting: 0x0120,
  control: 0x0200,
  controlReply: 0x0201,
} as const;

/** One message: payload type, sequence number and payload (a VISCA packet or a control payload). */
export interface IpMessage {
  type: number;
  seq: number;
  payload: Buffer;
}

/** Builds a datagram. The length field is the payload's length (1–16). */
export function encodeIpMessage(type: number, seq: number, payload: Uint8Array | readonly number[]): Buffer {
  if (payload.length < 1 || payload.length > 16) throw new RangeError(`VISCA-over-IP payload of ${payload.length} bytes (1–16 allowed)`);
  const out = Buffer.alloc(HEADER_LENGTH + payload.length);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(payload.length, 2);
  out.writeUInt32BE(seq >>> 0, 4);
  Buffer.from(payload as Uint8Array).copy(out, HEADER_LENGTH);
  return out;
}

/** Parses a datagram; a short one, or one whose length field disagrees with its size, is an error. */
export function decodeIpMessage(datagram: Uint8Array): IpMessage | { error: string } {
  const d = Buffer.from(datagram);
  if (d.length < HEADER_LENGTH + 1) return { error: `datagram of ${d.length} bytes is shorter than a header and payload (${toHex(d)})` };
  const length = d.readUInt16BE(2);
  if (length !== d.length - HEADER_LENGTH) {
    return { error: `length field says ${length} but ${d.length - HEADER_LENGTH} payload bytes came (${toHex(d)})` };
  }
  return { type: d.readUInt16BE(0), seq: d.readUInt32BE(4), payload: d.subarray(HEADER_LENGTH) };
}

/** RESET (type 0200, payload 01): the seq field is ignored; we send 0 as Companion's Sony module does. */
export function encodeReset(): Buffer {
  return encodeIpMessage(PayloadType.control, 0, [0x01]);
}

/** What a control message means. Sony lists ERROR 0Fyy among control payloads; accept it on 0200 and 0201. */
export type ControlKind = 'reset' | 'resetAck' | 'sequenceError' | 'messageError' | 'unknown';

export function controlKind(message: IpMessage): ControlKind {
  const p = message.payload;
  if (p.length === 1 && p[0] === 0x01) return message.type === PayloadType.control ? 'reset' : 'resetAck';
  if (p.length === 2 && p[0] === 0x0f && p[1] === 0x01) return 'sequenceError';
  if (p.length === 2 && p[0] === 0x0f && p[1] === 0x02) return 'messageError';
  return 'unknown';
}

export function isControl(type: number): boolean {
  return type === PayloadType.control || type === PayloadType.controlReply;
}

/** The next sequence number; wraps to 0 after the maximum. */
export function nextSeq(seq: number): number {
  return seq >= MAX_SEQ ? 0 : seq + 1;
}
