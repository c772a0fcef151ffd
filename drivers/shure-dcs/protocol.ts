/**
 * Shure networked-microphone command strings (MXA910/310/920/710, ANIUSB-MATRIX), pure: no I/O,
 * no timers. See drivers/shure-dcs/README.md. A frame is `< TYPE [index] PARAM [values...] >`; string values
 * are wrapped in `{}` and space-padded; the device answers every GET/SET with a REP and also sends
 * REPs unprompted (hardware mute button, web UI, other controllers).
 */

export type DcsType = 'GET' | 'SET' | 'REP' | 'SAMPLE';
const TYPES: ReadonlySet<string> = new Set(['GET', 'SET', 'REP', 'SAMPLE']);

/** One parsed frame. `index` is the channel index when the frame carries one (`< REP 3 AUDIO_MUTE ON >`). */
export interface DcsMessage {
  type: DcsType;
  index: number | null;
  /** Parameter name (`DEVICE_AUDIO_MUTE`, `ERR`); empty for SAMPLE. */
  param: string;
  /** Remaining fields; a `{...}` string is one value, trimmed of its padding. */
  values: string[];
}

/** Frames longer than this without a closing `>` are garbage. */
export const MAX_FRAME = 4096;

export interface DcsSplitResult {
  /** Frame contents without the brackets, trimmed: `REP DEVICE_AUDIO_MUTE ON`. */
  frames: string[];
  rest: string;
  /** Non-blank text thrown away between or instead of frames, for the log. */
  discarded: string[];
}

/**
 * Splits received text into frames. Text outside `< ... >` is skipped. A `<` always (re)starts a
 * frame, so a stray `<` in garbage cannot swallow the real frame after it (the cost: a channel
 * name containing `<` or `>` is not supported).
 */
export function splitDcs(text: string): DcsSplitResult {
  const frames: string[] = [];
  const discarded: string[] = [];
  const drop = (s: string) => {
    if (s.trim().length > 0) discarded.push(s);
  };
  let pos = 0;
  for (;;) {
    const start = text.indexOf('<', pos);
    if (start < 0) {
      drop(text.slice(pos));
      return { frames, rest: '', discarded };
    }
    const end = text.indexOf('>', start + 1);
    if (end < 0) {
      // Keep waiting, unless what we hold has grown past any real frame.
      const tailStart = text.lastIndexOf('<');
      drop(text.slice(pos, tailStart));
      let rest = text.slice(tailStart);
      if (rest.length > MAX_FRAME) {
        drop(rest);
        rest = '';
      }
      return { frames, rest, discarded };
    }
    const realStart = text.lastIndexOf('<', end);
    drop(text.slice(pos, realStart));
    frames.push(text.slice(realStart + 1, end).trim());
    pos = end + 1;
  }
}

/** Splits on spaces, keeping `{...}` (padded strings) as one token without braces, trimmed. */
export function tokenize(content: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < content.length) {
    if (content[i] === ' ') {
      i++;
      continue;
    }
    if (content[i] === '{') {
      const close = content.indexOf('}', i + 1);
      const end = close < 0 ? content.length : close;
      tokens.push(content.slice(i + 1, end).trim());
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < content.length && content[j] !== ' ') j++;
    tokens.push(content.slice(i, j));
    i = j;
  }
  return tokens;
}

/** Parses a frame's content; undefined when it is not a DCS message at all. */
export function parseMessage(content: string): DcsMessage | undefined {
  const tokens = tokenize(content);
  const type = tokens[0]?.toUpperCase();
  if (!type || !TYPES.has(type)) return undefined;
  if (type === 'SAMPLE') return { type, index: null, param: '', values: tokens.slice(1) };
  // Older firmware writes `x`, newer `xx`: `< REP 3 ... >` and `< REP 03 ... >` are the same channel.
  if (tokens.length >= 3 && /^\d{1,3}$/.test(tokens[1]!)) {
    return { type: type as DcsType, index: Number(tokens[1]), param: tokens[2]!.toUpperCase(), values: tokens.slice(3) };
  }
  if (tokens.length < 2) return undefined;
  return { type: type as DcsType, index: null, param: tokens[1]!.toUpperCase(), values: tokens.slice(2) };
}

/** Formats a channel index the way the model writes it (`3` or `03`). */
export function formatIndex(index: number, digits: 1 | 2): string {
  return digits === 2 ? String(index).padStart(2, '0') : String(index);
}

/** `< SET 3 AUDIO_MUTE ON >`; pass `index: null` for device-wide parameters. */
export function encodeMessage(
  type: DcsType,
  param: string,
  options: { index?: number | null; indexDigits?: 1 | 2; values?: ReadonlyArray<string | number> } = {},
): string {
  const parts: string[] = [type];
  if (options.index !== undefined && options.index !== null) parts.push(formatIndex(options.index, options.indexDigits ?? 1));
  if (param) parts.push(param);
  for (const v of options.values ?? []) parts.push(String(v));
  return `< ${parts.join(' ')} >`;
}

/** Wraps a string value the way the device does: `{name` padded to `width` `}`. */
export function padString(value: string, width: number): string {
  return `{${value.slice(0, width).padEnd(width, ' ')}}`;
}

