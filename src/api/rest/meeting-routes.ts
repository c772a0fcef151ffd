import { documentOnly } from './document-only.ts';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { assertMatches } from '../../core/command.ts';
import type { ApiContext } from '../context.ts';
import { authorize, sourceOf } from './auth-hook.ts';

const Travel = Type.Array(
  Type.Object(
    {
      site: Type.String({ minLength: 1 }),
      people: Type.Integer({ minimum: 1, maximum: 500 }),
      carpool: Type.Optional(Type.Union([Type.Boolean(), Type.Integer({ minimum: 1, maximum: 500 })])),
    },
    { additionalProperties: false },
  ),
  { maxItems: 50 },
);
export const StartBody = Type.Object(
  {
    organisation: Type.Optional(Type.String({ maxLength: 120 })),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    dial: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    avoidedTravel: Type.Optional(Travel),
    booking: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'a booking id from GET /api/v1/bookings: organisation, title and dial come from it' })),
  },
  { additionalProperties: false },
);
export const MicrophonesBody = Type.Object({ muted: Type.Boolean() }, { additionalProperties: false });
export const EndBody = Type.Object({ avoidedTravel: Type.Optional(Travel) }, { additionalProperties: false });

/** One-button start and end (CONTRACT §4). Answers once every step settled. */
export function meetingRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.post('/api/v1/meeting/start', {
      ...documentOnly,
      schema: { tags: ['meeting'], summary: 'Start the meeting: every device of the start scene, in parallel', body: StartBody },
    }, async (request) => {
      const identity = authorize(ctx, request, 'meeting');
      const body = request.body ?? {};
      assertMatches(StartBody, body, 'body');
      return ctx.meeting.start(body as never, sourceOf(identity));
    });

    app.post('/api/v1/meeting/microphones', {
      ...documentOnly,
      schema: { tags: ['meeting'], summary: 'Mute or unmute every microphone in the room at once (codec included)', body: MicrophonesBody },
    }, async (request) => {
      const identity = authorize(ctx, request, 'panelCommand');
      const body = request.body ?? {};
      assertMatches(MicrophonesBody, body, 'body');
      return ctx.meeting.setMicrophones((body as { muted: boolean }).muted, sourceOf(identity));
    });

    app.post('/api/v1/meeting/end', {
      ...documentOnly,
      schema: { tags: ['meeting'], summary: 'End the meeting and power the room down', body: EndBody },
    }, async (request) => {
      const identity = authorize(ctx, request, 'meeting');
      const body = request.body ?? {};
      assertMatches(EndBody, body, 'body');
      return ctx.meeting.end(body as never, sourceOf(identity));
    });
  };
}
