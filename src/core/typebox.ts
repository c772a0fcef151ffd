// roomd's one import of TypeBox's runtime: every schema, check and default goes through here.
// Why one module: TypeBox ships as about 250 small ES modules, and an ES module costs memory for
// as long as the process lives — together about 14 MiB resident, a fifth of an idle room. The
// build (scripts/build.mjs) compiles this file as a single bundle with TypeBox inside, so the
// compiled daemon loads one module (about 2 MiB). Run from the sources, it is a plain re-export.
// Schemas stay plain objects marked with global symbols (Symbol.for), so a driver that imports
// TypeBox itself still builds schemas this one accepts.
export { Type } from '@sinclair/typebox';
export type { Static, TObject, TSchema } from '@sinclair/typebox';
export { Value } from '@sinclair/typebox/value';
export { TypeCompiler } from '@sinclair/typebox/compiler';
export type { TypeCheck } from '@sinclair/typebox/compiler';
