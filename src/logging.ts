import pino, { type Logger as PinoLogger } from 'pino';

/** Paths redacted everywhere: tokens, passwords and the Authorization header never reach a log. */
export const REDACT_PATHS = [
  'token',
  'password',
  '*.token',
  '*.password',
  '*.*.password',
  'transport.password',
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
];

/**
 * JSON lines by default (what journald and log shippers want); human-readable when stdout is a
 * terminal. Level from ROOMD_LOG_LEVEL (trace, debug, info, warn, error), default info.
 */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {}): PinoLogger {
  const level = options.level ?? process.env.ROOMD_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { name: 'roomd' } };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name' } } });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}
