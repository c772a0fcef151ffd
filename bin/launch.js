// Shared by bin/roomd.js and bin/roomctl.js: run the compiled code in dist/ when it is up to date
// with the sources (fast start-up, no TypeScript loader in memory), otherwise the TypeScript
// sources through tsx, so an edited checkout never runs stale code and never needs a manual build.
// An installed package ships dist/ without the sources: then dist/ is always the one to run.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time of the sources the build compiles (0 where there are none). */
function newestSource(dir, newest = 0) {
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestSource(path, newest);
    else if (entry.name.endsWith('.ts') || dir.includes('public')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function compiledIsFresh(compiled) {
  if (process.env.ROOMD_FROM_SOURCE === '1' || !existsSync(compiled)) return false;
  const built = statSync(compiled).mtimeMs;
  return newestSource(join(root, 'src')) <= built && newestSource(join(root, 'drivers')) <= built;
}

/** Imports `src/<entry>.ts`, compiled (`dist/src/<entry>.js`) when fresh. */
export async function launch(entry) {
  const compiled = join(root, 'dist', 'src', `${entry}.js`);
  if (compiledIsFresh(compiled)) {
    await import(pathToFileURL(compiled).href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(join(root, 'src', `${entry}.ts`)).href);
  }
}
