import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ConfigError, formatProblem } from '../config/problems.ts';
import type { Logger } from '../core/logger.ts';
import { createLogger } from '../logging.ts';
import { loadFleetConfig, type FleetConfig } from './config.ts';
import { FleetIngest } from './ingest.ts';
import { buildFleetServer } from './server.ts';
import { FleetStore } from './store.ts';

const USAGE = `usage: roomd fleet --config FILE [--check]

  --config FILE   the collector's configuration (mqtt, http, database; see config/fleet.example.yaml)
  --check         validate the configuration and exit: 0 when valid, 2 with one line per problem`;

/** A running collector. */
export interface FleetCollector {
  url: string;
  store: FleetStore;
  ingest: FleetIngest;
  app: FastifyInstance;
  stop(): Promise<void>;
}

export interface FleetStartOptions {
  log?: Logger;
  /** Override http.port (tests use 0). */
  port?: number;
  backoff?: { initialMs: number; maxMs: number };
}

/** Opens the store, connects to the broker and serves HTTP. The broker being away never holds up start-up. */
export async function startFleet(config: FleetConfig, options: FleetStartOptions = {}): Promise<FleetCollector> {
  const log = options.log ?? createLogger();
  const store = new FleetStore({ path: config.database, ...(config.timezone ? { timeZone: config.timezone } : {}), names: Object.fromEntries(Object.entries(config.rooms ?? {}).map(([id, r]) => [id, r.name])) });
  const ingest = new FleetIngest(config.mqtt, store, log.child({ module: 'fleet-mqtt' }), options.backoff);
  const app = await buildFleetServer({
    config,
    store,
    log,
    mqtt: () => ({ ok: ingest.connected, ...(ingest.detail ? { detail: ingest.detail } : {}) }),
  });
  ingest.start();
  let url: string;
  try {
    url = await app.listen({ host: config.http.host, port: options.port ?? config.http.port });
  } catch (err) {
    await ingest.stop();
    store.close();
    throw err;
  }
  log.info({ url, database: config.database }, 'fleet collector running');
  return {
    url,
    store,
    ingest,
    app,
    async stop() {
      await app.close();
      await ingest.stop();
      store.close();
    },
  };
}

/** `roomd fleet ...`: returns an exit code, or -1 to keep running. */
export async function runFleet(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    console.error(`roomd fleet: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const file = args.values.config;
  if (!file) {
    console.error(`roomd fleet: --config FILE is required\n${USAGE}`);
    return 2;
  }
  let config: FleetConfig;
  try {
    config = loadFleetConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) console.error(formatProblem(p));
      return 2;
    }
    throw err;
  }
  if (args.values.check) {
    console.log(`${file}: ok (fleet collector)`);
    return 0;
  }
  const log = createLogger();
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection (kept running)'));
  const collector = await startFleet(config, { log });
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 8000);
    force.unref();
    await collector.stop();
    log.flush?.();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return -1;
}