/** What we know about each supported model. Channel maps from Shure's per-model command-strings documents. */
export interface ModelProfile {
  /** Mic channels (lobes / coverage areas / inputs) reported in `channels`. */
  channels: number;
  /** Index of the automix output, if any. */
  automix: number | null;
  /** Form of "send me everything": `< GET 0 ALL >` (index 0), `< GET ALL >` (null), `< GET 00 ALL >`. */
  getAllIndex: number | null;
  indexDigits: 1 | 2;
  /** Values in one SAMPLE frame. */
  meterCount: number;
}

export const MODELS = {
  MXA910: { channels: 8, automix: 9, getAllIndex: 0, indexDigits: 1, meterCount: 9 },
  MXA310: { channels: 4, automix: 5, getAllIndex: 0, indexDigits: 1, meterCount: 5 },
  MXA920: { channels: 8, automix: 9, getAllIndex: null, indexDigits: 2, meterCount: 9 },
  MXA710: { channels: 8, automix: 9, getAllIndex: null, indexDigits: 2, meterCount: 9 },
  ANIUSB: { channels: 10, automix: null, getAllIndex: 0, indexDigits: 2, meterCount: 10 },
} as const satisfies Record<string, ModelProfile>;
export type ModelName = keyof typeof MODELS;
export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

/** The "everything" request for a profile, and the other form to fall back to if it is refused. */
export function getAllCommands(profile: ModelProfile): [string, string] {
  const primary = encodeMessage('GET', 'ALL', { index: profile.getAllIndex, indexDigits: profile.indexDigits });
  const other = encodeMessage('GET', 'ALL', { index: profile.getAllIndex === null ? 0 : null });
  return [primary, other];
}

/** A REP/SAMPLE reduced to what a driver cares about. */
export type DcsEvent =
  | { kind: 'deviceMute'; muted: boolean }
  | { kind: 'muteLed'; on: boolean }
  | { kind: 'channelMute'; index: number; muted: boolean }
  | { kind: 'channelGain'; index: number; gain: number }
  | { kind: 'channelName'; index: number; name: string }
  | { kind: 'ledBrightness'; value: number }
  | { kind: 'meterRate'; ms: number }
  | { kind: 'info'; field: 'model' | 'serial' | 'firmware'; value: string }
  | { kind: 'levels'; levels: number[] }
  | { kind: 'error' }
  | { kind: 'other' };

function onOff(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const u = v.toUpperCase();
  return u === 'ON' ? true : u === 'OFF' ? false : undefined;
}

function int(v: string | undefined): number | undefined {
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

/** Interprets one message from the device. Malformed values come back as `other`, never throw. */
export function interpret(msg: DcsMessage): DcsEvent {
  if (msg.type === 'SAMPLE') {
    const levels = msg.values.map(int);
    return levels.every((l) => l !== undefined) && levels.length > 0 ? { kind: 'levels', levels: levels as number[] } : { kind: 'other' };
  }
  if (msg.type !== 'REP') return { kind: 'other' };
  const v = msg.values[0];
  switch (msg.param) {
    case 'ERR':
      return { kind: 'error' };
    case 'DEVICE_AUDIO_MUTE': {
      const muted = onOff(v);
      return muted === undefined ? { kind: 'other' } : { kind: 'deviceMute', muted };
    }
    case 'DEV_MUTE_STATUS_LED_STATE': {
      const on = onOff(v);
      return on === undefined ? { kind: 'other' } : { kind: 'muteLed', on };
    }
    case 'AUDIO_MUTE': {
      const muted = onOff(v);
      return muted === undefined || msg.index === null ? { kind: 'other' } : { kind: 'channelMute', index: msg.index, muted };
    }
    case 'AUDIO_GAIN_HI_RES': {
      const gain = int(v);
      return gain === undefined || msg.index === null ? { kind: 'other' } : { kind: 'channelGain', index: msg.index, gain };
    }
    case 'CHAN_NAME':
    case 'NA_CHAN_NAME':
      return v === undefined || msg.index === null ? { kind: 'other' } : { kind: 'channelName', index: msg.index, name: v };
    case 'LED_BRIGHTNESS': {
      const value = int(v);
      return value === undefined ? { kind: 'other' } : { kind: 'ledBrightness', value };
    }
    case 'METER_RATE': {
      const ms = int(v);
      return ms === undefined ? { kind: 'other' } : { kind: 'meterRate', ms };
    }
    case 'MODEL':
      return v === undefined ? { kind: 'other' } : { kind: 'info', field: 'model', value: v };
    case 'SERIAL_NUM':
      return v === undefined ? { kind: 'other' } : { kind: 'info', field: 'serial', value: v };
    case 'FW_VER':
      return v === undefined ? { kind: 'other' } : { kind: 'info', field: 'firmware', value: v };
    default:
      return { kind: 'other' };
  }
}

/**
 * Does `rep` answer a GET/SET of `param` on `index`? Matched by parameter name (never by order:
 * stray REPs are normal). Index 0 means "all channels", answered by any channel's REP.
 * `value`, when given, must match too (a mute SET ON is not answered by a button press's OFF).
 */
export function answers(rep: DcsMessage, param: string, index: number | null, value?: string): boolean {
  if (rep.type !== 'REP' || rep.param !== param) return false;
  if (index !== null && index !== 0 && rep.index !== index) return false;
  if (index === null && rep.index !== null && rep.index !== 0) return false;
  return value === undefined || rep.values[0]?.toUpperCase() === value.toUpperCase();
}
