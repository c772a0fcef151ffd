import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { assertMatches } from '../../core/command.ts';
import { RoomError } from '../../core/errors.ts';
import { wallTimeToUtc, zonedDay } from '../../calendar/wall-time.ts';
import { systemTimeZone } from '../../sessions/time.ts';
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

/** A query bound: an instant, or the start of a room day (`to` as a bare date includes that day). */
function bound(value: string, timeZone: string, end: boolean): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!date) return Date.parse(value);
  const [y, m, d] = date.slice(1).map(Number) as [number, number, number];
  return wallTimeToUtc({ year: y, month: m, day: d + (end ? 1 : 0), hour: 0, minute: 0, second: 0 }, timeZone);
}

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
      const from = q.from ? bound(q.from, zone, false) : zonedDay(Date.now(), zone).start;
      const to = q.to ? bound(q.to, zone, true) : from + 8 * DAY_MS;
      if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RoomError('BadRequest', 'query.from / query.to: not a valid date');
      if (to <= from) throw new RoomError('BadRequest', 'query.to must be after query.from');
      if (to - from > 400 * DAY_MS) throw new RoomError('BadRequest', 'query: at most 400 days at once');
      return { bookings: calendar.list(from, to) };
    });
  };
}
