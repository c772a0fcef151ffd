import type { TSchema } from '../core/typebox.ts';
import { DriverRegistry } from '../core/driver-registry.ts';
import type { DriverModule } from '../core/driver-api.ts';
import { TransportConfig } from '../transports/config.ts';
import { RoomdConfig } from './schema.ts';

/**
 * The configuration reference (docs/configuration.md), generated from the same TypeBox schemas that
 * validate the file and each driver's `options`, so the document cannot drift from what `--check`
 * accepts. `npm run docs` writes it; a test fails when the committed file is out of date.
 */

/** What a config key is, as one row of a table. */
interface KeyRow {
  key: string;
  type: string;
  required: boolean;
  default?: unknown;
  rules: string[];
  description?: string;
}

type Schema = TSchema & Record<string, any>;

/** What each top-level section is for; the keys themselves are described in the schema. */
const SECTION_INTROS: Record<string, string> = {
  room: 'The room itself. `room.id` appears in MQTT topics and in every session record.',
  http: 'The REST API, the WebSocket and the panel. Absent: every default below.',
  mqtt: 'The MQTT API. Absent: no MQTT. Give `url` for an external broker, or `embedded` to run one inside roomd.',
  sessions: 'The session log (SQLite) and the travel figures. Absent: every default below.',
  devices: 'One entry per device; the key is the device id used everywhere (REST paths, MQTT topics, scenes).',
  directory: 'What the panel offers to dial.',
  scenes: 'What the one-button start and end do. Steps for one device run in order; different devices run in parallel.',
  meeting: 'When a meeting ends without anyone pressing the button.',
};

const isObject = (s: Schema) => s.type === 'object' && s.properties !== undefined;
const isRecord = (s: Schema) => s.type === 'object' && s.patternProperties !== undefined;

function typeName(s: Schema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (Array.isArray(s.anyOf)) {
    if (s.anyOf.every((a: Schema) => isObject(a) && a.properties?.type?.const !== undefined)) return 'transport (see [Transports](#transports))';
    return s.anyOf.map(typeName).join(' or ');
  }
  if (s.type === 'array') return isObject(s.items) ? 'list of objects' : `list of ${typeName(s.items)}`;
  if (isRecord(s)) {
    const [values] = Object.values<Schema>(s.patternProperties);
    return values && (isObject(values) || isRecord(values)) ? 'map of objects' : 'map';
  }
  if (s.type === 'object') return 'object';
  if (s.type === undefined) return 'any';
  return String(s.type);
}

function rules(s: Schema): string[] {
  const out: string[] = [];
  if (s.minimum !== undefined && s.maximum !== undefined) out.push(`${s.minimum}–${s.maximum}`);
  else if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  else if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) out.push(`at least ${s.minLength} character${s.minLength === 1 ? '' : 's'}`);
  if (s.maxLength !== undefined) out.push(`at most ${s.maxLength} characters`);
  if (s.maxItems !== undefined) out.push(`at most ${s.maxItems} items`);
  if (s.pattern !== undefined) out.push(`matches \`${s.pattern}\``);
  if (isRecord(s)) {
    const [pattern] = Object.keys(s.patternProperties);
    if (pattern && pattern !== '^(.*)$') out.push(`names match \`${pattern}\``);
  }
  return out;
}

