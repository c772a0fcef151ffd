import { CAPABILITY_NAMES, type CapabilityName } from '../../core/capabilities.ts';
import { RoomError } from '../../core/errors.ts';

/**
 * Incoming MQTT payloads → requests. Pure: every way a payload can be wrong becomes a `RoomError`
 * (`BadRequest`, `PayloadTooLarge`, `UnknownCommand`) that the bridge answers on `B/result`.
 */

/** Larger payloads are refused before they are decoded. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** A request id echoed in the result, so a client can match answers to questions. */
export type RequestId = string | number;

/** A device command from `B/DEVICE/set` or `B/DEVICE/CAPABILITY/set`. */
export interface CommandRequest {
  command: string;
  args: Record<string, unknown>;
}

/** A meeting action from `B/meeting/set`; `body` is the REST call's body (validated by the caller). */
export interface MeetingRequest {
  action: 'start' | 'end';
  body: Record<string, unknown>;
}

/** Decodes UTF-8 text, refusing oversized payloads. */
export function payloadText(payload: Buffer | Uint8Array): string {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    throw new RoomError('PayloadTooLarge', `payload is ${payload.byteLength} bytes; the limit is ${MAX_PAYLOAD_BYTES}`);
  }
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
}

/** Parses a JSON object payload (`what` names the topic's role in messages). */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RoomError('BadRequest', `${what}: payload is not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RoomError('BadRequest', `${what}: payload must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * The `id` of a JSON request, when it has a usable one. Read before anything else is checked, so
 * even a request rejected for a bad field is answered with its id.
 */
export function requestIdOf(body: Record<string, unknown> | undefined): RequestId | undefined {
  const id = body?.id;
  if (typeof id === 'string' && id.length > 0 && id.length <= 128) return id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  return undefined;
}

function checkId(body: Record<string, unknown>): void {
  if (body.id !== undefined && requestIdOf(body) === undefined) {
    throw new RoomError('BadRequest', 'id: expected a string of 1-128 characters or a number');
  }
}

/** `B/DEVICE/set`: `{ "command": "recallPreset", "args": { "preset": 2 }, "id"?: "..." }`. */
export function parseDeviceSet(body: Record<string, unknown>): CommandRequest {
  for (const key of Object.keys(body)) {
    if (key !== 'command' && key !== 'args' && key !== 'id') throw new RoomError('BadRequest', `unknown key '${key}' (expected command, args, id)`);
  }
  checkId(body);
  const { command, args } = body;
  if (typeof command !== 'string' || command.length === 0 || command.length > 64) {
    throw new RoomError('BadRequest', 'command: expected a command name such as "powerOn"');
  }
  if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
    throw new RoomError('BadArgs', 'args: expected a JSON object');
  }
  return { command, args: (args as Record<string, unknown> | undefined) ?? {} };
}

/** Turns one plain payload into a command, for one capability. */
type PlainParser = (text: string) => CommandRequest;

const cmd = (command: string, args: Record<string, unknown> = {}): CommandRequest => ({ command, args });
const NUMBER = /^[+-]?\d+(\.\d+)?$/;

function onOff(capability: string, on: string, off: string): PlainParser {
  return (text) => {
    const word = text.toUpperCase();
    if (word === 'ON') return cmd(on);
    if (word === 'OFF') return cmd(off);
    throw new RoomError('BadRequest', `${capability}: expected ON or OFF, got "${clip(text)}"`);
  };
}

/**
 * Plain payloads for simple clients (and Home Assistant), one parser per capability. The command
 * each yields is then validated by the core exactly as a JSON command would be.
 */
