import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';

/** The touch panel at `/`. Placeholder until the panel lands. */
export function panelRoutes(_ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.get('/', { schema: { hide: true } as never }, async (_request, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><title>roomd</title><p>roomd</p>'));
  };
}
