import type { CallDirection } from '../../src/sdk/index.ts';
import { withPromptTail, type SplitFn, type SplitResult } from '../../src/transports/framers.ts';

/**
 * Poly/Polycom Group Series and HDX API on Telnet port 24 (see drivers/poly-group/README.md): Telnet option
 * filtering, line framing, line classification, call-state mapping and command encoding. Pure:
 * no I/O, no timers.
 */

// ---------------------------------------------------------------------------------------------
// Telnet

export const IAC = 0xff;
const SE = 0xf0;
const SB = 0xfa;
const WILL = 0xfb;
const WONT = 0xfc;
const DO = 0xfd;
const DONT = 0xfe;
const OPT_ECHO = 0x01;
const OPT_SGA = 0x03;
/** A subnegotiation longer than this is line noise, not Telnet: give the bytes back as data. */
const MAX_SB = 64;

/** Result of filtering Telnet commands out of received bytes. */
export interface TelnetResult {
  /** Application bytes (IAC IAC unescaped to one 0xFF). */
  data: Buffer;
  /** Bytes to send back: our answers to the peer's option offers. */
  reply: Buffer;
  /** An incomplete command at the end, to prepend to the next chunk. */
  rest: Buffer;
  /** Option negotiations seen, for logging: e.g. `WILL 1`. */
  negotiations: string[];
}

/**
 * Strips Telnet commands. We accept the server echoing and suppressing go-ahead (what every
 * Telnet server offers) and refuse everything else, so the peer never waits on us.
 */
export function filterTelnet(input: Buffer): TelnetResult {
  const data: number[] = [];
  const reply: number[] = [];
  const negotiations: string[] = [];
  let i = 0;
  while (i < input.length) {
    const b = input[i];
    if (b !== IAC) {
      data.push(b);
      i++;
      continue;
    }
    if (i + 1 >= input.length) break; // lone IAC at the end: wait for more
    const cmd = input[i + 1];
    if (cmd === IAC) {
      data.push(IAC);
      i += 2;
    } else if (cmd === WILL || cmd === WONT || cmd === DO || cmd === DONT) {
      if (i + 2 >= input.length) break;
      const opt = input[i + 2];
      negotiations.push(`${({ [WILL]: 'WILL', [WONT]: 'WONT', [DO]: 'DO', [DONT]: 'DONT' } as Record<number, string>)[cmd]} ${opt}`);
      if (cmd === WILL) reply.push(IAC, opt === OPT_ECHO || opt === OPT_SGA ? DO : DONT, opt);
      else if (cmd === DO) reply.push(IAC, WONT, opt);
      // WONT/DONT need no answer; answering them invites negotiation loops.
      i += 3;
    } else if (cmd === SB) {
      const end = findSubnegotiationEnd(input, i + 2);
      if (end === -1) {
        if (input.length - i > MAX_SB) {
          data.push(b); // not Telnet after all
          i++;
          continue;
        }
        break;
      }
      i = end;
    } else {
      i += 2; // NOP, GA, AYT...: nothing to do
    }
  }
  return { data: Buffer.from(data), reply: Buffer.from(reply), rest: Buffer.from(input.subarray(i)), negotiations };
}

