/**
 * Route options for schemas that document a route (OpenAPI) but are not used by fastify to
 * validate or serialise it: validation happens once, in the core or the handler, with the same
 * TypeBox schema, so every surface reports the same precise error; answers are plain
 * JSON.stringify. Skipping fastify's own compilers saves start-up time and memory (one Ajv
 * validator and one serialiser per route and status code otherwise: ~300 for the command routes).
 */
export const documentOnly = {
  validatorCompiler: () => () => true,
  serializerCompiler: () => (data: unknown) => JSON.stringify(data),
} as const;
