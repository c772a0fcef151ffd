import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOMD = fileURLToPath(new URL('../../bin/roomd.js', import.meta.url));

/** The daemon as a real process (for kill -9, signals, last wills): its URL is read from its log. */
export interface ChildDaemon {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function spawnDaemon(configFile: string, env: Record<string, string> = {}, timeoutMs = 15_000): Promise<ChildDaemon> {
  const child = spawn(process.execPath, [ROOMD, '--config', configFile], {
    env: { ...process.env, ROOMD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"roomd listening"/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code}) before listening:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
