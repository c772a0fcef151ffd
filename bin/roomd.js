#!/usr/bin/env node
// Runs the compiled code in dist/ when it is up to date with the sources (fast start-up, no
// TypeScript loader in memory); otherwise the TypeScript sources through tsx, so an edited checkout
// never runs stale code and `npm start` never needs a manual build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'main.js');

/** Newest modification time of the sources the build compiles. */
function newestSource(dir, newest = 0) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestSource(path, newest);
    else if (entry.name.endsWith('.ts') || dir.includes('public')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function compiledIsFresh() {
  if (process.env.ROOMD_FROM_SOURCE === '1' || !existsSync(compiled)) return false;
  const built = statSync(compiled).mtimeMs;
  return newestSource(join(root, 'src')) <= built && newestSource(join(root, 'drivers')) <= built;
}

if (compiledIsFresh()) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
