import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type as PackageType } from '@sinclair/typebox';
// @ts-expect-error -- a plain ES module of the build, without type declarations
import { bundleTypeBox } from '../../scripts/typebox-bundle.mjs';

type Bundle = typeof import('../../src/core/typebox.ts');

/**
 * The compiled daemon loads TypeBox as the one module scripts/build.mjs writes (src/core/typebox.ts
 * says why). That module must import nothing, and do what the package does, also with schemas
 * built by the package itself, as a driver that imports TypeBox directly builds them.
 */
describe('the TypeBox bundle of the build', () => {
  let dir: string;
  let file: string;
  let bundle: Bundle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-typebox-'));
    file = join(dir, 'typebox.js');
    (bundleTypeBox as (outfile: string) => void)(file);
    bundle = (await import(pathToFileURL(file).href)) as Bundle;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one module that imports nothing', () => {
    const source = readFileSync(file, 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\brequire\(|\bimport\(/);
    expect(source).toMatch(/^export \{/m);
  });

  it('builds schemas, checks, fills defaults and compiles checkers', () => {
    const { Type, Value, TypeCompiler } = bundle;
    const schema = Type.Object({ preset: Type.Integer({ minimum: 1, maximum: 255 }), speed: Type.Number({ default: 0.5 }) });
    expect(Value.Check(schema, { preset: 3, speed: 1 })).toBe(true);
    expect([...Value.Errors(schema, { preset: 0, speed: 1 })].map((e) => [e.path, e.message])).toEqual([['/preset', 'Expected integer to be greater or equal to 1']]);
    expect(Value.Default(schema, { preset: 3 })).toEqual({ preset: 3, speed: 0.5 });
    const check = TypeCompiler.Compile(schema);
    expect(check.Check({ preset: 256, speed: 1 })).toBe(false);
    expect(check.Check({ preset: 255, speed: 1 })).toBe(true);
  });

  it('accepts a schema built by the TypeBox package, and the package accepts its schemas', () => {
    const fromPackage = PackageType.Object({ input: PackageType.Union([PackageType.Literal('hdmi1'), PackageType.Literal('hdmi2')]) });
    expect(bundle.Value.Check(fromPackage, { input: 'hdmi2' })).toBe(true);
    expect(bundle.Value.Check(fromPackage, { input: 'vga' })).toBe(false);
    expect(bundle.TypeCompiler.Compile(bundle.Type.Object({ wrapped: fromPackage })).Check({ wrapped: { input: 'hdmi1' } })).toBe(true);
  });
});
