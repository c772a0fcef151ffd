// Compiles src/ and drivers/ to dist/, bundles TypeBox into the one module that imports it, and
// copies the panel's and the fleet page's static files next to the compiled code. Run by `npm ci`
// (the `prepare` script) and `npm run build`. Without TypeScript installed (a production install
// with --omit=dev) it says so and leaves bin/roomd.js to run the sources.
// `--out DIR` compiles elsewhere (npm run package), leaving this checkout's dist/ alone.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleTypeBox } from './typebox-bundle.mjs';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.warn('roomd build: typescript is not installed; skipping (bin/roomd.js will run the sources with tsx)');
  process.exit(0);
}
const out = parseArgs({ options: { out: { type: 'string', default: 'dist' } } }).values.out;
rmSync(out, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
bundleTypeBox(join(out, 'src/core/typebox.js'));
// Static pages are served from next to their compiled module (import.meta.url), so they go where it goes.
for (const dir of ['src/api/panel/public', 'src/fleet/page/public']) {
  if (existsSync(dir)) cpSync(dir, join(out, dir), { recursive: true });
}
console.log(`roomd build: ${out}/ is up to date`);
