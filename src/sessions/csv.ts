import type { SessionRecord } from './types.ts';

/** A CSV cell before encoding. null/undefined become empty cells. */
export type CsvValue = string | number | boolean | null | undefined;

export interface CsvOptions {
  /** Prefix U+FEFF so Excel opens the UTF-8 file with its accents intact. Default false. */
  bom?: boolean;
  /** ',' (RFC 4180, default) or ';' (what French-locale spreadsheets expect). */
  delimiter?: ',' | ';';
}

/**
 * Cells a spreadsheet would evaluate as a formula: = + - @, and tab / CR which some spreadsheets
 * strip before looking (OWASP "CSV injection"). Organisation names and titles are typed on a
 * panel by anyone in the room, so they are untrusted.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell. Strings that could start a formula get a leading `'` (so "+33 4 67…" exports as
 * "'+33 4 67…": the price of the guard); numbers are emitted as they are, they cannot be formulas.
 * A cell is quoted when it holds the delimiter, a double quote, CR or LF; quotes are doubled.
 */
export function csvCell(value: CsvValue, delimiter: ',' | ';' = ','): string {
  if (value === null || value === undefined) return '';
  let s: string;
  if (typeof value === 'number') s = Number.isFinite(value) ? String(value) : '';
  else if (typeof value === 'boolean') s = value ? 'true' : 'false';
  else s = FORMULA_START.test(value) ? `'${value}` : value;
  if (s.includes(delimiter) || /["\r\n]/.test(s)) return `"${s.replaceAll('"', '""')}"`;
  return s;
}

/** RFC 4180: a header row, CRLF after every record (including the last), UTF-8. Pure. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[], options: CsvOptions = {}): string {
  const d = options.delimiter ?? ',';
  const lines = [header, ...rows].map((r) => r.map((v) => csvCell(v, d)).join(d) + '\r\n');
  return (options.bom ? '\uFEFF' : '') + lines.join('');
}

/** Column order of the sessions export. Stable: integrators' spreadsheets depend on it. */
export const SESSION_CSV_COLUMNS = [
  'id',
  'room',
  'organisation',
  'title',
  'startedAt',
  'endedAt',
  'durationMin',
  'status',
  'endReason',
  'startedBy',
  'endedBy',
  'dialed',
  'avoidedTravel',
  'people',
  'kmAvoided',
  'co2Kg',
  'faults',
] as const;

/**
 * Sessions as CSV, one row each, columns {@link SESSION_CSV_COLUMNS}. Lists are flattened:
 * `dialed` = numbers joined by "; ", `avoidedTravel` = "Montpellier ×4 (880 km); …", `faults` = count.
 * Numbers use a dot decimal separator in both delimiters (ISO, not locale).
 */
export function sessionsToCsv(sessions: readonly SessionRecord[], options: CsvOptions = {}): string {
  return toCsv(SESSION_CSV_COLUMNS, sessions.map(sessionCsvCells), options);
}

/** One session's cells, in {@link SESSION_CSV_COLUMNS} order (the fleet export reuses them). */
export function sessionCsvCells(s: SessionRecord): CsvValue[] {
  return [
    s.id,
    s.room,
    s.organisation,
    s.title,
    s.startedAt,
    s.endedAt,
    s.durationMin,
    s.status,
    s.endReason,
    s.startedBy,
    s.endedBy,
    s.dialed.map((c) => c.number).join('; '),
    s.avoidedTravel.map((t) => `${t.name} ×${t.people}${t.cars !== t.people ? ` in ${t.cars} car${t.cars > 1 ? 's' : ''}` : ''} (${t.km} km)`).join('; '),
    s.avoidedTravel.reduce((n, t) => n + t.people, 0),
    s.kmAvoided,
    s.co2Kg,
    s.faults.length,
  ];
}
