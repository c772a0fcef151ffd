import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import rateLimit from '@fastify/rate-limit';
import cors from '@fastify/cors';
import { RoomError } from '../../core/errors.ts';
import type { ApiContext } from '../context.ts';
import { eventsRoute } from '../ws/events.ts';
import { deviceRoutes } from './device-routes.ts';
import { errorHandler, sendError } from '../common/http-errors.ts';
import { meetingRoutes } from './meeting-routes.ts';
import { stateRoutes } from './state-routes.ts';
import { adminRoutes } from './admin-routes.ts';
import { lazyDocs } from './docs.ts';
import { guardRequest } from '../common/request-guard.ts';
import { auditRoutes } from './audit-routes.ts';
import { lazySchemaController } from '../common/lazy-schema-compilers.ts';

/** Extra route plugins registered by other modules (sessions, panel, metrics), each given the context. */
export type RoutePlugin = (ctx: ApiContext) => (app: FastifyInstance) => Promise<void>;

/**
 * Builds the HTTP server: REST under /api/v1, the WebSocket, OpenAPI at /openapi.json and docs at
 * /docs. Routes are encapsulated plugins handed the core façade explicitly.
 */
export async function buildServer(ctx: ApiContext, plugins: RoutePlugin[] = []): Promise<FastifyInstance> {
  const http = ctx.config.http;
  const app = Fastify({
    loggerInstance: ctx.log as unknown as FastifyBaseLogger,
    // Per-request logs would drown the journal (panels poll); commands are logged by the core instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: http.bodyLimitBytes,
    // Validation happens once, in the core, against the capability schemas; fastify must not
    // silently strip or coerce what the client sent.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    schemaController: lazySchemaController(),
    forceCloseConnections: true,
    return503OnClosing: true,
  });

  // Our own JSON parser: an empty body means "no arguments", and a malformed one says where it broke.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (Buffer.byteLength(body as string) > ctx.config.http.bodyLimitBytes) {
      return done(tooLarge(ctx), undefined);
    }
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new RoomError('BadRequest', `body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });

  app.setErrorHandler(errorHandler(ctx.log));
  app.setNotFoundHandler((request, reply) => sendError(reply, new RoomError('NotFound', `no route ${request.method} ${request.url.split('?')[0]}`)));

  // Mutating routes are rate limited per client: its identity (the token's name) when it has a
  // valid token, else its address, so spelling one token differently (`bearer`, extra spaces)
  // never buys a new bucket. Reads are cheap (served from the store) and not limited. The limit
  // is read at each request, so a reload applies it.
  // (This hook must come before the plugin's own onRoute hook, which reads config.rateLimit.)
  const maxPerMinute = () => ctx.config.http.rateLimitPerMinute;
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => m === 'POST' || m === 'PATCH' || m === 'PUT' || m === 'DELETE')) {
      route.config = { ...(route.config as object), rateLimit: { max: maxPerMinute, timeWindow: 60_000 } } as never;
    }
  });
  await app.register(rateLimit, {
    global: false,
    max: maxPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => rateLimitKey(ctx, request),
    errorResponseBuilder: (_request, context) => new RoomError('RateLimited', `too many requests: at most ${context.max} per minute; retry in ${context.after}`),
  });
  // No CORS unless configured (the panel is served from the same origin); read at each request,
  // so a reload applies it.
  await app.register(cors, {
    origin: (origin, callback) => {
      const allowed = ctx.config.http.cors ?? [];
      callback(null, origin !== undefined && (allowed.includes('*') || allowed.includes(origin)) ? origin : false);
    },
    methods: ['GET', 'POST', 'PATCH'],
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'roomd', version: '1', description: 'Room-hardware control: devices, commands, meetings, sessions; the guide is docs/rest-api.md in the repository' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // Host and Origin before rate limits, authentication or any handler (see ../common/request-guard.ts). Added
  // after the WebSocket plugin, whose own onRequest hook must run first: it marks upgrade requests
  // so that a refused upgrade's socket is closed once answered.
  app.addHook('onRequest', async (request) => guardRequest(request, ctx.config.http, !ctx.auth.open));
  // The body limit can be lowered by a reload: fastify's own `bodyLimit` (fixed at start) stays
  // the ceiling; the current value is checked on the declared length here and the actual length
  // in the parser (chunked bodies).
  app.addHook('onRequest', async (request) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > ctx.config.http.bodyLimitBytes) throw tooLarge(ctx);
  });
  // After the hooks: /docs is guarded like every route.
  lazyDocs(app, '/docs');


  await app.register(stateRoutes(ctx));
  await app.register(deviceRoutes(ctx));
  await app.register(meetingRoutes(ctx));
  await app.register(eventsRoute(ctx));
  await app.register(adminRoutes(ctx));
  await app.register(auditRoutes(ctx));
  for (const plugin of plugins) await app.register(plugin(ctx));

  app.get('/openapi.json', { schema: { hide: true } as never }, async () => app.swagger());
  await app.ready();
  return app;
}

function tooLarge(ctx: ApiContext): RoomError {
  return new RoomError('PayloadTooLarge', `body larger than http.bodyLimitBytes (${ctx.config.http.bodyLimitBytes} bytes)`);
}

/** The rate-limit bucket of a request: `id:<token name>` when it authenticates, else `ip:<address>`. */
export function rateLimitKey(ctx: ApiContext, request: FastifyRequest): string {
  try {
    return `id:${ctx.auth.identify(request.headers.authorization, request.socket.remoteAddress).name}`;
  } catch {
    return `ip:${request.ip}`;
  }
}
