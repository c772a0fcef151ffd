import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { SnapshotCache } from '../snapshot.ts';
import { authorize } from '../common/http-auth.ts';

/** Health and the whole-room state. Neither ever touches a device. */
export function stateRoutes(ctx: ApiContext) {
  const cache = new SnapshotCache(ctx.room, ctx.meeting);
  return async (app: FastifyInstance) => {
    app.get('/api/v1/health', { schema: { tags: ['state'], summary: 'ok, or degraded when a device or a service is down' } }, async () => {
      const devices = Object.fromEntries(ctx.room.devices().map((d) => [d.id, d.online]));
      const checks = ctx.health.run();
      const healthy = Object.values(devices).every(Boolean) && Object.values(checks).every((c) => c.ok);
      return { status: healthy ? 'ok' : 'degraded', devices, checks };
    });

    app.get('/api/v1/state', { schema: { tags: ['state'], summary: 'room, devices and meeting, from the state store' } }, async (request, reply) => {
      authorize(ctx, request, 'read');
      return reply.type('application/json; charset=utf-8').send(cache.get());
    });
  };
}
