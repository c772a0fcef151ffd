/** The logging surface the core and drivers use; pino's Logger satisfies it. Core never imports pino. */
export interface Logger {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything (unit tests, tools). */
export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** How a device's log is kept readable when it repeats itself (see {@link summarisingLogger}). */
export interface LogSummaryOptions {
  /** Lines of one kind written as they come in each interval, before they are only counted. Default 5. */
  burst?: number;
  /** Length of the counting interval; at its end one line says how many were left out. Default 10 000 ms. */
  intervalMs?: number;
  /** Longest string value (or message) kept in a line; longer ones are cut and their length given. Default 160. */
  maxChars?: number;
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Kinds of line counted separately per interval; beyond, new kinds share one count. */
const MAX_KINDS = 50;

/** What a line looks like in a log: long strings cut, Buffers as a short hex preview, bounded depth. */
export function boundedLogValue(value: unknown, maxChars: number, depth = 0): unknown {
  if (typeof value === 'string') return value.length > maxChars ? `${value.slice(0, maxChars)}…(${value.length} chars)` : value;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const hex = bytes.subarray(0, Math.floor(maxChars / 3)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    return `${hex}${bytes.length * 3 > maxChars ? '…' : ''} (${bytes.length} bytes)`;
  }
  if (value instanceof Error || value === null || typeof value !== 'object') return value;
  if (depth >= 3) return '[…]';
  if (Array.isArray(value)) {
    const items = value.slice(0, 20).map((v) => boundedLogValue(v, maxChars, depth + 1));
    return value.length > 20 ? [...items, `…(${value.length} items)`] : items;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, boundedLogValue(v, maxChars, depth + 1)]));
}

/**
 * A logger for one device that cannot flood the journal: a device fed garbage (random bytes on a
 * microphone's socket) makes its driver warn for every frame — tens of thousands of lines a minute,
 * and journald then drops the useful ones. Lines of the same level and message are written as they
 * come up to `burst` per interval; the rest are counted, and at the end of the interval one line
 * says how many were left out (with the last one's fields). Every line's long strings and raw bytes
 * are cut to `maxChars`. Children share the counts, so a driver's per-connection child is bounded
 * too. Every driver gets its logger through this (DeviceRuntime), so no driver has to do it.
 */
export function summarisingLogger(target: Logger, options: LogSummaryOptions = {}): Logger & { flush(): void } {
  const burst = options.burst ?? 5;
  const intervalMs = options.intervalMs ?? 10_000;
  const maxChars = options.maxChars ?? 160;
  const counts = new Map<string, { level: Level; msg: string; logger: Logger; written: number; suppressed: number; last: object }>();
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    for (const entry of counts.values()) {
      if (entry.suppressed > 0) {
        entry.logger[entry.level](
          { ...entry.last, repeated: entry.suppressed, intervalMs },
          `${entry.msg} (repeated: ${entry.suppressed} more like this in the last ${intervalMs / 1000} s)`,
        );
      }
    }
    counts.clear();
  };

  const wrap = (logger: Logger): Logger & { flush(): void } => {
    const emit = (level: Level) => (obj: object | string, msg?: string) => {
      const fields = typeof obj === 'string' ? {} : (boundedLogValue(obj, maxChars) as object);
      const text = boundedLogValue(typeof obj === 'string' ? obj : (msg ?? ''), maxChars) as string;
      // Digits vary between otherwise identical lines ("frame 1234 refused"): they do not make a new kind.
      let key = `${level}\u0000${text.replace(/\d+/g, '#')}`;
      // Messages that carry the garbage itself are all different: past MAX_KINDS they count as one.
      if (!counts.has(key) && counts.size >= MAX_KINDS) key = `${level}\u0000*`;
      let entry = counts.get(key);
      if (!entry) {
        entry = { level, msg: key.endsWith('\u0000*') ? 'other log lines' : text, logger, written: 0, suppressed: 0, last: {} };
        counts.set(key, entry);
        if (!timer) {
          timer = setTimeout(flush, intervalMs);
          timer.unref?.();
        }
      }
      if (entry.written < burst) {
        entry.written++;
        logger[level](fields, text);
      } else {
        entry.suppressed++;
        entry.last = fields;
      }
    };
    return {
      trace: emit('trace'),
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (bindings) => wrap(logger.child(bindings)),
      flush,
    };
  };
  return wrap(target);
}
