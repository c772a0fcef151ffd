import type { SplitFn } from '../../src/sdk/index.ts';

/**
 * The Pulse-Eight USB-CEC adapter's serial protocol, as libCEC speaks it
 * (src/libcec/adapter/Pulse-Eight/USBCECAdapterMessage.h, include/cectypes.h). PURE: framing,
 * escaping and message codes only; the emulator (adapter-emulator.ts) does the I/O.
 *
 * A message is `FF <code> <payload...> FE`. Inside a message every byte >= 0xFD is sent as
 * `FD, byte - 3`. An `FF` always starts a new message (a half-read one is thrown away).
 */

export const MSGSTART = 0xff;
export const MSGEND = 0xfe;
export const MSGESC = 0xfd;
export const ESCOFFSET = 3;

/** Flags OR-ed into the code byte of received-frame messages; libCEC masks both off before reading the code. */
export const MSGCODE_FRAME_EOM = 0x80;
export const MSGCODE_FRAME_ACK = 0x40;
const CODE_MASK = 0x3f;

/** Message codes (cectypes.h `cec_adapter_messagecode`). */
export const MsgCode = {
  NOTHING: 0x00,
  PING: 0x01,
  TIMEOUT_ERROR: 0x02,
  HIGH_ERROR: 0x03,
  LOW_ERROR: 0x04,
  FRAME_START: 0x05,
  FRAME_DATA: 0x06,
  RECEIVE_FAILED: 0x07,
  COMMAND_ACCEPTED: 0x08,
  COMMAND_REJECTED: 0x09,
  SET_ACK_MASK: 0x0a,
  TRANSMIT: 0x0b,
  TRANSMIT_EOM: 0x0c,
  TRANSMIT_IDLETIME: 0x0d,
  TRANSMIT_ACK_POLARITY: 0x0e,
  TRANSMIT_LINE_TIMEOUT: 0x0f,
  TRANSMIT_SUCCEEDED: 0x10,
  TRANSMIT_FAILED_LINE: 0x11,
  TRANSMIT_FAILED_ACK: 0x12,
  TRANSMIT_FAILED_TIMEOUT_DATA: 0x13,
  TRANSMIT_FAILED_TIMEOUT_LINE: 0x14,
  FIRMWARE_VERSION: 0x15,
  START_BOOTLOADER: 0x16,
  GET_BUILDDATE: 0x17,
  SET_CONTROLLED: 0x18,
  GET_AUTO_ENABLED: 0x19,
  SET_AUTO_ENABLED: 0x1a,
  GET_DEFAULT_LOGICAL_ADDRESS: 0x1b,
  SET_DEFAULT_LOGICAL_ADDRESS: 0x1c,
  GET_LOGICAL_ADDRESS_MASK: 0x1d,
  SET_LOGICAL_ADDRESS_MASK: 0x1e,
  GET_PHYSICAL_ADDRESS: 0x1f,
  SET_PHYSICAL_ADDRESS: 0x20,
  GET_DEVICE_TYPE: 0x21,
  SET_DEVICE_TYPE: 0x22,
  GET_HDMI_VERSION: 0x23,
  SET_HDMI_VERSION: 0x24,
  GET_OSD_NAME: 0x25,
  SET_OSD_NAME: 0x26,
  WRITE_EEPROM: 0x27,
  GET_ADAPTER_TYPE: 0x28,
  SET_ACTIVE_SOURCE: 0x29,
  GET_AUTO_POWER_ON: 0x2a,
  SET_AUTO_POWER_ON: 0x2b,
} as const;

const CODE_NAMES = new Map<number, string>(Object.entries(MsgCode).map(([k, v]) => [v, k]));

/** Human name of a message code (flags ignored), for logs: `TRANSMIT_EOM`, `0x3c`. */
export function msgCodeName(code: number): string {
  return CODE_NAMES.get(code & CODE_MASK) ?? `0x${(code & CODE_MASK).toString(16).padStart(2, '0')}`;
}

/** One decoded adapter message. */
export interface AdapterMessage {
  /** The code with the EOM/ACK flags removed. */
  code: number;
  /** FRAME_EOM (0x80) was set: this is the last byte of a CEC frame. */
  eom: boolean;
  /** FRAME_ACK (0x40) was set. */
  ack: boolean;
  payload: Buffer;
}

/** Escapes bytes >= 0xFD as `FD, byte - 3`. */
export function escapeBytes(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of bytes) {
    if (b >= MSGESC) out.push(MSGESC, b - ESCOFFSET);
    else out.push(b);
  }
  return Buffer.from(out);
}

