import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../api/common/http-errors.ts';
import { fillTemplate, loadAssets } from '../../api/panel/assets.ts';
import { SECURITY_HEADERS } from '../../api/panel/index.ts';
import { RoomError } from '../../core/errors.ts';

/** The page's static files (copied next to the compiled code by scripts/build.mjs). */
export const FLEET_PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * The fleet page: what the collector serves at `/` (rooms, their state, the territory's figures),
 * reading `/api/v1/fleet/rooms` and `/api/v1/fleet/report` from the same server. French first.
 * The collector's server (src/fleet/) registers it in its own scope, after its Host/Origin guard;
 * this module owns the page and its assets (served at `/fleet/<file>`).
 */
export interface FleetPageOptions {
  /** The language the page opens in (the visitor can switch). */
  locale?: 'fr' | 'en';
  /** Where the page's files are (tests may point elsewhere). */
  publicDir?: string;
}

export async function registerFleetPage(app: FastifyInstance, options: FleetPageOptions = {}): Promise<void> {
  // Read once at start-up: the set of servable names is fixed, no URL path reaches the file system.
  const assets = loadAssets(options.publicDir ?? FLEET_PUBLIC_DIR);
  const index = fillTemplate(assets.get('index.html')!.body.toString('utf8'), { lang: options.locale ?? 'fr' });

  // The same strict policy as the room's panel: no inline script or style, only this origin.
  app.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    return payload;
  });

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(index));

  app.get<{ Params: { file: string } }>('/fleet/:file', async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset || asset.name.endsWith('.html')) return sendError(reply, new RoomError('NotFound', `no fleet page file ${request.params.file}`));
    reply.header('cache-control', 'no-cache').header('etag', asset.etag);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  });
}
