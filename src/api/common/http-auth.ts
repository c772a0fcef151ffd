import type { FastifyRequest } from 'fastify';
import { RoomError } from '../../core/errors.ts';
import { allows, type Identity, type Permission } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { makeCommand, type Command, type CommandSource } from '../../core/command.ts';

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
  }
}

/** Authenticates the request (once) and checks that its role allows `permission`. */
export function authorize(ctx: ApiContext, request: FastifyRequest, permission: Permission): Identity {
  const identity = request.identity ?? ctx.auth.identify(request.headers.authorization, request.socket.remoteAddress);
  request.identity = identity;
  if (!allows(identity.role, permission)) {
    throw new RoomError('Forbidden', `the ${identity.role} role may not do this`);
  }
  return identity;
}

export function sourceOf(identity: Identity, surface: CommandSource['surface'] = 'rest'): CommandSource {
  return { surface, identity: identity.name, role: identity.role };
}

/** Who a refused, unauthenticated command is audited as. */
export const ANONYMOUS = 'anonymous';

/**
 * Turns a request into a command on the bus's terms: authenticated here (a refusal is audited
 * before it is thrown), the role checked by the core with every other rule, so 401, 403, 400
 * and 404 all leave an audit row.
 */
export function commandFrom(ctx: ApiContext, request: FastifyRequest, device: string, name: string, args: unknown, surface: CommandSource['surface'] = 'rest'): Command {
  const command = makeCommand(device, name, args ?? {}, { surface, identity: ANONYMOUS });
  try {
    const identity = request.identity ?? ctx.auth.identify(request.headers.authorization, request.socket.remoteAddress);
    request.identity = identity;
    command.source = sourceOf(identity, surface);
  } catch (err) {
    throw ctx.room.refuse(command, err);
  }
  return command;
}

/**
 * Runs a room-wide command (`meeting.start`, `meeting.end`, `meeting.microphones`): checks the
 * role and the body (`check`), runs it, and reports the outcome for the audit either way.
 */
export async function roomWide<T>(ctx: ApiContext, request: FastifyRequest, name: string, permission: Permission, check: () => void, run: (source: CommandSource) => Promise<T>): Promise<T> {
  const command = commandFrom(ctx, request, '', name, request.body);
  try {
    if (!allows(command.source.role!, permission)) throw new RoomError('Forbidden', `the ${command.source.role} role may not do this`);
    check();
  } catch (err) {
    throw ctx.room.refuse(command, err);
  }
  try {
    const result = await run(command.source);
    ctx.room.settle(command);
    return result;
  } catch (err) {
    throw ctx.room.settle(command, err);
  }
}
