import type { FastifyInstance } from 'fastify';
import { ConfigError, formatProblem } from '../../config/problems.ts';
import { RoomError } from '../../core/errors.ts';
import type { ApiContext } from '../context.ts';
import { authorize } from './auth-hook.ts';

/** Technician operations. `POST /api/v1/config/reload` validates first: a bad file changes nothing. */
export function adminRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.post('/api/v1/config/reload', { schema: { tags: ['admin'], summary: 'Re-read the config file (technician)' } }, async (request) => {
      authorize(ctx, request, 'admin');
      if (!ctx.reload) throw new RoomError('Unsupported', 'reload is not available');
      try {
        return { ok: true, ...(await ctx.reload()) };
      } catch (err) {
        if (err instanceof ConfigError) {
          throw new RoomError('ConfigError', `config not reloaded, nothing changed: ${err.problems.length} problem(s)`, {
            problems: err.problems.map(formatProblem),
          });
        }
        throw err;
      }
    });
  };
}
