import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { Type } from '../core/typebox.ts';
import { allows, Authenticator } from '../api/auth.ts';
import { errorHandler, sendError } from '../api/common/http-errors.ts';
import { DateParam } from '../api/common/date-param.ts';
import { guardRequest } from '../api/common/request-guard.ts';
import { assertMatches } from '../core/command.ts';
import { RoomError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { SESSION_CSV_COLUMNS, sessionCsvCells, toCsv } from '../sessions/csv.ts';
import { registerFleetPage } from './page/routes.ts';
import type { FleetConfig } from './config.ts';
import type { FleetStore } from './store.ts';
import { lazySchemaController } from '../api/common/lazy-schema-compilers.ts';

const RangeQuery = Type.Object(
  {
    from: Type.Optional(DateParam),
    to: Type.Optional(DateParam),
    bom: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')])),
    delimiter: Type.Optional(Type.Union([Type.Literal(','), Type.Literal(';')])),
  },
  { additionalProperties: false },
);
type RangeQuery = { from?: string; to?: string; bom?: string; delimiter?: ',' | ';' };

/** The fleet CSV: the room first, then a room's own session columns. */
export const FLEET_CSV_COLUMNS = ['room', ...SESSION_CSV_COLUMNS.filter((c) => c !== 'room'), 'revision'] as const;

export interface FleetServerDeps {
  config: FleetConfig;
  store: FleetStore;
  log: Logger;
  /** The broker link's health. */
  mqtt: () => { ok: boolean; detail?: string };
}

/**
 * The collector's HTTP server: `/api/v1/fleet/*`, `/api/v1/health` and the fleet page at `/`.
 * Same rules as a room's server: Host/Origin guard on every request, bearer tokens with roles
 * (no tokens: loopback clients only), one error shape, never a 500 for a client's mistake.
 */
export async function buildFleetServer(deps: FleetServerDeps): Promise<FastifyInstance> {
  const { config, store, log } = deps;
  const auth = new Authenticator(config.http.tokens);
  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.bodyLimitBytes,
    schemaController: lazySchemaController(),
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  app.setErrorHandler(errorHandler(log));
  app.setNotFoundHandler((request, reply) => sendError(reply, new RoomError('NotFound', `no route ${request.method} ${request.url.split('?')[0]}`)));
  app.addHook('onRequest', async (request) => guardRequest(request, config.http, !auth.open));

  const read = (request: FastifyRequest) => {
    const identity = auth.identify(request.headers.authorization, request.socket.remoteAddress);
    if (!allows(identity.role, 'read')) throw new RoomError('Forbidden', `the ${identity.role} role may not do this`);
  };
  const range = (raw: unknown): RangeQuery => {
    assertMatches(RangeQuery, raw ?? {}, 'query', 'BadRequest');
    const q = raw as RangeQuery;
    return { ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}), ...(q.bom ? { bom: q.bom } : {}), ...(q.delimiter ? { delimiter: q.delimiter } : {}) };
  };

  app.get('/api/v1/health', async () => {
    const mqtt = deps.mqtt();
    let database: { ok: boolean; detail?: string } = { ok: true };
    try {
      store.rooms();
    } catch (err) {
      database = { ok: false, detail: `${config.database}: ${(err as Error).message}` };
    }
    return { status: mqtt.ok && database.ok ? 'ok' : 'degraded', mqtt, database };
  });

  app.get('/api/v1/fleet/rooms', async (request) => {
    read(request);
    return { rooms: store.rooms() };
  });

  app.get('/api/v1/fleet/report', async (request) => {
    read(request);
    const { from, to } = range(request.query);
    return store.report({ ...(from ? { from } : {}), ...(to ? { to } : {}) });
  });

  app.get('/api/v1/fleet/sessions.csv', async (request, reply) => {
    read(request);
    const q = range(request.query);
    const sessions = store.sessions({ ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) });
    const rows = sessions.map((s) => {
      const cells = sessionCsvCells(s);
      const roomAt = SESSION_CSV_COLUMNS.indexOf('room');
      return [cells[roomAt], ...cells.filter((_, i) => i !== roomAt), s.revision];
    });
    const csv = toCsv(FLEET_CSV_COLUMNS, rows, { bom: q.bom === '1' || q.bom === 'true', ...(q.delimiter ? { delimiter: q.delimiter } : {}) });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="roomd-fleet-sessions.csv"').send(csv);
  });

  await app.register(async (scope) => registerFleetPage(scope, { locale: config.locale }));
  return app;
}
