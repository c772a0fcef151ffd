/**
 * baresip `ctrl_tcp` wire protocol, pure: netstring framing (`<len>:<payload>,`, len = payload
 * BYTES in decimal), JSON commands, and decoding of responses and events. No I/O, no timers.
 *
 *   command  → {"command":"dial","params":"sip:far@example.org","token":"r7"}
 *   response ← {"response":true,"ok":true,"data":"","token":"r7"}
 *   event    ← {"event":true,"type":"CALL_RINGING","class":"call","accountaor":"sip:room@…",
 *               "direction":"outgoing","peeruri":"sip:far@…","id":"c7bc51474a3798ca","param":"…"}
 *
 * Facts checked against baresip 1.0.0 (Debian `baresip-core`): events and responses share the one
 * stream and interleave freely (a CALL_CLOSED can arrive before the `hangup` response); commands
 * with bad JSON get no response at all; `mute` is a toggle answering "call muted"/"call un-muted";
 * the call commands (`mute`, `sndcode`, …) only exist while a call exists ("command not found").
 */

/** Netstring payloads larger than this are refused; real ctrl_tcp messages are a few KB at most. */
export const DEFAULT_MAX_PAYLOAD = 256 * 1024;
/** A netstring length has at most this many digits (baresip's own limit is 9 as well). */
const MAX_DIGITS = 9;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;

/** Result of {@link splitNetstrings}: whole payloads, unconsumed bytes, and what was thrown away. */
export interface NetstringSplit {
  /** Payloads (without the `len:` header and trailing comma), in order. */
  frames: Buffer[];
  /** Bytes of an incomplete netstring, to be prefixed to the next chunk. */
  rest: Buffer;
  /** Bytes skipped while resynchronising. */
  discarded: number;
  /** One human-readable line per resync, for the driver's log. */
  problems: string[];
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/**
 * Splits a byte stream into netstring payloads. On anything malformed (a non-digit where a length
 * should start, a missing `:` or `,`, a length over `maxPayload`, a payload that is not a JSON
 * object) it skips ONE byte and looks again, so a burst of garbage costs only its own bytes and
 * the next real `len:{…},` is found. ctrl_tcp payloads are always JSON objects, so a non-empty
 * payload must start with `{`: this keeps a garbage "9999:" from stalling the stream while waiting
 * for 9999 bytes that will never come.
 */
export function splitNetstrings(buffer: Buffer, maxPayload = DEFAULT_MAX_PAYLOAD): NetstringSplit {
  const frames: Buffer[] = [];
  const problems: string[] = [];
  let discarded = 0;
  let pos = 0;
  let skipStart = -1; // start of the current run of skipped bytes, to report it once
  const skip = (why: string): void => {
    if (skipStart < 0) {
      skipStart = pos;
      problems.push(`${why} at byte ${pos}; resynchronising`);
    }
    pos += 1;
    discarded += 1;
  };
  while (pos < buffer.length) {
    if (!isDigit(buffer[pos])) {
      skip(`expected a netstring length digit, got 0x${buffer[pos]!.toString(16).padStart(2, '0')}`);
      continue;
    }
    let end = pos;
    while (end < buffer.length && isDigit(buffer[end]) && end - pos <= MAX_DIGITS) end++;
    if (end - pos > MAX_DIGITS) {
      skip(`netstring length has more than ${MAX_DIGITS} digits`);
      continue;
    }
    if (end === buffer.length) break; // the length is still arriving
    if (buffer[end] !== COLON) {
      skip(`expected ':' after netstring length, got 0x${buffer[end]!.toString(16).padStart(2, '0')}`);
      continue;
    }
    const length = Number(buffer.toString('latin1', pos, end));
    if (length > maxPayload) {
      skip(`netstring length ${length} exceeds the ${maxPayload}-byte limit`);
      continue;
    }
    const start = end + 1;
    if (length > 0 && start < buffer.length && buffer[start] !== OPEN_BRACE) {
      skip(`netstring payload does not start with '{'`);
      continue;
    }
    if (buffer.length < start + length + 1) {
      // Garbage that ends in digits glues onto the real length ("\x05" + "79:{…}," reads as 579).
      // If a shorter tail of the digit run frames a complete JSON object, that is the real frame.
      const tail = realFrameInDigitTail(buffer, pos, end);
      if (tail >= 0) {
        skip('garbage digits before a netstring length');
        discarded += tail - pos;
        pos = tail;
        continue;
      }
      // Garbage such as "100:{" would hold back every later frame until 100 bytes arrive; if a
      // complete, valid netstring already follows, the candidate was garbage.
      const next = nextValidFrame(buffer, start);
      if (next < 0) break; // payload or comma still arriving
      skip('a netstring length that frames nothing');
      discarded += next - pos;
      pos = next;
      continue;
    }
    if (buffer[start + length] !== COMMA) {
      skip(`expected ',' after a ${length}-byte netstring payload`);
      continue;
    }
    // A stray digit before a real length ("2" + "2:{}," + …) makes a longer "frame" whose payload is
    // not JSON; a shorter tail of the digits that frames valid JSON is the real one.
    if (end - pos > 1 && !isJson(buffer, start, length)) {
      const tail = realFrameInDigitTail(buffer, pos, end);
      if (tail >= 0) {
        skip('garbage digits before a netstring length');
        discarded += tail - pos;
        pos = tail;
        continue;
      }
    }
    frames.push(Buffer.from(buffer.subarray(start, start + length)));
    pos = start + length + 1;
    skipStart = -1;
  }
  return { frames, rest: Buffer.from(buffer.subarray(pos)), discarded, problems };
}

/**
 * For digits at [from, colon) whose frame is incomplete: the start of a later digit within the run
 * whose netstring is complete, ends in `,` and holds valid JSON; -1 if none. A strict prefix of a
 * JSON object is never itself valid JSON, so a genuine frame still arriving is never cut short.
 */
function realFrameInDigitTail(buffer: Buffer, from: number, colon: number): number {
  for (let q = from + 1; q < colon; q++) {
    const length = Number(buffer.toString('latin1', q, colon));
    const start = colon + 1;
    if (buffer.length < start + length + 1 || buffer[start + length] !== COMMA) continue;
    if (isJson(buffer, start, length)) return q;
  }
  return -1;
}

/** The start of the first complete netstring after `from` whose payload is valid JSON; -1 if none. */
function nextValidFrame(buffer: Buffer, from: number): number {
  for (let colon = buffer.indexOf(COLON, from); colon >= 0; colon = buffer.indexOf(COLON, colon + 1)) {
    let digits = colon;
    while (digits > from && isDigit(buffer[digits - 1]) && colon - digits < MAX_DIGITS) digits--;
    if (digits === colon || buffer[colon + 1] !== OPEN_BRACE) continue;
    const length = Number(buffer.toString('latin1', digits, colon));
    const start = colon + 1;
    if (buffer.length >= start + length + 1 && buffer[start + length] === COMMA && isJson(buffer, start, length)) return digits;
  }
  return -1;
}

function isJson(buffer: Buffer, start: number, length: number): boolean {
  try {
    JSON.parse(buffer.toString('utf8', start, start + length));
    return true;
  } catch {
    return false;
  }
}

/** Stateful wrapper around {@link splitNetstrings} for a socket: feed chunks, get payloads. */
export class NetstringReader {
  private buffered: Buffer = Buffer.alloc(0);
  discarded = 0;

