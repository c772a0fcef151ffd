import type { FastifyRequest } from 'fastify';
import { RoomError } from '../../core/errors.ts';
import { allows, type Identity, type Permission } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import type { CommandSource } from '../../core/command.ts';

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
