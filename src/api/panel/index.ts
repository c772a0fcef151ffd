import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from '../context.ts';
import { authorize } from '../common/http-auth.ts';
import { systemTimeZone } from '../../sessions/time.ts';
import { fillTemplate, loadAssets, PUBLIC_DIR } from './assets.ts';
import { TechGate } from './tech-gate.ts';
import { notFound, techRoutes } from './tech-routes.ts';

/**
 * Content Security Policy of every panel response: scripts, styles and connections only from
 * this origin (the WebSocket included: CSP 3 `'self'` matches ws: on the same host), no inline
 * script or style, never framed.
 */
export const PANEL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every panel response (the fleet page sends the same). */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': PANEL_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

export interface PanelOptions {
  /** Where the page's files are (tests may point elsewhere). */
  publicDir?: string;
}

/**
 * What the page needs beyond the WebSocket snapshot: the directory, the travel sites, CO2 factor,
 * each device's configured input names (`options.inputs`, in config order) for the source chooser,
 * the room's time zone (booking times are shown in it, whatever the tablet's own zone), and, when a
 * calendar is configured, its `prepareMinutes` and `noShowMinutes` (when « Démarrer » offers a booking).
 */
export function panelConfig(ctx: ApiContext) {
  const { room, directory, sessions, devices, calendar } = ctx.config;
  const inputs: Record<string, string[]> = {};
  for (const [id, device] of Object.entries(devices)) {
    const configured = device.options?.inputs;
    if (configured && typeof configured === 'object' && !Array.isArray(configured) && Object.keys(configured).length) inputs[id] = Object.keys(configured);
  }
  return {
    room: { id: room.id, name: room.name, locale: room.locale, ...(room.helpLine ? { helpLine: room.helpLine } : {}), organisations: room.organisations },
    directory,
    sites: Object.entries(sessions.sites).map(([id, site]) => ({ id, name: site.name, roundTripKm: site.roundTripKm })),
    co2KgPerKm: sessions.co2KgPerKm,
    inputs,
    timeZone: room.timezone ?? systemTimeZone(),
    ...(calendar ? { bookings: { prepareMinutes: calendar.prepareMinutes, noShowMinutes: calendar.noShowMinutes } } : {}),
  };
}

/**
 * The touch panel at `/` (static page + ES modules under `/panel/`), its configuration at
 * `GET /api/v1/panel/config`, and the technician page at `/tech`. The page talks to the daemon
 * through the public API only: the WebSocket `/api/v1/events` for state and commands, and
 * `POST /api/v1/meeting/start|end`.
 */
export function panelRoutes(ctx: ApiContext, options: PanelOptions = {}) {
  const assets = loadAssets(options.publicDir ?? PUBLIC_DIR);
  // The PIN is read from the current config at each use: a reload applies a rotated PIN.
  const gate = new TechGate({ pin: () => ctx.config.http.panelPin });
  const index = fillTemplate(assets.get('index.html')!.body.toString('utf8'), { lang: ctx.config.room.locale, room: ctx.config.room.name });

  return async (app: FastifyInstance) => {
    // Encapsulated: these headers go on the panel's responses only, not on the REST API's.
    app.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      return payload;
    });

    app.get('/', { schema: { hide: true } as never }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(index));

    app.get<{ Params: { file: string } }>('/panel/:file', { schema: { hide: true } as never }, async (request, reply) => {
      const asset = assets.get(request.params.file);
      if (!asset || asset.name.endsWith('.html')) return notFound(reply, request.params.file);
      reply.header('cache-control', 'no-cache').header('etag', asset.etag);
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.type(asset.type).send(asset.body);
    });

    app.get('/api/v1/panel/config', { schema: { hide: true } as never }, async (request, reply) => {
      authorize(ctx, request, 'read');
      reply.header('cache-control', 'no-store');
      return panelConfig(ctx);
    });

    await app.register(techRoutes(ctx, gate, assets));
  };
}
