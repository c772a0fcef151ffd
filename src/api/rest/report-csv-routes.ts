import type { FastifyInstance } from 'fastify';
import { Type } from '../../core/typebox.ts';
import { assertMatches } from '../../core/command.ts';
import { RoomError } from '../../core/errors.ts';
import { toCsv } from '../../sessions/csv.ts';
import type { ApiContext } from '../context.ts';
import { authorize } from '../common/http-auth.ts';
import { documentOnly } from './document-only.ts';
import { DateParam } from '../common/date-param.ts';

const Query = Type.Object(
  {
    from: Type.Optional(DateParam),
    to: Type.Optional(DateParam),
    bom: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')])),
    delimiter: Type.Optional(Type.Union([Type.Literal(','), Type.Literal(';')])),
  },
  { additionalProperties: false },
);

/** Column order of the report export (stable: spreadsheets depend on it). */
export const REPORT_CSV_COLUMNS = ['organisation', 'sessions', 'minutes', 'kmAvoided', 'co2Kg', 'booked', 'held', 'noShows'] as const;

/** `GET /api/v1/report.csv`: the report per organisation, with bookings held and no-shows. */
export function reportCsvRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/report.csv', {
      ...documentOnly,
      schema: { tags: ['sessions'], summary: 'The report per organisation as CSV: meetings, minutes, km, CO₂, bookings held and no-shows', querystring: Query },
    }, async (request, reply) => {
      authorize(ctx, request, 'read');
      const q = (request.query ?? {}) as { from?: string; to?: string; bom?: string; delimiter?: ',' | ';' };
      assertMatches(Query, q, 'query', 'BadRequest');
      if (!ctx.sessions) throw new RoomError('NotFound', 'the session log is not enabled');
      const report = ctx.sessions.report({ ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) });
      const rows = new Map<string | null, Array<string | number | null>>();
      for (const o of report.byOrganisation) rows.set(o.organisation, [o.organisation, o.sessions, o.minutes, o.kmAvoided, o.co2Kg, 0, 0, 0]);
      for (const b of report.bookings.byOrganisation) {
        const row = rows.get(b.organisation) ?? [b.organisation, 0, 0, 0, 0, 0, 0, 0];
        row.splice(5, 3, b.booked, b.held, b.noShows);
        rows.set(b.organisation, row);
      }
      const csv = toCsv(REPORT_CSV_COLUMNS, [...rows.values()], { bom: q.bom === '1' || q.bom === 'true', ...(q.delimiter ? { delimiter: q.delimiter } : {}) });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="roomd-report-${ctx.config.room.id}.csv"`)
        .send(csv);
    });
  };
}
