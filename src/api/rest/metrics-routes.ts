import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { RoomMetrics } from '../../ops/metrics.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../../ops/prometheus.ts';
import { authorize } from '../common/http-auth.ts';

/**
 * `GET /metrics` in the Prometheus text format (docs/rest-api.md). Reads counters and the state store
 * only — a scrape never touches a device. Same access rule as any GET: the `readonly` role is
 * enough (give Prometheus its own readonly token: `authorization: { credentials_file: ... }`).
 */
export function metricsRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    const metrics = new RoomMetrics({ room: ctx.room, meeting: ctx.meeting, ...(ctx.sessions ? { sessions: ctx.sessions } : {}) });
    app.addHook('onClose', async () => metrics.close());
    app.get('/metrics', {
      schema: { tags: ['ops'], summary: 'Prometheus metrics (text format 0.0.4)' },
    }, async (request, reply) => {
      authorize(ctx, request, 'read');
      return reply.type(PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(metrics.render());
    });
  };
}