/** Reverses {@link escapeBytes}; a trailing lone `FD` is dropped. */
export function unescapeBytes(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === MSGESC) {
      if (i + 1 < bytes.length) out.push((bytes[i + 1] + ESCOFFSET) & 0xff);
      i++;
    } else out.push(bytes[i]);
  }
  return Buffer.from(out);
}

/** Encodes `FF <code|flags> <escaped payload> FE`. */
export function encodeAdapterMessage(code: number, payload: Uint8Array = Buffer.alloc(0), flags = 0): Buffer {
  return Buffer.concat([Buffer.from([MSGSTART]), escapeBytes(Buffer.from([(code | flags) & 0xff])), escapeBytes(payload), Buffer.from([MSGEND])]);
}

/**
 * Stream splitter for adapter messages. Each frame returned is the UNESCAPED content between `FF`
 * and `FE` (code byte first). Bytes outside a message and a message cut short by a new `FF` count as
 * discarded, so line noise is survived and reported rather than thrown.
 */
export function splitAdapterMessages(maxLength = 64): SplitFn {
  return (buffer) => {
    const frames: Buffer[] = [];
    let discarded = 0;
    let start = -1; // index of the FF that opened the current message
    let consumed = 0; // everything before this index is done with
    for (let i = 0; i < buffer.length; i++) {
      const b = buffer[i];
      if (b === MSGSTART) {
        discarded += i - consumed; // noise, or a message that never ended
        start = i;
        consumed = i;
      } else if (b === MSGEND && start >= 0) {
        const body = unescapeBytes(buffer.subarray(start + 1, i));
        if (body.length > 0 && body.length <= maxLength) frames.push(body);
        else discarded += i + 1 - start;
        start = -1;
        consumed = i + 1;
      } else if (start < 0) {
        // noise outside a message: skip it right away
        discarded++;
        consumed = i + 1;
      } else if (i - start > maxLength * 2) {
        discarded += i + 1 - start;
        start = -1;
        consumed = i + 1;
      }
    }
    return { frames, rest: Buffer.from(buffer.subarray(consumed)), discarded };
  };
}

/** Decodes one unescaped frame from {@link splitAdapterMessages}. */
export function decodeAdapterMessage(frame: Uint8Array): AdapterMessage {
  const raw = frame[0] ?? 0;
  return {
    code: raw & CODE_MASK,
    eom: (raw & MSGCODE_FRAME_EOM) !== 0,
    ack: (raw & MSGCODE_FRAME_ACK) !== 0,
    payload: Buffer.from(frame.subarray(1)),
  };
}

/**
 * The adapter messages that carry one CEC frame received from the bus: FRAME_START with the header,
 * FRAME_DATA per data byte, EOM on the last one (a header-only frame is FRAME_START|EOM).
 */
export function encodeReceivedFrame(frame: Uint8Array, ack = false): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < frame.length; i++) {
    const flags = (i === frame.length - 1 ? MSGCODE_FRAME_EOM : 0) | (ack ? MSGCODE_FRAME_ACK : 0);
    parts.push(encodeAdapterMessage(i === 0 ? MsgCode.FRAME_START : MsgCode.FRAME_DATA, Buffer.from([frame[i]]), flags));
  }
  return Buffer.concat(parts);
}

/** COMMAND_ACCEPTED naming the code it accepts (a bare accept is ignored by libCEC for recent build dates). */
export function encodeAccepted(code: number): Buffer {
  return encodeAdapterMessage(MsgCode.COMMAND_ACCEPTED, Buffer.from([code]));
}

/**
 * Collects the sub-messages of one outgoing CEC frame (TRANSMIT_ACK_POLARITY, TRANSMIT..., TRANSMIT_EOM)
 * as libCEC sends them. PURE state machine: feed messages, get the frame bytes when EOM arrives.
 */
export class TransmitAssembler {
  private bytes: number[] = [];
  /** From TRANSMIT_ACK_POLARITY: 1 for broadcast frames. */
  ackPolarity = 0;

  /** Returns the complete frame when `msg` was its TRANSMIT_EOM, else undefined. */
  push(msg: AdapterMessage): Buffer | undefined {
    switch (msg.code) {
      case MsgCode.TRANSMIT_ACK_POLARITY:
        this.bytes = [];
        this.ackPolarity = msg.payload[0] ?? 0;
        return undefined;
      case MsgCode.TRANSMIT:
        this.bytes.push(...msg.payload);
        return undefined;
      case MsgCode.TRANSMIT_EOM: {
        this.bytes.push(...msg.payload);
        const frame = Buffer.from(this.bytes);
        this.bytes = [];
        return frame;
      }
      default:
        return undefined;
    }
  }
}
