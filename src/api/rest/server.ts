import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import rateLimit from '@fastify/rate-limit';
import cors from '@fastify/cors';
import { createHash } from 'node:crypto';
import { RoomError } from '../../core/errors.ts';
import type { ApiContext } from '../context.ts';
import { eventsRoute } from '../ws/events.ts';
import { deviceRoutes } from './device-routes.ts';
import { errorHandler, sendError } from './errors.ts';
import { meetingRoutes } from './meeting-routes.ts';
import { stateRoutes } from './state-routes.ts';
import { adminRoutes } from './admin-routes.ts';
import { lazyDocs } from './docs.ts';

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
    forceCloseConnections: true,
    return503OnClosing: true,
  });

  // Our own JSON parser: an empty body means "no arguments", and a malformed one says where it broke.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
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

  // Mutating routes are rate limited per client (token, else address): a stuck script or a panel
  // gone wrong cannot flood the devices. Reads are cheap (served from the store) and not limited.
  // (This hook must come before the plugin's own onRoute hook, which reads config.rateLimit.)
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => m === 'POST' || m === 'PATCH' || m === 'PUT' || m === 'DELETE')) {
      route.config = { ...(route.config as object), rateLimit: { max: http.rateLimitPerMinute, timeWindow: 60_000 } } as never;
    }
  });
  await app.register(rateLimit, {
    global: false,
    max: http.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const auth = request.headers.authorization;
      return auth ? createHash('sha256').update(auth).digest('hex').slice(0, 16) : request.ip;
    },
    errorResponseBuilder: (_request, context) => new RoomError('RateLimited', `too many requests: at most ${context.max} per minute; retry in ${context.after}`),
  });
  // No CORS unless configured: the panel is served from the same origin.
  if (http.cors?.length) await app.register(cors, { origin: http.cors, methods: ['GET', 'POST', 'PATCH'] });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'roomd', version: '1', description: 'Room-hardware control: devices, commands, meetings, sessions (CONTRACT §4)' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  lazyDocs(app, '/docs');
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  await app.register(stateRoutes(ctx));
  await app.register(deviceRoutes(ctx));
  await app.register(meetingRoutes(ctx));
  await app.register(eventsRoute(ctx));
  await app.register(adminRoutes(ctx));
  for (const plugin of plugins) await app.register(plugin(ctx));

  app.get('/openapi.json', { schema: { hide: true } as never }, async () => app.swagger());
  await app.ready();
  return app;
}
