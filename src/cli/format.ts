/**
 * Human output of roomctl: pure functions from API answers to text, so they are table-tested.
 * Times are shown in the technician's local zone unless `timeZone` says otherwise.
 */

/** What the API returns for a device (docs/capabilities.md), as far as roomctl shows it. */
export interface DeviceView {
  id: string;
  driver: string;
  name?: string;
  online: boolean;
  capabilities: string[];
  state: Record<string, unknown>;
  lastError?: { code: string; message: string; at?: string };
}

export interface StepView {
  device: string;
  command: string;
  status: string;
  ms?: number;
  error?: { code: string; message: string };
}

export interface MeetingView {
  active: boolean;
  phase?: string;
  session?: { id: string; startedAt?: string | null; organisation?: string | null };
  steps?: StepView[];
  startedAt?: string;
}

export interface SessionView {
  id: string;
  organisation: string | null;
  title: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMin: number | null;
  kmAvoided: number;
  co2Kg: number;
  status?: string;
  endReason?: string | null;
}

export interface Totals {
  sessions: number;
  interrupted?: number;
  minutes: number;
  kmAvoided: number;
  co2Kg: number;
}

export interface ReportView extends Totals {
  from?: string | null;
  to?: string | null;
  byOrganisation?: Array<{ organisation: string | null } & Totals>;
  byMonth?: Array<{ month: string } & Totals>;
}

export interface FormatOptions {
  timeZone?: string;
}

const width = (s: string) => [...s].length;

/** Left-aligned columns separated by two spaces; numbers right-aligned; no trailing spaces. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((r) => width(r[i] ?? ''))));
  const line = (r: string[]) =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c)))).join('  ').trimEnd();
  // Headers of number columns are right-aligned too, so they sit over their digits.
  return [line(headers), ...cells.map(line)].join('\n');
}

function short(value: unknown, max = 40): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return width(text) > max ? `${[...text].slice(0, max - 1).join('')}…` : text;
}

/** Keys shown first, in this order; the rest follow alphabetically. `presets` is a long map: left out. */
const STATE_ORDER = ['power', 'input', 'volume', 'muted', 'micMuted', 'call', 'pan', 'tilt', 'zoom', 'preset'];

/**
 * `power=on input=hdmi1 volume=20 muted=false call=connected(sip:x)`. With `capabilityOnly`, only
 * the state fields of docs/capabilities.md (a driver's extra fields — firmware, channel lists — stay for
 * `roomctl device ID`), so the devices table stays one readable line per device.
 */
export function stateSummary(state: Record<string, unknown>, capabilityOnly = false): string {
  const keys = Object.keys(state)
    .filter((k) => k !== 'presets' && state[k] !== undefined && state[k] !== null && (!capabilityOnly || STATE_ORDER.includes(k)))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys
    .map((k) => {
      const v = state[k];
      if (k === 'call' && v && typeof v === 'object') {
        const call = v as { status?: string; remote?: string };
        return `call=${call.status ?? '?'}${call.remote ? `(${short(call.remote, 30)})` : ''}`;
      }
      if (typeof v === 'number') return `${k}=${Math.round(v * 1000) / 1000}`;
      return `${k}=${short(v)}`;
    })
    .join(' ');
}

function rank(key: string): number {
  const i = STATE_ORDER.indexOf(key);
  return i < 0 ? STATE_ORDER.length : i;
}

/** The devices table of `roomctl devices` and `roomctl state`. */
export function formatDevices(devices: DeviceView[]): string {
  if (devices.length === 0) return 'no devices configured';
  return table(
    ['DEVICE', 'DRIVER', 'ONLINE', 'STATE', 'LAST ERROR'],
    devices.map((d) => [d.id, d.driver, d.online ? 'yes' : 'NO', stateSummary(d.state, true), d.lastError ? `${d.lastError.code}: ${short(d.lastError.message, 60)}` : '']),
  );
}

