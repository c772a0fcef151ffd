import { documentOnly } from './document-only.ts';
import type { FastifyInstance } from 'fastify';
import { assertMatches } from '../../core/command.ts';
import type { ApiContext } from '../context.ts';
import { roomWide } from '../common/http-auth.ts';
import { EndRequest, MicrophonesRequest, StartRequest } from '../../core/meeting-requests.ts';

/** One-button start and end (docs/rest-api.md). Answers once every step settled. */
export function meetingRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.post('/api/v1/meeting/start', {
      ...documentOnly,
      schema: { tags: ['meeting'], summary: 'Start the meeting: every device of the start scene, in parallel', body: StartRequest },
    }, async (request) => {
      const body = request.body ?? {};
      return roomWide(ctx, request, 'meeting.start', 'meeting', () => assertMatches(StartRequest, body, 'body'), (source) => ctx.meeting.start(body as never, source));
    });

    app.post('/api/v1/meeting/microphones', {
      ...documentOnly,
      schema: { tags: ['meeting'], summary: 'Mute or unmute every microphone in the room at once (codec included)', body: MicrophonesRequest },
    }, async (request) => {
      const body = request.body ?? {};
      return roomWide(ctx, request, 'meeting.microphones', 'panelCommand', () => assertMatches(MicrophonesRequest, body, 'body'),
        (source) => ctx.meeting.setMicrophones((body as { muted: boolean }).muted, source));
    });

    app.post('/api/v1/meeting/end', {
      ...documentOnly,
      schema: { tags: ['meeting'], summary: 'End the meeting and power the room down', body: EndRequest },
    }, async (request) => {
      const body = request.body ?? {};
      return roomWide(ctx, request, 'meeting.end', 'meeting', () => assertMatches(EndRequest, body, 'body'), (source) => ctx.meeting.end(body as never, source));
    });
  };
}
