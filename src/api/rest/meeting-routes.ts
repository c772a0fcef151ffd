import { documentOnly } from './document-only.ts';
import type { FastifyInstance } from 'fastify';
import { assertMatches } from '../../core/command.ts';
import type { ApiContext } from '../context.ts';
import { authorize, sourceOf } from '../common/http-auth.ts';
import { EndRequest, MicrophonesRequest, StartRequest } from '../../core/meeting-requests.ts';

/** One-button start and end (CONTRACT §4). Answers once every step settled. */
export function meetingRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.post('/api/v1/meeting/start', {
      ...documentOnly,
      schema: { tags: ['meeting'], summary: 'Start the meeting: every device of the start scene, in parallel', body: StartRequest },
    }, async (request) => {
      const identity = authorize(ctx, request, 'meeting');
      const body = request.body ?? {};
      assertMatches(StartRequest, body, 'body');
      return ctx.meeting.start(body as StartRequest, sourceOf(identity));
    });

    app.post('/api/v1/meeting/microphones', {
      ...documentOnly,
      schema: { tags: ['meeting'], summary: 'Mute or unmute every microphone in the room at once (codec included)', body: MicrophonesRequest },
    }, async (request) => {
      const identity = authorize(ctx, request, 'panelCommand');
      const body = request.body ?? {};
      assertMatches(MicrophonesRequest, body, 'body');
      return ctx.meeting.setMicrophones((body as MicrophonesRequest).muted, sourceOf(identity));
    });

    app.post('/api/v1/meeting/end', {
      ...documentOnly,
      schema: { tags: ['meeting'], summary: 'End the meeting and power the room down', body: EndRequest },
    }, async (request) => {
      const identity = authorize(ctx, request, 'meeting');
      const body = request.body ?? {};
      assertMatches(EndRequest, body, 'body');
      return ctx.meeting.end(body as EndRequest, sourceOf(identity));
    });
  };
}
