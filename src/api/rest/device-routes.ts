import { documentOnly } from './document-only.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '../../core/typebox.ts';
import { COMMANDS, deviceStateSchema } from '../../core/capabilities.ts';
import type { ApiContext } from '../context.ts';
import { authorize, commandFrom } from '../common/http-auth.ts';

const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });
const DeviceSchema = Type.Object({
  id: Type.String(),
  driver: Type.String(),
  name: Type.Optional(Type.String()),
  online: Type.Boolean(),
  capabilities: Type.Array(Type.String()),
  commands: Type.Optional(Type.Array(Type.String(), { description: 'the commands this device accepts (its driver declares them); any other answers 409 Unsupported' })),
  feedback: Type.Record(Type.String(), Type.String()),
  state: deviceStateSchema(),
  lastError: Type.Optional(Type.Object({ code: Type.String(), message: Type.String(), at: Type.String() })),
});
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };

/** `GET /api/v1/devices[/:id]` read the store only; `POST .../commands/:command` goes through the command bus. */
export function deviceRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/devices', {
      schema: { tags: ['devices'], summary: 'All devices', response: { 200: Type.Array(DeviceSchema) } },
    }, async (request) => {
      authorize(ctx, request, 'read');
      return ctx.room.devices();
    });

    app.get<{ Params: { id: string } }>('/api/v1/devices/:id', {
      schema: { tags: ['devices'], summary: 'One device', params: Type.Object({ id: Type.String() }), response: { 200: DeviceSchema, 404: ErrorBody } },
    }, async (request) => {
      authorize(ctx, request, 'read');
      return ctx.room.device(request.params.id);
    });

    const handler = async (request: FastifyRequest<{ Params: { id: string; command?: string } }>) => {
      const command = request.params.command ?? (request.routeOptions.config as unknown as { command: string }).command;
      return ctx.room.execute(commandFrom(ctx, request, request.params.id, command, request.body));
    };

    // One documented route per command, with its argument schema (the same TypeBox schema the core
    // validates with); validation itself happens once, in the core, so every surface says the same.
    for (const [name, spec] of COMMANDS) {
      // Which of this room's devices accept it: the drivers' own declarations, as the core checks them.
      const accepting = ctx.room.devices().filter((d) => (d.commands ?? []).includes(name)).map((d) => d.id);
      app.post(`/api/v1/devices/:id/commands/${name}`, {
        ...documentOnly,
        config: { command: name },
        schema: {
          tags: ['commands'],
          summary: `${name} (${spec.capability})`,
          description: `Accepted by the devices whose driver declares it (their \`commands\`); any other answers 409 Unsupported before anything is sent. Here, at start-up: ${accepting.join(', ') || 'none'}.`,
          params: Type.Object({ id: Type.String() }),
          body: spec.args as TSchema,
          response: { 200: Type.Object({ ok: Type.Literal(true), state: deviceStateSchema() }), ...errors },
        },
      }, handler as never);
    }
    app.post('/api/v1/devices/:id/commands/:command', {
      schema: { hide: true } as never,
    }, handler as never);
  };
}
