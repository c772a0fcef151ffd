import type { FastifyInstance } from 'fastify';
import { Type } from '../../core/typebox.ts';
import { RoomError } from '../../core/errors.ts';
import type { ApiContext } from '../context.ts';
import { authorize, roomWide } from '../common/http-auth.ts';
import { documentOnly } from './document-only.ts';

export const SelfTestSchema = Type.Object({
  ok: Type.Boolean(),
  at: Type.String({ format: 'date-time' }),
  reason: Type.Optional(Type.String()),
  checks: Type.Array(
    Type.Object({
      device: Type.String(),
      check: Type.String({ description: 'answers, power, registration, levels or position (what the driver declares)' }),
      ok: Type.Boolean(),
      ms: Type.Number(),
      detail: Type.Optional(Type.String()),
    }),
  ),
});

/** `POST /api/v1/selftest` runs the room's self-test (panel, technician); `GET` reads the last one. */
export function selftestRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    const service = () => {
      if (!ctx.selftest) throw new RoomError('NotFound', 'the self-test is not available');
      return ctx.selftest;
    };
    app.post('/api/v1/selftest', {
      ...documentOnly,
      schema: { tags: ['selftest'], summary: 'Run the self-test now: every device, the checks its driver declares', response: { 200: SelfTestSchema } },
    }, async (request) => {
      return roomWide(ctx, request, 'selftest.run', 'meeting', () => service(), () => service().run('rest'));
    });
    app.get('/api/v1/selftest', {
      ...documentOnly,
      schema: { tags: ['selftest'], summary: 'The last self-test (404 before the first)', response: { 200: SelfTestSchema } },
    }, async (request) => {
      authorize(ctx, request, 'read');
      return service().latest();
    });
  };
}
