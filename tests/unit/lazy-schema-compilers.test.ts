import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from '../../src/core/typebox.ts';
import { lazySchemaController } from '../../src/api/common/lazy-schema-compilers.ts';

/**
 * The lazy compilers are fastify's own, deferred: a server using them must answer exactly as one
 * using fastify's defaults — validation errors (Ajv's `errors`, per part of the request) and
 * response serialisation (fields outside the response schema dropped) included.
 */
const Body = Type.Object({ preset: Type.Integer({ minimum: 1, maximum: 255 }), label: Type.Optional(Type.String({ maxLength: 8 })) }, { additionalProperties: false });
const Query = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^\\d{1,3}$' })) });
const Answer = Type.Object({ preset: Type.Integer(), label: Type.String() });

async function server(lazy: boolean): Promise<FastifyInstance> {
  const app = Fastify(lazy ? { schemaController: lazySchemaController() } : {});
  app.post('/presets/:id', {
    schema: { params: Type.Object({ id: Type.String({ pattern: '^[a-z]+$' }) }), querystring: Query, body: Body, response: { 200: Answer } },
  }, async (request) => {
    const body = request.body as { preset: number; label?: string };
    return { preset: body.preset, label: body.label ?? 'none', secret: 'not in the schema' };
  });
  await app.ready();
  return app;
}

const requests: Array<{ url: string; payload: unknown }> = [
  { url: '/presets/camera', payload: { preset: 3, label: 'Salle' } },
  { url: '/presets/camera?limit=10', payload: { preset: 255 } },
  { url: '/presets/camera', payload: { preset: 0 } },
  { url: '/presets/camera', payload: { preset: 3, label: 'far too long' } },
  { url: '/presets/camera', payload: { preset: 3, extra: true } },
  { url: '/presets/camera', payload: { label: 'x' } },
  { url: '/presets/camera?limit=many', payload: { preset: 3 } },
  { url: '/presets/CAMERA', payload: { preset: 3 } },
  { url: '/presets/camera', payload: [1, 2] },
];

describe('route schemas compiled at their first request', () => {
  let lazy: FastifyInstance;
  let eager: FastifyInstance;
  beforeAll(async () => {
    [lazy, eager] = await Promise.all([server(true), server(false)]);
  });
  afterAll(async () => {
    await Promise.all([lazy?.close(), eager?.close()]);
  });

  it('answer every request as fastify’s own compilers do', async () => {
    for (const request of requests) {
      const [a, b] = await Promise.all([lazy, eager].map((app) => app.inject({ method: 'POST', ...request } as never)));
      expect({ request, status: a!.statusCode, body: a!.json() }).toEqual({ request, status: b!.statusCode, body: b!.json() });
    }
  });

  it('validate and serialise: a precise 400, and only the schema’s fields in a 200', async () => {
    const ok = await lazy.inject({ method: 'POST', url: '/presets/camera', payload: { preset: 3, label: 'Salle' } });
    expect(ok.json()).toEqual({ preset: 3, label: 'Salle' });
    const bad = await lazy.inject({ method: 'POST', url: '/presets/camera', payload: { preset: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'FST_ERR_VALIDATION', message: 'body/preset must be >= 1' });
  });
});