function findSubnegotiationEnd(input: Buffer, from: number): number {
  for (let j = from; j + 1 < input.length && j - from <= MAX_SB; j++) if (input[j] === IAC && input[j + 1] === SE) return j + 2;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Framing

const PROMPT_ONLY = /^(\s*->\s*)+$/;

/**
 * Splits on CR or LF (responses end CR LF, the HDX echo LF CR: either way each line comes out
 * once and empty lines are dropped). A trailing `Password:` or `-> ` prompt has no line end and is
 * returned as a frame of its own.
 */
export function splitPolyLines(maxLength = 8192): SplitFn {
  return withPromptTail(
    (buffer) => splitOnLineEnds(buffer, maxLength),
    (text) => /password:\s*$/i.test(text) || PROMPT_ONLY.test(text),
  );
}

function splitOnLineEnds(buffer: Buffer, maxLength: number): SplitResult {
  const frames: Buffer[] = [];
  let start = 0;
  let discarded = 0;
  for (let i = 0; i < buffer.length; i++) {
    if (buffer[i] !== 0x0a && buffer[i] !== 0x0d) continue;
    if (i > start) {
      if (i - start > maxLength) discarded += i - start;
      else frames.push(Buffer.from(buffer.subarray(start, i)));
    }
    start = i + 1;
  }
  let rest = Buffer.from(buffer.subarray(start));
  if (rest.length > maxLength) {
    discarded += rest.length;
    rest = Buffer.alloc(0);
  }
  return { frames, rest, discarded };
}

// ---------------------------------------------------------------------------------------------
// Lines

/** One classified line from the codec. */
export type PolyLine =
  | { kind: 'prompt' }
  | { kind: 'password-prompt' }
  | { kind: 'registered'; topic: string }
  | { kind: 'cs'; id: string; state?: string; dialstr?: string; speed?: number; inactive: boolean }
  | { kind: 'active'; id: string; speed?: number }
  | { kind: 'cleared'; id: string }
  | { kind: 'ended'; id: string }
  | { kind: 'dialstr'; dialstr: string }
  | { kind: 'callstatus'; direction: CallDirection; id: string; name: string; address: string; status: string; speed?: number; type?: string }
  | { kind: 'mute'; muted: boolean; far: boolean }
  | { kind: 'dialing'; mode: string }
  | { kind: 'hanging-up'; what: string }
  | { kind: 'no-call' }
  | { kind: 'power'; asleep: boolean }
  | { kind: 'incoming-ring' }
  | { kind: 'error'; text: string }
  | { kind: 'info'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'malformed'; text: string; reason: string };

const CALL_ID = /call\[(\d+)\]/i;

/** Classifies one line (prompt prefixes removed). Never throws. */
export function parsePolyLine(raw: string): PolyLine {
  const line = raw.replace(/^(\s*->\s?)+/, '').trim();
  if (line === '' || PROMPT_ONLY.test(raw)) return { kind: 'prompt' };
  if (/[^\x20-\x7e\t]/.test(line)) return { kind: 'malformed', text: raw, reason: 'non-printable bytes' };
  if (/^password:$/i.test(line)) return { kind: 'password-prompt' };

  const registered = /^(\w+) registered$/i.exec(line) ?? /^registered for (\w+) notifications?$/i.exec(line);
  if (registered) return { kind: 'registered', topic: registered[1].toLowerCase() };
  // `notify <topic>` answers `notify <topic> success`; a repeat answers "already active" (Group
  // Series and HDX 3.x with `info: `, older HDX without it). All of them mean registered.
  const success = /^notify (\w+) success$/i.exec(line);
  if (success) return { kind: 'registered', topic: success[1].toLowerCase() };
  const already = /^(?:info:\s*)?event\/notification already active:\s*(\w+)/i.exec(line);
  if (already) return { kind: 'registered', topic: already[1].toLowerCase() };

  if (/^cs:/i.test(line)) {
    const id = CALL_ID.exec(line)?.[1];
    if (!id) return { kind: 'malformed', text: raw, reason: 'cs: line without call[n]' };
    const state = /state\[([^\]]*)\]/i.exec(line)?.[1];
    const dialstr = /dialstr\[([^\]]*)\]/i.exec(line)?.[1];
    const speed = /speed\s*\[(\d+)\]/i.exec(line)?.[1];
    const inactive = /\binactive\b/i.test(line);
    if (!state && !inactive) return { kind: 'malformed', text: raw, reason: 'cs: line without state[...]' };
    return { kind: 'cs', id, ...(state ? { state } : {}), ...(dialstr ? { dialstr } : {}), ...(speed ? { speed: Number(speed) } : {}), inactive };
  }
  for (const kind of ['active', 'cleared', 'ended'] as const) {
    if (line.toLowerCase().startsWith(`${kind}:`)) {
      const id = CALL_ID.exec(line)?.[1];
      if (!id) return { kind: 'malformed', text: raw, reason: `${kind}: line without call[n]` };
      if (kind === 'active') {
        const speed = /speed\s*\[(\d+)\]/i.exec(line)?.[1];
        return { kind, id, ...(speed ? { speed: Number(speed) } : {}) };
      }
      return { kind, id };
    }
  }
  const dialstr = /^dialstr\[([^\]]*)\]/i.exec(line);
  if (dialstr) return { kind: 'dialstr', dialstr: dialstr[1] };

  if (/^notification:callstatus:/i.test(line)) {
    // notification:callstatus:<dir>:<id>:<name>:<address>:<status>:<speed>:<?>:<type>
    const f = line.split(':');
    if (f.length < 7 || !/^\d+$/.test(f[3])) return { kind: 'malformed', text: raw, reason: 'short callstatus notification' };
    return {
      kind: 'callstatus',
      direction: f[2].toLowerCase() === 'incoming' ? 'incoming' : 'outgoing',
      id: f[3],
      name: f[4],
      address: f[5],
      status: f[6].toLowerCase(),
      ...(f[7] && /^\d+$/.test(f[7]) ? { speed: Number(f[7]) } : {}),
      ...(f[9] ? { type: f[9] } : {}),
    };
  }
  if (/^notification:mutestatus:/i.test(line)) {
    const f = line.split(':');
    const last = f[f.length - 1].toLowerCase();
    if (last !== 'muted' && last !== 'unmuted') return { kind: 'malformed', text: raw, reason: 'mutestatus without muted/unmuted' };
    return { kind: 'mute', muted: last === 'muted', far: f[2]?.toLowerCase() === 'far' };
  }
  const mute = /^mute (near|far) (on|off)$/i.exec(line);
  if (mute) return { kind: 'mute', muted: mute[2].toLowerCase() === 'on', far: mute[1].toLowerCase() === 'far' };
  const dialing = /^dialing\s*(.*)$/i.exec(line);
  if (dialing) return { kind: 'dialing', mode: dialing[1] };
  const hanging = /^hanging up\s*(.*)$/i.exec(line);
  if (hanging) return { kind: 'hanging-up', what: hanging[1] };
  if (/^system is not in a call/i.test(line)) return { kind: 'no-call' };
  if (/^listen going to sleep$/i.test(line)) return { kind: 'power', asleep: true };
  if (/^listen waking up$/i.test(line)) return { kind: 'power', asleep: false };
  if (/^listen video ringing$/i.test(line)) return { kind: 'incoming-ring' };
  if (/^error:/i.test(line) || /\bfailed\.?$/i.test(line)) return { kind: 'error', text: line };
  if (/^info:/i.test(line)) return { kind: 'info', text: line.replace(/^info:\s*/i, '') };
  return { kind: 'text', text: line };
}

