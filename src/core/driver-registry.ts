import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CAPABILITY_NAMES, commandDeclarationProblems } from './capabilities.ts';
import type { DriverModule } from './driver-api.ts';
import { RoomError } from './errors.ts';
import { TRANSPORT_TYPES } from '../transports/config.ts';

/** The bundled drivers folder (`drivers/` at the repository root). */
export const BUNDLED_DRIVERS_DIR = resolve(fileURLToPath(new URL('../../drivers', import.meta.url)));

/** Checks a driver module's shape; returns every problem found (empty when it is sound). */
export function manifestProblems(name: string, mod: unknown): string[] {
  const problems: string[] = [];
  const m = mod as Partial<DriverModule> | undefined;
  if (!m || typeof m !== 'object') return ['index.ts does not export `driver`'];
  const manifest = m.manifest as Partial<DriverModule['manifest']> | undefined;
  if (!manifest || typeof manifest !== 'object') return ['driver.manifest is missing'];
  if (manifest.name !== name) problems.push(`manifest.name is '${String(manifest.name)}', expected '${name}' (the folder name)`);
  if (typeof manifest.title !== 'string' || !manifest.title) problems.push('manifest.title must be a non-empty string');
  if (!Array.isArray(manifest.capabilities) || manifest.capabilities.length === 0) {
    problems.push('manifest.capabilities must list at least one capability');
  } else {
    for (const c of manifest.capabilities) {
      if (!CAPABILITY_NAMES.includes(c)) problems.push(`manifest.capabilities: unknown capability '${String(c)}' (known: ${CAPABILITY_NAMES.join(', ')})`);
    }
  }
  problems.push(...commandDeclarationProblems(Array.isArray(manifest.capabilities) ? manifest.capabilities : [], manifest.commands));
  if (!Array.isArray(manifest.transports) || manifest.transports.length === 0) {
    problems.push('manifest.transports must list at least one transport type');
  } else {
    for (const t of manifest.transports) {
      if (!TRANSPORT_TYPES.includes(t)) problems.push(`manifest.transports: unknown transport '${String(t)}'`);
    }
  }
  const options = manifest.options as { type?: unknown } | undefined;
  if (!options || options.type !== 'object') problems.push('manifest.options must be a TypeBox object schema');
  if (typeof m.create !== 'function') problems.push('driver.create must be a function');
  if (m.startSimulator !== undefined && typeof m.startSimulator !== 'function') problems.push('driver.startSimulator must be a function');
  return problems;
}

/**
 * Loads drivers by name from a drivers folder, once each. A missing driver or a broken manifest is a
 * RoomError('ConfigError') with a message naming the driver and the problem, never a crash.
 */
export class DriverRegistry {
  private readonly cache = new Map<string, DriverModule>();

  constructor(private readonly dir: string = BUNDLED_DRIVERS_DIR) {}

  /** Names of the drivers present in the folder. */
  names(): string[] {
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && (existsSync(join(this.dir, d.name, 'index.ts')) || existsSync(join(this.dir, d.name, 'index.js'))))
      .map((d) => d.name)
      .sort();
  }

  async load(name: string): Promise<DriverModule> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new RoomError('ConfigError', `driver name '${name}' is not a folder name`);
    const file = [join(this.dir, name, 'index.ts'), join(this.dir, name, 'index.js')].find(existsSync) ?? join(this.dir, name, 'index.ts');
    if (!existsSync(file)) {
      throw new RoomError('ConfigError', `unknown driver '${name}' (no ${join(name, 'index.ts')} in ${this.dir})`);
    }
    let exported: unknown;
    try {
      exported = ((await import(pathToFileURL(file).href)) as { driver?: unknown }).driver;
    } catch (err) {
      throw new RoomError('ConfigError', `driver '${name}' failed to load: ${(err as Error).message}`);
    }
    const problems = manifestProblems(name, exported);
    if (problems.length) throw new RoomError('ConfigError', `driver '${name}' has a broken manifest: ${problems.join('; ')}`);
    const mod = exported as DriverModule;
    this.cache.set(name, mod);
    return mod;
  }
}
