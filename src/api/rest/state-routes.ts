import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiContext } from '../context.ts';
import { SnapshotCache } from '../snapshot.ts';
import { authorize } from '../common/http-auth.ts';

/** Health and the whole-room state. Neither ever touches a device. */
export function stateRoutes(ctx: ApiContext) {
  const cache = new SnapshotCache(ctx.room, ctx.meeting);
  return async (app: FastifyInstance) => {
    app.get('/api/v1/health', {
      schema: { tags: ['state'], summary: 'ok, or degraded when a device or a service is down; devices and checks for authenticated callers only' },
    }, async (request) => {
      const devices = Object.fromEntries(ctx.room.devices().map((d) => [d.id, d.online]));
      const checks = ctx.health.run();
      const healthy = Object.values(devices).every(Boolean) && Object.values(checks).every((c) => c.ok);
      const status = healthy ? 'ok' : 'degraded';
      // Monitoring needs no token for the status; which devices exist, and file paths in the
      // checks, are for callers the API would serve anyway (a token, or this machine without tokens).
      if (!identified(ctx, request)) return { status };
      return { status, devices, checks };
    });

    app.get('/api/v1/state', { schema: { tags: ['state'], summary: 'room, devices and meeting, from the state store' } }, async (request, reply) => {
      authorize(ctx, request, 'read');
      return reply.type('application/json; charset=utf-8').send(cache.get());
    });
  };
}

/** Whether the request authenticates (a valid token, or a loopback client in token-less mode). */
function identified(ctx: ApiContext, request: FastifyRequest): boolean {
  try {
    request.identity ??= ctx.auth.identify(request.headers.authorization, request.socket.remoteAddress);
    return true;
  } catch {
    return false;
  }
}
