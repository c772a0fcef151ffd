import type { FastifyInstance } from 'fastify';
import { Type } from '../../core/typebox.ts';
import { assertMatches } from '../../core/command.ts';
import { RoomError } from '../../core/errors.ts';
import type { AuditRecord } from '../../sessions/types.ts';
import type { ApiContext } from '../context.ts';
import { authorize } from '../common/http-auth.ts';
import { documentOnly } from './document-only.ts';
import { DateParam } from '../common/date-param.ts';

/** Longest page of audit rows one request may ask for. */
export const MAX_AUDIT_LIMIT = 1000;

const AuditQuery = Type.Object(
  {
    from: Type.Optional(DateParam),
    to: Type.Optional(DateParam),
    limit: Type.Optional(Type.String({ pattern: '^\\d{1,5}$', description: `rows, newest first (default 100, at most ${MAX_AUDIT_LIMIT})` })),
  },
  { additionalProperties: false },
);

const AuditEntry = Type.Object({
  at: Type.String({ description: 'ISO 8601, when the command was received' }),
  who: Type.String({ description: 'token name, `local` (token-less loopback), `tech-pin`, `mqtt`, or `anonymous` for a refused unauthenticated request' }),
  surface: Type.String({ description: 'rest, ws, mqtt, panel, scene, system' }),
  device: Type.Union([Type.String(), Type.Null()], { description: 'null for room-wide commands (meeting.*)' }),
  command: Type.String(),
  outcome: Type.String({ description: '`ok`, or the error code it was refused or failed with (Forbidden, BadArgs, UnknownCommand, DeviceTimeout, ...)' }),
  ms: Type.Union([Type.Number(), Type.Null()], { description: 'from receipt to outcome' }),
});
const AuditAnswer = Type.Object({ entries: Type.Array(AuditEntry) });

/** One audit row as the API shows it. */
export function auditEntry(r: AuditRecord) {
  return { at: r.at, who: r.who, surface: r.surface, device: r.device, command: r.command, outcome: r.ok ? 'ok' : r.errorCode ?? 'error', ms: r.latencyMs };
}

/** `GET /api/v1/audit` (technician): every command received, refusals included, newest first. */
export function auditRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/audit', {
      ...documentOnly,
      schema: { tags: ['admin'], summary: 'Every command received, refusals included, newest first (technician)', querystring: AuditQuery, response: { 200: AuditAnswer } },
    }, async (request) => {
      authorize(ctx, request, 'admin');
      const q = (request.query ?? {}) as { from?: string; to?: string; limit?: string };
      assertMatches(AuditQuery, q, 'query', 'BadRequest');
      if (!ctx.sessions) throw new RoomError('NotFound', 'the session log (which keeps the audit) is not enabled');
      const rows = ctx.sessions.auditEntries({
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        limit: Math.min(Number(q.limit ?? 100), MAX_AUDIT_LIMIT),
      });
      return { entries: rows.map(auditEntry) };
    });
  };
}
