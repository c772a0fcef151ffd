import { randomUUID } from 'node:crypto';
import { TypeCompiler, type TSchema, type TypeCheck } from './typebox.ts';
import { COMMANDS, type CapabilityName } from './capabilities.ts';
import { RoomError } from './errors.ts';

/** Who asked: the surface a command came through and, when authenticated, the token's name and role. */
export interface CommandSource {
  surface: 'rest' | 'mqtt' | 'ws' | 'panel' | 'scene' | 'cli' | 'system' | 'test';
  identity?: string;
  role?: 'panel' | 'technician' | 'readonly';
}

/** Every surface's request becomes one of these before anything else happens. */
export interface Command {
  id: string;
  device: string;
  command: string;
  args: Record<string, unknown>;
  source: CommandSource;
  receivedAt: number; // performance.now() when the surface got it, for latency figures
}

/** A command after validation: its capability is known and its args match the schema. */
export interface ValidatedCommand extends Command {
  capability: CapabilityName;
}

export function makeCommand(
  device: string,
  command: string,
  args: unknown,
  source: CommandSource,
  id: string = randomUUID(),
): Command {
  return {
    id,
    device,
    command,
    args: (args ?? {}) as Record<string, unknown>,
    source,
    receivedAt: performance.now(),
  };
}

const compiled = new Map<TSchema, TypeCheck<TSchema>>();
function checkerFor(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

/**
 * Validates a value against a schema and throws `BadArgs` naming the first offending field,
 * e.g. `args.level: Expected integer` — precise enough for a technician to fix the request.
 */
export function assertMatches(schema: TSchema, value: unknown, where: string, code: 'BadArgs' | 'BadRequest' = 'BadArgs'): void {
  const check = checkerFor(schema);
  if (check.Check(value)) return;
  const errors = [...check.Errors(value)].slice(0, 5);
  const first = errors[0];
  const path = first && first.path ? `${where}${first.path.replaceAll('/', '.')}` : where;
  const message = first ? `${path}: ${first.message}` : `${where}: invalid`;
  throw new RoomError(code, message, {
    errors: errors.map((e) => ({ path: `${where}${e.path.replaceAll('/', '.')}`, message: e.message })),
  });
}

/** Resolves a command's capability and validates its args, or throws UnknownCommand / BadArgs. */
export function validateCommand(cmd: Command): ValidatedCommand {
  const spec = COMMANDS.get(cmd.command);
  if (!spec) throw new RoomError('UnknownCommand', `unknown command '${cmd.command}'`);
  if (cmd.args === null || typeof cmd.args !== 'object' || Array.isArray(cmd.args)) {
    throw new RoomError('BadArgs', 'args: expected a JSON object');
  }
  assertMatches(spec.args, cmd.args, 'args');
  return { ...cmd, capability: spec.capability };
}
