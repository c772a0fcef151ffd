/**
 * Pure parsers for `pactl` output (PulseAudio 16 / pipewire-pulse). No I/O, no timers: every
 * function here takes text and returns values, so the tests can feed them tables of real output.
 *
 * The driver runs pactl with LC_ALL=C, because the text forms (`Mute: yes`) are translated.
 */

/** The object kinds this driver reads; `pactl subscribe` names them the same way. */
export type PulseKind = 'source' | 'sink';

/** One line of `pactl subscribe`: `Event 'change' on source #1`. */
export interface PulseEvent {
  type: 'new' | 'change' | 'remove';
  /** sink, source, sink-input, source-output, module, client, sample-cache, server, card. */
  facility: string;
  /** Object index; `server` events carry 4294967295 (PA_INVALID_INDEX). */
  index: number;
}

const EVENT_LINE = /^Event '(new|change|remove)' on ([a-z-]+) #(\d+)$/;

/** Parses one `pactl subscribe` line; returns null for anything else (the caller logs it). */
export function parseEventLine(line: string): PulseEvent | null {
  const m = EVENT_LINE.exec(line.trim());
  if (!m) return null;
  const index = Number(m[3]);
  if (!Number.isSafeInteger(index)) return null;
  return { type: m[1] as PulseEvent['type'], facility: m[2], index };
}

/** `pactl get-source-mute X` → `Mute: yes` / `Mute: no`. Null when the text is not that. */
export function parseMute(text: string): boolean | null {
  const m = /^\s*Mute:\s*(yes|no)\s*$/m.exec(text);
  return m ? m[1] === 'yes' : null;
}

/**
 * Reduces per-channel percentages to the one 0-100 number the room model has: the loudest channel
 * (as pavucontrol and GNOME show a locked slider), clamped, because PulseAudio allows > 100 %.
 */
export function overallPercent(channels: readonly number[]): number | null {
  if (channels.length === 0 || channels.some((c) => !Number.isFinite(c) || c < 0)) return null;
  return Math.min(100, Math.max(...channels));
}

/**
 * `pactl get-sink-volume X` →
 * `Volume: front-left: 26214 /  40% / -23.88 dB,   front-right: 26214 /  40% / -23.88 dB` (+ a balance line).
 * A mono device prints `Volume: mono: 65536 / 100% / 0.00 dB`. Returns the overall percent or null.
 */
export function parseVolume(text: string): number | null {
  const line = /^\s*Volume:(.*)$/m.exec(text);
  if (!line) return null;
  const channels = [...line[1].matchAll(/:\s*\d+\s*\/\s*(\d+)%/g)].map((m) => Number(m[1]));
  return overallPercent(channels);
}

/** One row of `pactl list short sources|sinks`: `1\troomd_test_mic\tmodule-null-source.c\t...\tIDLE`. */
export interface ShortListEntry {
  index: number;
  name: string;
}

/** Parses `pactl list short sources` (tab-separated, never translated). Bad rows go to `rejected`. */
export function parseListShort(text: string): { entries: ShortListEntry[]; rejected: string[] } {
  const entries: ShortListEntry[] = [];
  const rejected: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [index, name] = line.split('\t');
    if (name && /^\d+$/.test(index)) entries.push({ index: Number(index), name });
    else rejected.push(line);
  }
  return { entries, rejected };
}

/** A source or sink as the driver keeps it. */
export interface PulseObject {
  index: number;
  name: string;
  description?: string;
  mute: boolean | null;
  /** Overall volume 0-100 (see {@link overallPercent}), null when unreadable. */
  volume: number | null;
}

/**
 * Parses `pactl -f json list sources|sinks` (PulseAudio ≥ 16). Throws on text that is not a JSON
 * array (the caller falls back to the text commands); skips entries without index and name.
 */
export function parseListJson(text: string): PulseObject[] {
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data)) throw new Error('expected a JSON array');
  const objects: PulseObject[] = [];
  for (const raw of data) {
    if (!raw || typeof raw !== 'object') continue;
    const o = raw as Record<string, unknown>;
    if (typeof o.index !== 'number' || typeof o.name !== 'string') continue;
    objects.push({
      index: o.index,
      name: o.name,
      ...(typeof o.description === 'string' ? { description: o.description } : {}),
      mute: typeof o.mute === 'boolean' ? o.mute : null,
      volume: jsonVolume(o.volume),
    });
  }
  return objects;
}

/** `"volume": {"front-left": {"value": 65536, "value_percent": "100%", "db": "0.00 dB"}, ...}`. */
function jsonVolume(volume: unknown): number | null {
  if (!volume || typeof volume !== 'object') return null;
  const channels: number[] = [];
  for (const ch of Object.values(volume as Record<string, unknown>)) {
    if (!ch || typeof ch !== 'object') return null;
    const c = ch as Record<string, unknown>;
    const pct = typeof c.value_percent === 'string' ? /^\s*(\d+)%\s*$/.exec(c.value_percent) : null;
    if (pct) channels.push(Number(pct[1]));
    // PA_VOLUME_NORM is 65536 = 100 %.
    else if (typeof c.value === 'number') channels.push(Math.round((c.value / 65536) * 100));
    else return null;
  }
  return overallPercent(channels);
}

/** What the driver needs from `pactl info`. */
export interface PulseInfo {
  serverName?: string;
  serverVersion?: string;
  defaultSource?: string;
  defaultSink?: string;
}

/** Parses text `pactl info` (`Key: value` lines); PipeWire says `Server Name: PulseAudio (on PipeWire 1.0.5)`. */
export function parseInfo(text: string): PulseInfo {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const info: PulseInfo = {};
  const pick = (key: string, into: keyof PulseInfo) => {
    const v = fields.get(key);
    if (v) info[into] = v;
  };
  pick('Server Name', 'serverName');
  pick('Server Version', 'serverVersion');
  pick('Default Source', 'defaultSource');
  pick('Default Sink', 'defaultSink');
  return info;
}

/** `pactl --version` → `pactl 16.1\nCompiled with libpulse 16.1.0\n...` → [16, 1]; null when unrecognised. */
export function parsePactlVersion(text: string): [number, number] | null {
  const m = /^pactl\s+(\d+)\.(\d+)/m.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** `pactl -f json` arrived in PulseAudio 16.0 (pipewire-pulse setups use the same pactl client). */
export function supportsJson(version: [number, number] | null): boolean {
  return version !== null && version[0] >= 16;
}

/** How a failed pactl call should surface: the server is away, or the server refused the request. */
export type PactlFailure = 'offline' | 'refused';

/**
 * Classifies pactl's stderr. Connection problems (`Connection failure: Connection refused`,
 * `pa_context_connect() failed`, `Connection terminated`) mean the server is gone; anything else
 * (`Failure: No such entity`) is the server answering no.
 */
export function classifyPactlError(stderr: string): PactlFailure {
  return /connection (failure|refused|terminated)|pa_context_connect|no such file or directory|access denied/i.test(stderr)
    ? 'offline'
    : 'refused';
}

/** The pactl argument that sets a volume: integer percent, clamped to the room model's 0-100. */
export function volumeArg(level: number): string {
  return `${Math.min(100, Math.max(0, Math.round(level)))}%`;
}

/** Names PulseAudio resolves itself; the driver maps them to a real object through `pactl info`. */
export const DEFAULT_SOURCE = '@DEFAULT_SOURCE@';
export const DEFAULT_SINK = '@DEFAULT_SINK@';
