import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

// Fastify builds every route's request validator (Ajv) and response serializer
// (fast-json-stringify) when the server starts: two libraries loaded, and generated code with its
// source text kept for the life of the process. Most of roomd's routes skip both already (their
// schemas only document them: src/api/rest/document-only.ts); a few still use them, such as the
// devices' answers. With these compilers — fastify's own, with the options fastify gives them —
// each library is loaded, and each route's function generated, at the first request that needs
// it: an idle room asked only for its health loads neither (−2.3 MiB of live heap; bench/README.md).
// The price is paid once after a start, by the first such request: GET /api/v1/devices/camera
// took 218 ms instead of 75 (both cold), then 2 ms as before. Meeting start and commands never
// pay it (their routes skip fastify's compilers). A schema that cannot compile now fails its
// route's first request with a 500, not the start-up: the route tests and the HTTP fuzzer, which
// call every route, are what catch one.

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type Compiled = ((data: unknown) => unknown) & { errors?: unknown };
type RouteCompiler = (route: unknown) => Compiled;
type CompilerBuilder = (...args: unknown[]) => RouteCompiler;

const require = createRequire(import.meta.url);

/**
 * A compiler builder whose library is loaded, whose builder runs and whose route functions are
 * generated only when a route function is first called. Ajv's `errors` are passed on.
 */
function deferredBuilder(load: () => CompilerBuilder): CompilerBuilder {
  let builder: CompilerBuilder | undefined;
  return (...args) => {
    let compiler: RouteCompiler | undefined;
    return (route) => {
      let compiled: Compiled | undefined;
      const run: Compiled = (data) => {
        compiled ??= (compiler ??= (builder ??= load())(...args))(route);
        const result = compiled(data);
        run.errors = compiled.errors;
        return result;
      };
      return run;
    };
  };
}

/** The `schemaController` option of a fastify server that compiles route schemas on first use. */
export function lazySchemaController(): NonNullable<FastifyServerOptions['schemaController']> {
  const validators = deferredBuilder(() => (require('@fastify/ajv-compiler') as { AjvCompiler: () => CompilerBuilder }).AjvCompiler());
  const serializers = deferredBuilder(() => (require('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => CompilerBuilder }).SerializerSelector());
  // The deferred functions are not Ajv's (no `schema`, no `schemaEnv`), but fastify only calls
  // them and reads `errors`; hence the casts.
  return {
    compilersFactory: {
      buildValidator: validators as unknown as CompilersFactory['buildValidator'],
      buildSerializer: serializers as unknown as CompilersFactory['buildSerializer'],
    },
  };
}
