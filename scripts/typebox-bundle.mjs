// TypeBox's runtime as one module instead of ~250 (src/core/typebox.ts says why): esbuild compiles
// that file with TypeBox inside, in place of tsc's output, so nothing that imports it changes.
// Used by scripts/build.mjs, and by tests/unit/typebox-bundle.test.ts on a copy.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes `outfile`: src/core/typebox.ts with TypeBox bundled in, an ES module importing nothing. */
export function bundleTypeBox(outfile) {
  require('esbuild').buildSync({
    entryPoints: [join(root, 'src/core/typebox.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    legalComments: 'inline',
    logLevel: 'warning',
  });
}
