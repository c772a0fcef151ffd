import type { CallDirection, CallOutcome, PowerState } from '../../src/sdk/index.ts';
import { splitLines, withPromptTail, type SplitFn } from '../../src/transports/framers.ts';

/**
 * Cisco RoomOS / CE / TC xAPI in terminal output mode (see drivers/cisco-xapi/README.md): pure framing, line
 * parsing, block assembly and command encoding. No I/O and no timers; see driver.ts for the glue.
 */

// ---------------------------------------------------------------------------------------------
// Framing

const PROMPT = /(?:^|\n)\s*(login|password):\s*$/i;

/**
 * Splits codec output into lines (CR/LF stripped). A trailing `login:` / `Password:` prompt has no
 * line end, so it is returned as a frame of its own once it is all that is buffered.
 */
export function splitXapi(maxLength = 64 * 1024): SplitFn {
  return withPromptTail(splitLines(maxLength), (text) => PROMPT.test(text));
}

// ---------------------------------------------------------------------------------------------
// Lines

/** One classified output line. */
export type XapiLine =
  | { kind: 'status'; path: string[]; value: string; ghost: boolean }
  | { kind: 'result-head'; name: string; status?: string; fields: Record<string, string> }
  | { kind: 'event'; name: string; fields: Record<string, string> }
  | { kind: 'field'; key: string; value: string }
  | { kind: 'result-id'; id: string }
  | { kind: 'end' }
  | { kind: 'ok' }
  | { kind: 'error' }
  | { kind: 'login-ok' }
  | { kind: 'login-failed' }
  | { kind: 'prompt'; prompt: 'login' | 'password' }
  | { kind: 'not-recognized' }
  | { kind: 'other'; prefix: string; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'blank' }
  | { kind: 'malformed'; text: string; reason: string };

/** Removes surrounding double quotes and the codec's backslash escapes. */
export function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

const PAIR = /([A-Za-z][\w.]*): ("(?:[^"\\]|\\.)*"|\S*)/g;

/** `Key: value Key2: "quoted value"` → record (values unquoted). */
export function parsePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(PAIR)) out[m[1]] = unquote(m[2]);
  return out;
}

/** Printable ASCII or UTF-8 text; anything else at the start of a line is line noise. */
const NOISE = /^[^\x20-\x7e]+/;
const MARKER = /(\*[srecth] |\*\* )/;

/** Classifies one line of codec output. Never throws; odd lines come back as `malformed`. */
export function parseLine(raw: string): XapiLine {
  let line = raw.replace(NOISE, '');
  if (line.trim() === '') return raw.length === 0 || raw.trim() === '' ? { kind: 'blank' } : { kind: 'malformed', text: raw, reason: 'non-printable bytes' };
  // Line noise in front of a real line: resynchronise on the first marker.
  const marker = MARKER.exec(line);
  if (marker && marker.index > 0 && !line.startsWith(' ')) line = line.slice(marker.index);
  const trimmed = line.trim();
  if (trimmed === 'OK') return { kind: 'ok' };
  if (trimmed === 'ERROR') return { kind: 'error' };
  if (trimmed === '** end') return { kind: 'end' };
  if (/^command not recognized\.?$/i.test(trimmed)) return { kind: 'not-recognized' };
  if (/^login incorrect/i.test(trimmed)) return { kind: 'login-failed' };
  const prompt = /^(login|password):$/i.exec(trimmed);
  if (prompt) return { kind: 'prompt', prompt: prompt[1].toLowerCase() as 'login' | 'password' };

  if (line.startsWith('*s ')) {
    const body = line.slice(3);
    const colon = body.indexOf(':');
    if (colon < 0) return { kind: 'malformed', text: raw, reason: 'status line without ":"' };
    let pathText = body.slice(0, colon).trim();
    const ghost = /\(ghost=true\)/i.test(pathText);
    pathText = pathText.replace(/\s*\([^)]*\)\s*$/, '');
    const path = pathText.split(/\s+/).filter(Boolean);
    if (path.length === 0) return { kind: 'malformed', text: raw, reason: 'status line without a path' };
    return { kind: 'status', path, value: unquote(body.slice(colon + 1)), ghost };
  }
  if (line.startsWith('*r ')) {
    const body = line.slice(3).trim();
    if (/^login successful/i.test(body)) return { kind: 'login-ok' };
    const m = /^(\w+)(?:\s*\(([^)]*)\))?:?\s*(.*)$/.exec(body);
    if (!m) return { kind: 'malformed', text: raw, reason: 'result line without a name' };
    const attrs = parsePairs((m[2] ?? '').replace(/=/g, ': '));
    return { kind: 'result-head', name: m[1], ...(attrs.status ? { status: attrs.status } : {}), fields: parsePairs(m[3]) };
  }
  if (line.startsWith('*e ')) {
    const m = /^(\w+)\s*(.*)$/.exec(line.slice(3).trim());
    if (!m) return { kind: 'malformed', text: raw, reason: 'event line without a name' };
    return { kind: 'event', name: m[1], fields: parsePairs(m[2]) };
  }
  const resultId = /^\*\* resultId:\s*(.+)$/i.exec(trimmed);
  if (resultId) return { kind: 'result-id', id: unquote(resultId[1]) };
  if (/^\*[chtr] /.test(line) || line.startsWith('** ')) return { kind: 'other', prefix: line.slice(0, 2), text: line.slice(3) };
  if (line.startsWith('*')) return { kind: 'malformed', text: raw, reason: 'unknown "*" line' };
  // Indented `Key: value` lines belong to the result block above them.
  const field = /^\s+([A-Za-z][\w.]*):\s?(.*)$/.exec(line);
  if (field) return { kind: 'field', key: field[1], value: unquote(field[2]) };
  return { kind: 'text', text: trimmed };
}