/** Flattens a schema into rows, `a.b` for objects, `a.<name>` for maps and `a[]` for lists of objects. */
function keyRows(s: Schema, key: string, required: boolean, out: KeyRow[]): KeyRow[] {
  const row: KeyRow = { key, type: typeName(s), required: required && s.default === undefined, rules: rules(s) };
  if (s.default !== undefined && !(typeof s.default === 'object' && Object.keys(s.default).length === 0)) row.default = s.default;
  if (s.description && !row.rules.includes(s.description)) row.description = s.description;
  // An object row says nothing its keys do not, unless the schema describes it.
  const redundant = (isObject(s) && !s.description && (key.endsWith('[]') || key.endsWith('>'))) || !key;
  if (!redundant) out.push(row);
  if (isObject(s)) {
    const req = new Set<string>(s.required ?? []);
    for (const [name, child] of Object.entries<Schema>(s.properties)) keyRows(child, key ? `${key}.${name}` : name, req.has(name), out);
  } else if (isRecord(s)) {
    const [child] = Object.values<Schema>(s.patternProperties);
    if (child && (isObject(child) || isRecord(child))) keyRows(child, `${key}.<name>`, true, out);
  } else if (s.type === 'array' && isObject(s.items)) {
    keyRows(s.items, `${key}[]`, true, out);
  }
  return out;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(rows: KeyRow[]): string {
  const lines = ['| key | type | required | default | rules and meaning |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const meaning = [...r.rules, ...(r.description ? [r.description] : [])].join('; ');
    const def = r.default === undefined ? '' : `\`${JSON.stringify(r.default)}\``;
    lines.push(`| \`${r.key}\` | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(def)} | ${cell(meaning)} |`);
  }
  return lines.join('\n');
}

function driverSection(d: DriverModule): string {
  const m = d.manifest;
  const facts = [
    `capabilities: ${m.capabilities.map((c) => `\`${c}\``).join(', ')}`,
    `transports: ${[...m.transports, ...(d.startSimulator ? ['sim'] : [])].map((t) => `\`${t}\``).join(', ')}`,
  ];
  if (m.defaultTransport) facts.push(`default transport: \`${JSON.stringify(m.defaultTransport)}\``);
  if (m.commandTimeoutMs !== undefined) facts.push(`command timeout: ${m.commandTimeoutMs} ms`);
  if (m.pollIntervalMs !== undefined) facts.push(`polled every ${m.pollIntervalMs} ms`);
  const options = keyRows(m.options as Schema, '', true, []).map((r) => ({ ...r, key: `options.${r.key}` }));
  return [
    `### \`${m.name}\` — ${m.title}`,
    '',
    facts.map((f) => `- ${f}`).join('\n'),
    '',
    options.length ? table(options) : 'No options.',
    '',
    `More: [drivers/${m.name}/README.md](../drivers/${m.name}/README.md).`,
  ].join('\n');
}

/** Renders docs/configuration.md from the config schema and every bundled driver's manifest. */
export function renderConfigReference(drivers: readonly DriverModule[]): string {
  const config = RoomdConfig as Schema;
  const parts: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run docs` from src/config/schema.ts, src/transports/config.ts and each',
    "     driver's manifest. Do not edit by hand: change the schema's `description` and regenerate. -->",
    '',
    'roomd reads one YAML file (`roomd --config FILE`, or `ROOMD_CONFIG`). `roomd --config FILE --check`',
    'validates it and exits 0, or exits 2 printing one line per problem: `FILE:LINE:COL path.to.key: message`.',
    'Every object rejects unknown keys, so a typo is reported rather than ignored. Secrets can always come',
    'from a file instead (`tokenFile`, `passwordFile`); they never appear in logs. A complete example is',
    '`config/demo.yaml`.',
    '',
    'In the tables, `a.<name>` is a map whose keys you choose, and `a[]` an item of a list.',
    '',
  ];
  const required = new Set<string>(config.required ?? []);
  for (const [name, section] of Object.entries<Schema>(config.properties)) {
    parts.push(`## \`${name}\``, '');
    if (SECTION_INTROS[name]) parts.push(SECTION_INTROS[name]!, '');
    const rows = keyRows(section, name, required.has(name), []).slice(isObject(section) ? 1 : 0);
    parts.push(table(rows), '');
  }
  parts.push('## Transports', '', 'How roomd reaches a device (`devices.<name>.transport`), chosen by `type`.', '');
  for (const variant of (TransportConfig as Schema).anyOf as Schema[]) {
    const type = variant.properties.type.const as string;
    parts.push(`### \`${type}\``, '');
    if (variant.description) parts.push(variant.description, '');
    const rows = keyRows(variant, '', true, []).filter((r) => r.key !== 'type');
    parts.push(table(rows), '');
  }
  parts.push('## Drivers', '', '`devices.<name>.driver` names a folder under `drivers/`; `devices.<name>.options` is checked against that driver\'s schema.', '');
  for (const d of drivers) parts.push(driverSection(d), '');
  return `${parts.join('\n').trimEnd()}\n`;
}

/** Loads every bundled driver and renders the reference. */
export async function configReference(): Promise<string> {
  const registry = new DriverRegistry();
  const drivers = await Promise.all(registry.names().map((name) => registry.load(name)));
  return renderConfigReference(drivers);
}
