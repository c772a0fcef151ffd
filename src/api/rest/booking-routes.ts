import type { FastifyInstance } from 'fastify';
import { Type } from '../../core/typebox.ts';
import { assertMatches } from '../../core/command.ts';
import { RoomError } from '../../core/errors.ts';
import { zonedDay } from '../../calendar/wall-time.ts';
import { systemTimeZone, toMs } from '../../sessions/time.ts';
import type { ApiContext } from '../context.ts';
import { authorize } from '../common/http-auth.ts';
import { documentOnly } from './document-only.ts';

const When = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2}))?$',
  description: 'ISO 8601 instant with its offset, or a bare date (the room’s day)',
});
const BookingsQuery = Type.Object({ from: Type.Optional(When), to: Type.Optional(When) }, { additionalProperties: false });

export const BookingSchema = Type.Object({
  id: Type.String(),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  title: Type.String(),
  organisation: Type.Optional(Type.String()),
  dial: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('upcoming'), Type.Literal('held'), Type.Literal('no-show'), Type.Literal('cancelled')]),
});
const BookingsAnswer = Type.Object({ bookings: Type.Array(BookingSchema) });

const DAY_MS = 86_400_000;

/** `GET /api/v1/bookings`: the room's bookings (from the calendar), today and the next 7 days unless asked. */
export function bookingRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/bookings', {
      ...documentOnly,
      schema: { tags: ['bookings'], summary: 'Bookings from the room’s calendar, with what became of each', querystring: BookingsQuery, response: { 200: BookingsAnswer } },
    }, async (request) => {
      authorize(ctx, request, 'read');
      const q = (request.query ?? {}) as { from?: string; to?: string };
      assertMatches(BookingsQuery, q, 'query', 'BadRequest');
      const calendar = ctx.calendar;
      if (!calendar) throw new RoomError('NotFound', 'bookings are off: no calendar is configured');
      const zone = ctx.config.room.timezone ?? systemTimeZone();
      // Bare dates are the room's days, read as the session report reads them (impossible dates refused).
      const from = q.from ? toMs(q.from, 'query.from', zone, 'from') : zonedDay(Date.now(), zone).start;
      const to = q.to ? toMs(q.to, 'query.to', zone, 'to') : from + 8 * DAY_MS;
      if (to <= from) throw new RoomError('BadRequest', 'query.to must be after query.from');
      if (to - from > 400 * DAY_MS) throw new RoomError('BadRequest', 'query: at most 400 days at once');
      return { bookings: calendar.list(from, to) };
    });
  };
}
