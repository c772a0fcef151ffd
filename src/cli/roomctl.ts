import { runRoomctl } from './run.ts';

/**
 * The `roomctl` entry point (bin/roomctl.js): the technician's CLI over roomd's REST API.
 * Everything testable lives in run.ts, args.ts, client.ts and format.ts; this file only binds
 * the process (argv, stdio, Ctrl-C, exit code).
 */
const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

const code = await runRoomctl(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  interrupted,
});
// Pipes and files are written synchronously on Linux, so nothing is lost by exiting now; exiting
// (rather than waiting for the loop to drain) also drops fetch's idle keep-alive sockets at once.
process.exit(code);