// ---------------------------------------------------------------------------------------------
// Blocks

/** A command result block (`*r <Name>Result (status=...)` … `** end`). */
export interface XapiResult {
  name: string;
  ok: boolean;
  status: string;
  fields: Record<string, string>;
  resultId?: string;
}

/** What the reader hands the driver, in wire order. */
export type XapiMessage =
  | { type: 'status'; path: string[]; value: string; ghost: boolean }
  | { type: 'event'; name: string; fields: Record<string, string> }
  | { type: 'result'; result: XapiResult }
  | { type: 'done'; ok: boolean }
  | { type: 'login'; outcome: 'ok' | 'failed' | 'login-prompt' | 'password-prompt' }
  | { type: 'not-recognized' }
  | { type: 'ignored'; text: string }
  | { type: 'malformed'; text: string; reason: string };

/**
 * Assembles lines into messages: `*s` lines pass straight through (feedback and `xStatus` share
 * the format), `*e` and `*r` lines are gathered until `** end` (an event may print one field per
 * line), a stray line closes an open block rather than being lost.
 */
export class XapiReader {
  private result: XapiResult | undefined;
  private event: { name: string; fields: Record<string, string> } | undefined;

  /** Feeds one line; returns the messages it completes. */
  push(raw: string): XapiMessage[] {
    const line = parseLine(raw);
    const out: XapiMessage[] = [];
    switch (line.kind) {
      case 'status':
        this.flush(out);
        out.push({ type: 'status', path: line.path, value: line.value, ghost: line.ghost });
        break;
      case 'result-head':
        if (this.result && this.result.name === line.name && !line.status) {
          Object.assign(this.result.fields, line.fields); // one field per `*r Name Key: v` line
          break;
        }
        this.flush(out);
        this.result = {
          name: line.name,
          status: line.status ?? 'OK',
          ok: (line.status ?? 'OK').toLowerCase() === 'ok',
          fields: { ...line.fields },
        };
        break;
      case 'event':
        if (this.event && this.event.name !== line.name) this.flush(out);
        if (this.result) this.flush(out);
        this.event ??= { name: line.name, fields: {} };
        Object.assign(this.event.fields, line.fields);
        break;
      case 'field':
        if (this.result) this.result.fields[line.key] = line.value;
        else if (this.event) this.event.fields[line.key] = line.value;
        else out.push({ type: 'malformed', text: raw, reason: 'field line outside a block' });
        break;
      case 'result-id':
        if (this.result) this.result.resultId = line.id;
        break;
      case 'end':
        this.flush(out);
        break;
      case 'ok':
      case 'error':
        this.flush(out);
        out.push({ type: 'done', ok: line.kind === 'ok' });
        break;
      case 'login-ok':
        out.push({ type: 'login', outcome: 'ok' });
        break;
      case 'login-failed':
        out.push({ type: 'login', outcome: 'failed' });
        break;
      case 'prompt':
        out.push({ type: 'login', outcome: line.prompt === 'login' ? 'login-prompt' : 'password-prompt' });
        break;
      case 'not-recognized':
        this.flush(out);
        out.push({ type: 'not-recognized' });
        break;
      case 'other':
      case 'text':
        out.push({ type: 'ignored', text: line.text });
        break;
      case 'blank':
        break;
      case 'malformed':
        out.push({ type: 'malformed', text: line.text, reason: line.reason });
        break;
    }
    return out;
  }

  /** Drops a half-read block (after a reconnect). */
  reset(): void {
    this.result = undefined;
    this.event = undefined;
  }

