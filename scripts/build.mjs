// Compiles src/ and drivers/ to dist/ and copies the panel's static files next to the compiled
// code. Run by `npm ci` (the `prepare` script) and `npm run build`. Without TypeScript installed
// (a production install with --omit=dev) it says so and leaves bin/roomd.js to run the sources.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.warn('roomd build: typescript is not installed; skipping (bin/roomd.js will run the sources with tsx)');
  process.exit(0);
}
rmSync('dist', { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
if (existsSync('src/api/panel/public')) cpSync('src/api/panel/public', 'dist/src/api/panel/public', { recursive: true });
console.log('roomd build: dist/ is up to date');