  constructor(private readonly maxPayload = DEFAULT_MAX_PAYLOAD) {}

  /** Returns the complete payloads; `onProblem` hears each resync (for logging). */
  push(chunk: Buffer, onProblem?: (problem: string) => void): Buffer[] {
    const result = splitNetstrings(this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk, this.maxPayload);
    this.buffered = result.rest;
    this.discarded += result.discarded;
    if (onProblem) for (const p of result.problems) onProblem(p);
    return result.frames;
  }

  reset(): void {
    this.buffered = Buffer.alloc(0);
  }
}

/** Wraps a payload as a netstring; the length counts UTF-8 bytes, not characters. */
export function encodeNetstring(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([Buffer.from(`${body.length}:`, 'latin1'), body, Buffer.from(',', 'latin1')]);
}

/** A ctrl_tcp command. baresip joins `command` and `params` with a space and runs it as a long command. */
export interface CtrlCommand {
  command: string;
  params?: string;
  token?: string;
}

/** Encodes a command as one netstring, keys in the order baresip's own examples use. */
export function encodeCommand(cmd: CtrlCommand): Buffer {
  const body: Record<string, string> = { command: cmd.command };
  if (cmd.params !== undefined && cmd.params !== '') body.params = cmd.params;
  if (cmd.token !== undefined) body.token = cmd.token;
  return encodeNetstring(JSON.stringify(body));
}

/** A command's reply. `data` is the command's printed output (often empty, sometimes a table). */
export interface CtrlResponse {
  kind: 'response';
  ok: boolean;
  data: string;
  token?: string;
}

/** A UA event (CALL_INCOMING, CALL_ESTABLISHED, REGISTER_OK…). Fields absent in the JSON are undefined. */
export interface CtrlEvent {
  kind: 'event';
  type: string;
  class?: string;
  accountaor?: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  /** The call id; baresip 1.0.0 leaves it out of some events (CALL_LOCAL_SDP for an outgoing call). */
  id?: string;
  param?: string;
}

/** Anything else: not JSON, not an object, neither response nor event. */
export interface CtrlInvalid {
  kind: 'invalid';
  reason: string;
}

export type CtrlMessage = CtrlResponse | CtrlEvent | CtrlInvalid;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Decodes one netstring payload. Both `true` and `"true"` mark an event (the module's doc comment
 * shows the string form, the code sends the boolean).
 */
export function decodeMessage(payload: Buffer | string): CtrlMessage {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', reason: `not JSON (${(err as Error).message}): ${text.slice(0, 80)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'invalid', reason: `not a JSON object: ${text.slice(0, 80)}` };
  }
  const o = value as Record<string, unknown>;
  if (o.response === true || o.response === 'true') {
    const token = str(o.token);
    return { kind: 'response', ok: o.ok === true || o.ok === 'true', data: str(o.data) ?? '', ...(token !== undefined ? { token } : {}) };
  }
  if (o.event === true || o.event === 'true') {
    const type = str(o.type);
    if (!type) return { kind: 'invalid', reason: `event without a type: ${text.slice(0, 80)}` };
    const direction = o.direction === 'incoming' || o.direction === 'outgoing' ? o.direction : undefined;
    const event: CtrlEvent = { kind: 'event', type };
    const fields = { class: str(o.class), accountaor: str(o.accountaor), direction, peeruri: str(o.peeruri), id: str(o.id), param: str(o.param) };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (event as unknown as Record<string, unknown>)[k] = v;
    return event;
  }
  return { kind: 'invalid', reason: `neither a response nor an event: ${text.slice(0, 80)}` };
}

