import { parseArgs } from 'node:util';
import { loadConfig } from './config/loader.ts';
import { ConfigError, formatProblem } from './config/problems.ts';
import { startDaemon } from './daemon.ts';
import { createLogger } from './logging.ts';
// --- ops (systemd notifications): see systemd/README.md ---
import { SdNotifier } from './ops/sd-notify.ts';
import { startServiceNotifications } from './ops/service-notify.ts';
// --- end ops ---

const USAGE = `usage: roomd [--config FILE] [--check]
       roomd init [--serial PATH...] [--output FILE] [--yes]   (roomd init --help)
       roomd fleet --config FILE [--check]                      (the fleet collector)

  --config FILE   configuration file (default: $ROOMD_CONFIG, else config/demo.yaml)
  --check         validate the configuration and exit: 0 when valid, 2 with one line per problem
Environment: ROOMD_CONFIG, ROOMD_LOG_LEVEL (trace|debug|info|warn|error)`;

/** The composition root: reads config, wires everything, handles signals. */
async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'init') {
    // Commissioning a room is a separate tool: loaded only when asked for.
    const { runInit } = await import('./init/run.ts');
    const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
    return runInit(argv.slice(1), { stdout: write(process.stdout), stderr: write(process.stderr), stdin: process.stdin, env: process.env });
  }
  if (argv[0] === 'fleet') {
    // The fleet collector is another program in the same package: loaded only when asked for.
    const { runFleet } = await import('./fleet/run.ts');
    return runFleet(argv.slice(1));
  }
  let args;
  try {
    args = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    console.error(`roomd: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const file = args.values.config ?? process.env.ROOMD_CONFIG ?? 'config/demo.yaml';
  let loaded;
  try {
    loaded = await loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) console.error(formatProblem(p));
      return 2;
    }
    throw err;
  }
  if (args.values.check) {
    for (const w of loaded.warnings) console.error(formatProblem(w));
    console.log(`${file}: ok (${Object.keys(loaded.config.devices).length} devices)`);
    return 0;
  }

  const log = createLogger();
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection (kept running)'));
  // --- ops: sd_notify. Read (and unset) NOTIFY_SOCKET/WATCHDOG_* before any device child process is spawned. ---
  const notifier = SdNotifier.fromEnv({ log: log.child({ module: 'sd-notify' }) });
  // --- end ops ---
  const daemon = await startDaemon(loaded, { log });
  // --- ops: READY=1, STATUS= on changes, WATCHDOG=1 while the loop keeps time and HTTP is listening. ---
  const service = startServiceNotifications(daemon, notifier, log.child({ module: 'sd-notify' }));
  // `systemctl reload` (ExecReload sends SIGHUP): validate the file, then apply it. A bad file changes nothing.
  process.on('SIGHUP', () => {
    daemon.reload().catch((err) =>
      log.error({ file, problems: err instanceof ConfigError ? err.problems.map(formatProblem) : String(err) }, 'SIGHUP: configuration has problems; nothing changed'),
    );
  });
  // --- end ops ---
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 8000);
    force.unref();
    await service.stopping(signal); // --- ops: STOPPING=1 ---
    await daemon.stop();
    log.flush?.();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    const code = (err as NodeJS.ErrnoException)?.code;
    const hint = code === 'EADDRINUSE' ? ' — is another roomd running? Stop it, or set http.port (or mqtt.embedded.port) in the config' : '';
    console.error(`roomd: ${err instanceof Error ? err.message : String(err)}${hint}`);
    process.exit(1);
  },
);
