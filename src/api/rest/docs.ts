import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The interactive API docs at `/docs`, built on the first visit. Registering swagger-ui up front
 * costs ~6 MiB of memory (its plugin, @fastify/static and the file routes) that a room nobody
 * browses never needs, and a fastify server cannot add routes once it listens. So `/docs` is
 * served by a small fastify instance of its own, built on demand from the spec the main server
 * generates (`app.swagger()`), and each request is forwarded to it. The main server's hooks (auth,
 * Host checks) still run first, as for any route.
 */
export function lazyDocs(app: FastifyInstance, prefix = '/docs'): void {
  let docs: Promise<FastifyInstance> | undefined;
  const build = async (): Promise<FastifyInstance> => {
    const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([
      import('fastify'),
      import('@fastify/swagger'),
      import('@fastify/swagger-ui'),
    ]);
    const sub = Fastify();
    await sub.register(swagger, { mode: 'static', specification: { document: app.swagger() as never } });
    await sub.register(swaggerUi, { routePrefix: prefix });
    await sub.ready();
    return sub;
  };
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    docs ??= build().catch((err: unknown) => {
      docs = undefined; // the next visit tries again
      throw err;
    });
    const sub = await docs;
    const res = await sub.inject({ method: 'GET', url: request.url, headers: { accept: request.headers.accept ?? '*/*' } });
    if (res.statusCode === 404) return reply.callNotFound(); // roomd's own error body, as for any unknown path
    reply.code(res.statusCode);
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) reply.header(name, value);
    }
    return reply.send(res.rawPayload);
  };
  app.get(prefix, { schema: { hide: true } as never }, forward);
  app.get(`${prefix}/*`, { schema: { hide: true } as never }, forward);
}