/** `roomctl device ID`: one device, one field per line. */
export function formatDevice(d: DeviceView, options: FormatOptions = {}): string {
  const lines = [
    `${d.id}${d.name ? ` (${d.name})` : ''}`,
    `  driver        ${d.driver}`,
    `  online        ${d.online ? 'yes' : 'NO'}`,
    `  capabilities  ${d.capabilities.join(', ')}`,
  ];
  const state = Object.entries(d.state).filter(([, v]) => v !== undefined && v !== null);
  if (state.length) {
    lines.push('  state');
    const pad = Math.max(...state.map(([k]) => k.length));
    for (const [k, v] of state) lines.push(`    ${k.padEnd(pad)}  ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  if (d.lastError) lines.push(`  last error    ${d.lastError.code}: ${d.lastError.message}${d.lastError.at ? ` (${dateTime(d.lastError.at, options)})` : ''}`);
  return lines.join('\n');
}

/** `roomctl state`: the room, the meeting and the devices. */
export function formatState(snapshot: { room: { id: string; name: string }; devices: Record<string, DeviceView>; meeting: MeetingView }, options: FormatOptions = {}): string {
  const devices = Object.values(snapshot.devices);
  const online = devices.filter((d) => d.online).length;
  return [
    `${snapshot.room.name} (${snapshot.room.id})`,
    `meeting: ${meetingText(snapshot.meeting, options)}`,
    `devices: ${online}/${devices.length} online`,
    '',
    formatDevices(devices),
  ].join('\n');
}

function meetingText(m: MeetingView, options: FormatOptions): string {
  if (m.phase === 'starting' || m.phase === 'ending') return m.phase;
  if (!m.active) return 'none';
  const since = m.session?.startedAt ?? m.startedAt;
  return `active${since ? ` since ${dateTime(since, options)}` : ''}${m.session?.organisation ? `, ${m.session.organisation}` : ''}${m.session ? ` (session ${m.session.id})` : ''}`;
}

/** `roomctl device ID COMMAND`: the outcome and the device's state after it. */
export function formatCommandResult(id: string, command: string, result: { state?: Record<string, unknown> }): string {
  const state = result.state ? stateSummary(result.state, true) : '';
  return `${id} ${command}: ok${state ? `\n  ${state}` : ''}`;
}

/** `roomctl meeting start|end`: the session and one line per scene step. */
export function formatMeetingResult(action: 'start' | 'end', result: { session?: { id: string }; steps: StepView[] }): string {
  const failed = result.steps.filter((s) => s.status !== 'ok');
  const head = action === 'start'
    ? `meeting started${result.session ? ` — session ${result.session.id}` : ''}`
    : `meeting ended${result.session ? ` — session ${result.session.id}` : ''}`;
  const summary = failed.length ? `${head}; ${failed.length} of ${result.steps.length} steps did not succeed` : head;
  if (result.steps.length === 0) return summary;
  return `${summary}\n\n${table(
    ['DEVICE', 'COMMAND', 'STATUS', 'MS', 'ERROR'],
    result.steps.map((s) => [s.device, s.command, s.status, s.ms ?? '', s.error ? `${s.error.code}: ${short(s.error.message, 60)}` : '']),
  )}`;
}

/** `roomctl sessions`: newest first, as the API gives them. */
export function formatSessions(answer: { sessions: SessionView[]; total: number }, options: FormatOptions = {}): string {
  if (answer.sessions.length === 0) return 'no sessions';
  const body = table(
    ['STARTED', 'MIN', 'ORGANISATION', 'TITLE', 'KM', 'CO2 KG', 'STATUS', 'ID'],
    answer.sessions.map((s) => [
      dateTime(s.startedAt, options),
      s.durationMin ?? (s.status === 'open' ? 'open' : '?'),
      s.organisation ?? '',
      short(s.title ?? '', 30),
      round(s.kmAvoided),
      round(s.co2Kg),
      s.status ?? '',
      s.id,
    ]),
  );
  const footer = answer.total > answer.sessions.length ? `\n${answer.sessions.length} of ${answer.total} sessions (--limit/--offset for more)` : '';
  return body + footer;
}

/** `roomctl report`: totals, then by organisation and by month. */
export function formatReport(r: ReportView): string {
  const period = r.from || r.to ? `${r.from ?? '…'} to ${r.to ?? '…'}` : 'all time';
  const lines = [
    `report: ${period}`,
    `  meetings      ${r.sessions}${r.interrupted ? ` (${r.interrupted} interrupted)` : ''}`,
    `  minutes       ${r.minutes} (${hours(r.minutes)})`,
    `  km avoided    ${round(r.kmAvoided)}`,
    `  CO2 avoided   ${round(r.co2Kg)} kg`,
  ];
  const totals = (t: Totals) => [t.sessions, t.minutes, round(t.kmAvoided), round(t.co2Kg)];
  if (r.byOrganisation?.length) {
    lines.push('', table(['ORGANISATION', 'MEETINGS', 'MINUTES', 'KM', 'CO2 KG'], r.byOrganisation.map((o) => [o.organisation ?? '(none)', ...totals(o)])));
  }
  if (r.byMonth && r.byMonth.length > 1) {
    lines.push('', table(['MONTH', 'MEETINGS', 'MINUTES', 'KM', 'CO2 KG'], r.byMonth.map((m) => [m.month, ...totals(m)])));
  }
  return lines.join('\n');
}

/** `roomctl health`. */
export function formatHealth(h: { status: string; devices: Record<string, boolean>; checks?: Record<string, { ok: boolean; detail?: string }> }): string {
  const rows: Array<[string, string]> = Object.entries(h.devices).map(([id, online]) => [id, online ? 'online' : 'OFFLINE']);
  for (const [name, c] of Object.entries(h.checks ?? {})) rows.push([name, c.ok ? 'ok' : `FAILING${c.detail ? `: ${c.detail}` : ''}`]);
  return [h.status, ...rows.map(([a, b]) => `  ${a.padEnd(Math.max(...rows.map((r) => r[0].length)))}  ${b}`)].join('\n');
}

/** One line of `roomctl logs` per event from /api/v1/events. */
export function formatEvent(message: Record<string, any>, options: FormatOptions & { now?: Date } = {}): string {
  const at = time(options.now ?? new Date(), options);
  switch (message.type) {
    case 'state': {
      if (message.snapshot) {
        const devices = Object.values((message.devices ?? {}) as Record<string, DeviceView>);
        const online = devices.filter((d) => d.online).length;
        return `${at} snapshot ${online}/${devices.length} devices online, meeting ${meetingText(message.meeting ?? { active: false }, options)}`;
      }
      if (message.removed) return `${at} ${message.removed} removed`;
      const d = message.device as DeviceView | undefined;
      if (!d) return `${at} state ${short(message, 200)}`;
      const changed = (message.changed as string[] | undefined) ?? [];
      const parts = changed.map((k) => {
        if (k === 'online') return `online=${d.online}`;
        if (k === 'lastError') return d.lastError ? `error=${d.lastError.code}: ${short(d.lastError.message, 80)}` : 'error cleared';
        if (k === 'added') return 'added';
        return stateSummary({ [k]: d.state[k] }) || `${k}=∅`;
      });
      return `${at} ${d.id} ${parts.join(' ')}${message.reason ? ` (${message.reason})` : ''}`;
    }
    case 'meeting': {
      const m = message.meeting as MeetingView;
      return `${at} meeting ${m.phase ?? (m.active ? 'active' : 'idle')}${m.session ? ` session ${m.session.id}` : ''}`;
    }
    case 'session': {
      const s = message.session as Partial<SessionView> & { id: string };
      const detail = [s.status, s.durationMin != null ? `${s.durationMin} min` : undefined, s.organisation ?? undefined].filter(Boolean).join(', ');
      return `${at} session ${s.id}${detail ? ` ${detail}` : ''}`;
    }
    case 'error':
      return `${at} error ${message.error?.code ?? ''}: ${message.error?.message ?? ''}`;
    default:
      return `${at} ${short(message, 200)}`;
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function hours(minutes: number): string {
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
}

/** `2026-11-27 14:05` in the given (or local) zone. */
export function dateTime(iso: string, options: FormatOptions = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: options.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function time(date: Date, options: FormatOptions): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: options.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(date);
}

/** A device found by `roomctl discover`. */
export interface DiscoveredView {
  driver: string;
  address: string;
  description: string;
  configSnippet: string;
}

/** Each camera found, then its config snippet, ready to paste under `devices:`. */
export function formatDiscovered(result: { devices: DiscoveredView[]; errors: Array<{ driver: string; message: string }> }): string {
  if (result.devices.length === 0) return 'nothing found (ONVIF cameras answer WS-Discovery on the LAN; give VISCA serial ports with --serial)\n';
  const blocks = result.devices.map((d) => {
    const snippet = d.configSnippet.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
    return `${d.driver}  ${d.address}  ${d.description}\n${snippet}`;
  });
  return `${blocks.join('\n\n')}\n`;
}
