/**
 * Route options for schemas that document a route (OpenAPI) but are not used by fastify to
 * validate it: validation happens once, in the core or the handler, with the same TypeBox schema,
 * so every surface reports the same precise error. Skipping fastify's own compile also saves
 * start-up time and memory (one Ajv validator per route otherwise).
 */
export const documentOnly = { validatorCompiler: () => () => true } as const;