export const PLAIN_PAYLOADS: Record<CapabilityName, PlainParser> = {
  power: onOff('power', 'powerOn', 'powerOff'),
  micMute: onOff('micMute', 'muteMicrophones', 'unmuteMicrophones'),
  volume: (text) => {
    const word = text.toUpperCase();
    if (word === 'MUTE') return cmd('mute');
    if (word === 'UNMUTE') return cmd('unmute');
    if (word === 'UP') return cmd('volumeUp');
    if (word === 'DOWN') return cmd('volumeDown');
    // Home Assistant's number entity may send "42.0"; a level is a whole number.
    if (NUMBER.test(text)) return cmd('setVolume', { level: Math.round(Number(text)) });
    throw new RoomError('BadRequest', `volume: expected a level 0-100, MUTE, UNMUTE, UP or DOWN, got "${clip(text)}"`);
  },
  ptz: (text) => {
    const word = text.toUpperCase();
    if (word === 'HOME') return cmd('home');
    if (word === 'STOP') return cmd('stop');
    if (/^\d+$/.test(text)) return cmd('recallPreset', { preset: Number(text) });
    return cmd('recallPreset', { preset: text }); // a preset name, resolved by the core
  },
  call: (text) => {
    const word = text.toUpperCase();
    if (word === 'HANGUP') return cmd('hangup');
    if (word === 'ANSWER') return cmd('answer');
    if (word === 'REJECT') return cmd('reject');
    return cmd('dial', { number: text });
  },
  input: (text) => cmd('selectInput', { input: text }),
  raw: (text) => cmd('send', { data: text }),
};

/** `B/DEVICE/CAPABILITY/set` with a plain payload. */
export function parseCapabilitySet(capability: string, text: string): CommandRequest {
  const parser = (PLAIN_PAYLOADS as Record<string, PlainParser | undefined>)[capability];
  if (!parser || !Object.hasOwn(PLAIN_PAYLOADS, capability)) {
    throw new RoomError('UnknownCommand', `unknown capability '${clip(capability)}' in the topic (known: ${CAPABILITY_NAMES.join(', ')})`);
  }
  const trimmed = text.trim();
  if (trimmed === '') throw new RoomError('BadRequest', `${capability}: empty payload`);
  return parser(trimmed);
}

/** `B/meeting/set` with a plain `start` / `end`; `undefined` when the payload is something else. */
export function meetingWord(text: string): MeetingRequest | undefined {
  const word = text.trim().toLowerCase();
  return word === 'start' || word === 'end' ? { action: word, body: {} } : undefined;
}

/** `B/meeting/set` with JSON: `{ "action": "start" | "end", "id"?, ...the REST call's body }`. */
export function parseMeetingBody(body: Record<string, unknown>): MeetingRequest {
  checkId(body);
  const { action, id: _id, ...rest } = body;
  if (action !== 'start' && action !== 'end') throw new RoomError('BadRequest', 'action: expected "start" or "end"');
  return { action, body: rest };
}

/** A room-wide microphone mute from `B/meeting/microphones/set` (the REST body of `POST /meeting/microphones`). */
export interface MicrophonesRequest {
  muted: boolean;
}

/**
 * `B/meeting/microphones/set` with a plain payload: `ON` (muted) / `OFF`, any case. Returns
 * `undefined` for a JSON object (parse it with `parseJsonObject` + `parseMicrophonesBody`), and
 * refuses anything else here, so a stray word is not reported as broken JSON.
 */
export function microphonesWord(text: string): MicrophonesRequest | undefined {
  const trimmed = text.trim();
  const word = trimmed.toUpperCase();
  if (word === 'ON') return { muted: true };
  if (word === 'OFF') return { muted: false };
  if (trimmed.startsWith('{')) return undefined;
  if (trimmed === '') throw new RoomError('BadRequest', 'meeting/microphones/set: empty payload');
  throw new RoomError('BadRequest', `meeting/microphones/set: expected ON, OFF or { "muted": true|false }, got "${clip(trimmed)}"`);
}

/** `B/meeting/microphones/set` with JSON: `{ "muted": true | false, "id"? }`. */
export function parseMicrophonesBody(body: Record<string, unknown>): MicrophonesRequest {
  for (const key of Object.keys(body)) {
    if (key !== 'muted' && key !== 'id') throw new RoomError('BadRequest', `unknown key '${clip(key)}' (expected muted, id)`);
  }
  checkId(body);
  // BadArgs, as REST answers a body whose `muted` is not a boolean.
  if (!Object.hasOwn(body, 'muted')) throw new RoomError('BadArgs', 'muted: required (true to mute every microphone, false to unmute)');
  if (typeof body.muted !== 'boolean') throw new RoomError('BadArgs', `muted: expected true or false, got ${clip(JSON.stringify(body.muted) ?? String(body.muted))}`);
  return { muted: body.muted };
}

/** Quotes at most 40 characters of client input in an error message. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