/** Reads baresip's "call muted" / "call un-muted" reply to the `mute` toggle; undefined if neither. */
export function parseMuteReply(data: string): boolean | undefined {
  if (/\bun-?muted\b/i.test(data)) return false;
  if (/\bmuted\b/i.test(data)) return true;
  return undefined;
}

/** One call as `listcalls` prints it. */
export interface ListedCall {
  line: number;
  /** baresip's state name: INCOMING, OUTGOING, RINGING, EARLY, ESTABLISHED, TERMINATED… */
  state: string;
  peer: string;
}

/**
 * Parses the `listcalls` table ("--- Active calls (1) ---" then "> [line 1]  0:00:01  ESTABLISHED
 * sip:far@…"). Returns undefined when the header is missing: the format is a human table that
 * other versions may change, so callers must not conclude "no calls" from text they do not know.
 */
export function parseListCalls(data: string): ListedCall[] | undefined {
  const header = /Active calls \((\d+)\)/.exec(data);
  if (!header) return undefined;
  const calls: ListedCall[] = [];
  for (const m of data.matchAll(/\[line (\d+)\]\s+\d+:\d\d:\d\d\s+([A-Z_]+)\s+(\S+)/g)) {
    calls.push({ line: Number(m[1]), state: m[2]!, peer: m[3]! });
  }
  if (calls.length !== Number(header[1])) return undefined;
  return calls;
}

/** Keys a directory or panel number into a dial target: `name@host` gains `sip:`, a bare user part gains `@domain`. */
export function normaliseNumber(number: string, domain?: string): string {
  const n = number.trim();
  if (/^sips?:/i.test(n) || /^tel:/i.test(n)) return n;
  if (n.includes('@')) return `sip:${n}`;
  return domain ? `sip:${n}@${domain}` : n;
}

/**
 * Why a dial target cannot go to ctrl_tcp, or undefined when it can. baresip builds the command
 * line in a 256-byte buffer, and whitespace or control characters would split or corrupt it.
 */
export function dialTargetProblem(target: string): string | undefined {
  if (target.length === 0) return 'number is empty';
  if (Buffer.byteLength(target) > 240) return 'number is longer than the 240 bytes baresip accepts';
  if (/[\s\u0000-\u001f\u007f"<>]/.test(target)) return 'number contains whitespace, quotes, angle brackets or control characters';
  return undefined;
}