  private flush(out: XapiMessage[]): void {
    if (this.result) {
      const result = this.result;
      if (result.resultId === undefined && result.fields.ResultId !== undefined) result.resultId = result.fields.ResultId;
      out.push({ type: 'result', result });
    }
    if (this.event) out.push({ type: 'event', name: this.event.name, fields: this.event.fields });
    this.result = undefined;
    this.event = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Meaning of status and events

/** A status line, interpreted. */
export type StatusFact =
  | { kind: 'call'; id: string; field: 'status'; value: string }
  | { kind: 'call'; id: string; field: 'direction'; value: CallDirection }
  | { kind: 'call'; id: string; field: 'remote'; value: string }
  | { kind: 'call-gone'; id: string }
  | { kind: 'power'; power: PowerState }
  | { kind: 'mic-mute'; muted: boolean };

/** Interprets a status line; `undefined` for paths the driver does not follow. */
export function interpretStatus(path: string[], value: string, ghost = false): StatusFact | undefined {
  const p = path.map((s) => s.toLowerCase());
  if (p[0] === 'call' && p[1] !== undefined && /^\d+$/.test(p[1])) {
    const id = p[1];
    if (ghost) return { kind: 'call-gone', id };
    switch (p[2]) {
      case 'status':
        return { kind: 'call', id, field: 'status', value };
      case 'direction':
        return { kind: 'call', id, field: 'direction', value: value.toLowerCase() === 'incoming' ? 'incoming' : 'outgoing' };
      case 'remotenumber':
      case 'callbacknumber':
        return value ? { kind: 'call', id, field: 'remote', value: value.replace(/^(sip|h323|spark):/i, '') } : undefined;
      default:
        return undefined;
    }
  }
  if (p[0] === 'standby' && p[1] === 'state') {
    const v = value.toLowerCase();
    return { kind: 'power', power: v === 'standby' ? 'off' : v === 'enteringstandby' ? 'cooling' : v === 'off' || v === 'halfwake' ? 'on' : 'unknown' };
  }
  if (p[0] === 'standby' && p[1] === 'active') return { kind: 'power', power: /^on$/i.test(value) ? 'off' : 'on' };
  if (p[0] === 'audio' && p[1] === 'microphones' && p[2] === 'mute') return { kind: 'mic-mute', muted: /^on$/i.test(value) };
  return undefined;
}

/** `*e CallDisconnect CauseType` → a history outcome, when it says more than "ended". */
export function outcomeFromCause(causeType: string): CallOutcome | undefined {
  switch (causeType.toLowerCase()) {
    case 'remotebusy':
    case 'localbusy':
      return 'busy';
    case 'remoterejected':
    case 'localreject':
    case 'networkrejected':
      return 'rejected';
    case 'remotenoanswer':
      return 'no-answer';
    case 'localdisconnect':
      return 'cancelled';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Feedback paths the driver registers on every connection (registrations die with the session). */
export const FEEDBACK_PATHS = ['/Status/Call', '/Status/Standby', '/Status/Audio/Microphones/Mute', '/Event/CallDisconnect'] as const;

/** Status read at connect, since feedback only reports changes. */
export const STATUS_READS = ['xStatus Call', 'xStatus Standby', 'xStatus Audio Microphones Mute'] as const;

/**
 * Quotes a value for an xAPI command line. The codec has no escape for `"` or line breaks inside a
 * value, so those are refused rather than sent mangled.
 */
export function quoteValue(value: string, field: string): string {
  const bad = /["\r\n\x00-\x1f]/.exec(value);
  if (bad) throw new Error(`${field} contains ${bad[0] === '"' ? 'a double quote' : `control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')}`}, which the xAPI cannot carry`);
  return `"${value}"`;
}

/** Options that shape the Dial command. */
export interface DialOptions {
  protocol?: string;
  callRate?: number;
  callType?: string;
}

export function dialCommand(number: string, opts: DialOptions = {}): string {
  let cmd = `xCommand Dial Number: ${quoteValue(number, 'number')}`;
  if (opts.protocol) cmd += ` Protocol: ${opts.protocol}`;
  if (opts.callRate) cmd += ` CallRate: ${opts.callRate}`;
  if (opts.callType) cmd += ` CallType: ${opts.callType}`;
  return cmd;
}

/** Appends the correlation tag, as jsxapi and the PlaceOS driver do, and the line end. */
export function encodeLine(command: string, resultId?: string): string {
  return resultId ? `${command} | resultId="${resultId}"\n` : `${command}\n`;
}

/** Splits a received command line into the command and its `| resultId="..."` tag (simulator side). */
export function splitResultId(line: string): { command: string; resultId?: string } {
  const m = /^(.*?)\s*\|\s*resultId=("(?:[^"\\]|\\.)*"|\S+)\s*$/i.exec(line);
  if (!m) return { command: line.trim() };
  return { command: m[1].trim(), resultId: unquote(m[2]) };
}

/** `xCommand Dial Number: "x" Protocol: Sip` → `{ Number: 'x', Protocol: 'Sip' }` (simulator side). */
export function commandArgs(command: string): Record<string, string> {
  return parsePairs(command);
}
