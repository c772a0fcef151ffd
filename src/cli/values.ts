/** A mistake in how roomctl was invoked: reported with the usage, exit code 2, nothing sent. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Plain decimal numbers only: "0612345678" (a phone number) and "+33..." stay strings. */
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/**
 * What `key=value` means on the command line: `true`/`false`/`null`, a plain decimal number, JSON
 * when it starts like an object, array or string, otherwise the text itself. A JSON-looking value
 * that does not parse stays text (raw `send data={...}` payloads exist); `key:=...` is strict JSON.
 */
export function parseValue(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (NUMBER.test(raw)) return Number(raw);
  if (/^[[{"]/.test(raw)) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * `preset=2 input=hdmi1 pan:=-0.5 number='"0612"'` → `{ preset: 2, input: 'hdmi1', pan: -0.5, number: '0612' }`.
 * `key:=value` takes the value as JSON (and fails when it is not).
 */
export function parseAssignments(items: string[]): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const item of items) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(:?=)([\s\S]*)$/.exec(item);
    if (!m) throw new UsageError(`expected key=value, got '${item}'`);
    const [, key, op, raw] = m as unknown as [string, string, string, string];
    if (Object.hasOwn(args, key)) throw new UsageError(`'${key}' is given twice`);
    if (op === ':=') {
      try {
        args[key] = JSON.parse(raw);
      } catch (err) {
        throw new UsageError(`${key}:= needs JSON: ${(err as Error).message}`);
      }
    } else {
      args[key] = parseValue(raw);
    }
  }
  return args;
}
