import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../config/loader.ts';
import { configReference } from '../config/reference.ts';
import { startDaemon } from '../daemon.ts';
import { renderCapabilities } from './capabilities.ts';

/**
 * The documents generated from the code (`npm run docs`): the capability model, the configuration
 * reference from the config and driver schemas, and the OpenAPI document of the REST API exactly as the daemon serves
 * it at /openapi.json. tests/unit/docs-generated.test.ts fails when a committed copy is stale.
 */

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The OpenAPI document of a daemon with no devices (the routes do not depend on the devices). */
export async function openApiDocument(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-docs-'));
  try {
    const file = join(dir, 'roomd.yaml');
    writeFileSync(file, `room: { id: docs, name: Docs }\nhttp: { host: 127.0.0.1, port: 0 }\nsessions: { database: ${join(dir, 'sessions.db')} }\n`);
    const daemon = await startDaemon(await loadConfig(file), { port: 0, log: pino({ level: 'silent' }) });
    try {
      return `${JSON.stringify(daemon.app.swagger(), null, 2)}\n`;
    } finally {
      await daemon.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every generated document: path under the repository root → content. */
export async function generatedDocs(): Promise<Record<string, string>> {
  return {
    'docs/capabilities.md': renderCapabilities(),
    'docs/configuration.md': await configReference(),
    'docs/openapi.json': await openApiDocument(),
  };
}

/** The generated documents whose committed copy differs from what the code gives now. */
export async function staleDocs(): Promise<string[]> {
  const docs = await generatedDocs();
  const read = (path: string) => {
    try {
      return readFileSync(join(REPO_ROOT, path), 'utf8');
    } catch {
      return undefined;
    }
  };
  return Object.entries(docs).filter(([path, content]) => read(path) !== content).map(([path]) => path);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const [path, content] of Object.entries(await generatedDocs())) {
    writeFileSync(join(REPO_ROOT, path), content);
    process.stdout.write(`wrote ${path}\n`);
  }
}