// ---------------------------------------------------------------------------------------------
// Commands

/** Quotes a value; the API has no escape for `"` or line breaks, so those are refused. */
export function quoteValue(value: string, field: string): string {
  const bad = /["\r\n\x00-\x1f]/.exec(value);
  if (bad) throw new Error(`${field} contains ${bad[0] === '"' ? 'a double quote' : `control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')}`}, which the Poly API cannot carry`);
  return `"${value}"`;
}

/** Call types `dial manual` takes; without one the codec picks. */
export type PolyCallType = 'h323' | 'sip' | 'h320';

/**
 * `dial manual <speed> "<number>" [h323|sip|h320]`, the form both integrator references
 * document (`dial manual 64 5551212 h320`); `dial auto` also wants a speed, and neither takes a
 * number alone.
 */
export function dialCommand(number: string, speed: number, type?: PolyCallType): string {
  if (!Number.isInteger(speed) || speed <= 0) throw new Error(`speed: ${speed} is not a call rate in kbps`);
  return `dial manual ${speed} ${quoteValue(number, 'number')}${type ? ` ${type}` : ''}`;
}

/** DTMF via `gendial`, one digit per command (the API takes 0-9, * and #). */
export function dtmfCommands(digits: string): string[] {
  const bad = /[^0-9*#]/.exec(digits);
  if (bad) throw new Error(`digits: '${bad[0]}' cannot be sent (gendial takes 0-9, * and #)`);
  return [...digits].map((d) => `gendial ${d}`);
}

/** Registrations sent at connect (they persist in flash; a repeat answers "already active"). */
export const REGISTRATIONS = ['callstate register', 'notify callstatus', 'mute register', 'sleep register'] as const;

/** How a command is acknowledged, beyond the codec repeating the command line. */
export type AckVerdict = 'ack' | 'fail' | undefined;

/**
 * Decides whether `line` answers `command`. Group Series acknowledges most commands by repeating
 * them; some have their own reply. Returns `distinct: true` when that reply differs from the
 * command text, so an exact repeat can only be the echo.
 */
export function ackMatcher(command: string): { distinct: boolean; match(line: PolyLine): AckVerdict } {
  const c = command.toLowerCase();
  const fail = (l: PolyLine): AckVerdict => (l.kind === 'error' ? 'fail' : undefined);
  if (c.endsWith(' register') || c.startsWith('notify ')) {
    const topic = c.startsWith('notify ') ? c.split(/\s+/)[1] : c.split(/\s+/)[0];
    return { distinct: true, match: (l) => (l.kind === 'registered' && l.topic === topic ? 'ack' : fail(l)) };
  }
  if (c.startsWith('dial ')) return { distinct: true, match: (l) => (l.kind === 'dialing' ? 'ack' : l.kind === 'info' && /not enabled|invalid/i.test(l.text) ? 'fail' : fail(l)) };
  if (c.startsWith('hangup ')) return { distinct: true, match: (l) => (l.kind === 'hanging-up' ? 'ack' : fail(l)) };
  if (c.startsWith('answer ')) {
    return { distinct: true, match: (l) => (l.kind === 'text' && /^answer incoming/i.test(l.text) ? 'ack' : l.kind === 'error' && /^answer/i.test(l.text) ? 'fail' : fail(l)) };
  }
  if (c === 'mute near get') return { distinct: true, match: (l) => (l.kind === 'mute' && !l.far ? 'ack' : fail(l)) };
  if (c === 'getcallstate') return { distinct: true, match: (l) => (l.kind === 'cs' || l.kind === 'no-call' ? 'ack' : fail(l)) };
  return { distinct: false, match: fail };
}
