#!/usr/bin/env node
// Runs the compiled code in dist/ when it is up to date with the sources (fast start-up, no
// TypeScript loader in memory); otherwise the TypeScript sources through tsx, so an edited checkout
// never runs stale code and `npm start` never needs a manual build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
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

// Before any of roomd's modules is loaded: keep V8's young generation at its initial size (1 MiB
// per semi-space) instead of letting start-up — hundreds of modules, every schema compiled — grow it
// to 16 MiB per semi-space, which then stays resident for the life of an idle daemon (~20 MiB of
// VmRSS, bench/README.md). A daemon allocates little once started; the price is more frequent,
// shorter scavenges. A `--max-semi-space-size` given to node (command line or NODE_OPTIONS) wins.
const semiSpaceGiven = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => /semi[-_]space/.test(arg));
if (!semiSpaceGiven) setFlagsFromString('--semi-space-growth-factor=1');

if (compiledIsFresh()) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
