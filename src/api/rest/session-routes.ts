import { documentOnly } from './document-only.ts';
import type { FastifyInstance } from 'fastify';
import { Type } from '../../core/typebox.ts';
import { assertMatches } from '../../core/command.ts';
import { RoomError } from '../../core/errors.ts';
import { sessionsToCsv, MAX_LIST_LIMIT } from '../../sessions/index.ts';
import type { ApiContext } from '../context.ts';
import { authorize } from '../common/http-auth.ts';
import { EndRequest } from '../../core/meeting-requests.ts';
import { DateParam } from '../common/date-param.ts';

const ListQuery = Type.Object(
  {
    from: Type.Optional(DateParam),
    to: Type.Optional(DateParam),
    organisation: Type.Optional(Type.String({ maxLength: 120 })),
    limit: Type.Optional(Type.String({ pattern: '^\\d{1,5}$' })),
    offset: Type.Optional(Type.String({ pattern: '^\\d{1,9}$' })),
    bom: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')])),
    delimiter: Type.Optional(Type.Union([Type.Literal(','), Type.Literal(';')])),
  },
  { additionalProperties: false },
);
type ListQuery = { from?: string; to?: string; organisation?: string; limit?: string; offset?: string; bom?: string; delimiter?: ',' | ';' };

/** Bare dates and months are read by the store in the room's time zone; `to` includes that whole day or month. */
function range(q: ListQuery): { from?: string; to?: string } {
  return { ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) };
}

/** Sessions, CSV export and the km/CO₂ report (docs/rest-api.md, docs/session-log.md). */
export function sessionRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    const store = () => {
      if (!ctx.sessions) throw new RoomError('NotFound', 'the session log is not enabled');
      return ctx.sessions;
    };
    const query = (raw: unknown): ListQuery => {
      assertMatches(ListQuery, raw ?? {}, 'query', 'BadRequest');
      return raw as ListQuery;
    };

    app.get('/api/v1/sessions', { schema: { tags: ['sessions'], summary: 'Sessions, newest first', querystring: ListQuery }, ...documentOnly }, async (request) => {
      authorize(ctx, request, 'read');
      const q = query(request.query);
      return store().list({
        ...range(q),
        ...(q.organisation ? { organisation: q.organisation } : {}),
        limit: Math.min(Number(q.limit ?? 50), MAX_LIST_LIMIT),
        offset: Number(q.offset ?? 0),
      });
    });

    app.get('/api/v1/sessions.csv', { schema: { tags: ['sessions'], summary: 'Sessions as CSV (RFC 4180, UTF-8; ?bom=1 for spreadsheets)', querystring: ListQuery }, ...documentOnly }, async (request, reply) => {
      authorize(ctx, request, 'read');
      const q = query(request.query);
      const { sessions } = store().list({ ...range(q), ...(q.organisation ? { organisation: q.organisation } : {}), limit: MAX_LIST_LIMIT, offset: 0 });
      const csv = sessionsToCsv(sessions, { bom: q.bom === '1' || q.bom === 'true', ...(q.delimiter ? { delimiter: q.delimiter } : {}) });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="roomd-sessions-${ctx.config.room.id}.csv"`)
        .send(csv);
    });

    app.get<{ Params: { id: string } }>('/api/v1/sessions/:id', { schema: { tags: ['sessions'], summary: 'One session' } }, async (request) => {
      authorize(ctx, request, 'read');
      const session = store().get(request.params.id);
      if (!session) throw new RoomError('NotFound', `no session ${request.params.id}`);
      return session;
    });

    app.patch<{ Params: { id: string } }>('/api/v1/sessions/:id', {
      ...documentOnly,
      schema: { tags: ['sessions'], summary: 'Correct the travel avoided (technician)', body: EndRequest },
    }, async (request) => {
      authorize(ctx, request, 'admin');
      const body = (request.body ?? {}) as EndRequest;
      assertMatches(EndRequest, body, 'body');
      if (!store().get(request.params.id)) throw new RoomError('NotFound', `no session ${request.params.id}`);
      return store().updateTravel(request.params.id, body.avoidedTravel ?? []);
    });

    app.get('/api/v1/report', { schema: { tags: ['sessions'], summary: 'Meetings, minutes, km and CO₂ avoided, by organisation and month', querystring: ListQuery }, ...documentOnly }, async (request) => {
      authorize(ctx, request, 'read');
      const q = query(request.query);
      return store().report({ ...range(q), ...(q.organisation ? { organisation: q.organisation } : {}) });
    });
  };
}
