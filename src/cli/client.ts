import type { Globals } from './args.ts';

/** Exit codes scripts can rely on (also in `roomctl --help`). */
export const EXIT = {
  ok: 0,
  /** roomd or a device refused or failed the command (unknown device, bad args, offline, timeout...). */
  failed: 1,
  /** roomctl was invoked wrongly; nothing was sent. */
  usage: 2,
  /** No answer from roomd: not running, wrong URL, network down, or no answer in time. */
  unreachable: 3,
  /** 401 or 403: no token, a wrong token, or a role that may not do this. */
  auth: 4,
} as const;

/** An error roomctl reports on stderr and turns into its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** The API's error code, when roomd answered with one (e.g. UnknownDevice). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Maps an HTTP error answer (the API's `{ error: { code, message } }`, or anything a proxy says) to a CliError. */
export function errorFromResponse(status: number, body: string): CliError {
  let code: string | undefined;
  let message = `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (parsed.error && typeof parsed.error.message === 'string') {
      message = parsed.error.message;
      if (typeof parsed.error.code === 'string') code = parsed.error.code;
    }
  } catch {
    if (body.trim()) message = `HTTP ${status}: ${body.trim().split('\n')[0]!.slice(0, 200)}`;
  }
  const exitCode = status === 401 || status === 403 ? EXIT.auth : EXIT.failed;
  return new CliError(code ? `${message} (${code})` : message, exitCode, code);
}

/** Explains a failed connection in terms a technician can act on. */
export function unreachable(url: string, err: unknown, timeoutMs: number): CliError {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return new CliError(`roomd at ${url} did not answer within ${timeoutMs / 1000} s`, EXIT.unreachable);
  }
  const detail = error.cause?.code ?? error.cause?.message ?? error.message;
  const hint = error.cause?.code === 'ECONNREFUSED' ? ' — is roomd running? (systemctl status roomd)' : '';
  return new CliError(`cannot reach roomd at ${url}: ${detail}${hint}`, EXIT.unreachable);
}

/** A thin client for the REST API (docs/rest-api.md). */
export class RoomdClient {
  constructor(private readonly globals: Globals) {}

  private headers(body: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    if (this.globals.token) headers.authorization = `Bearer ${this.globals.token}`;
    return headers;
  }

  /** Sends a request; resolves with the response text on 2xx, throws CliError otherwise. */
  async text(method: 'GET' | 'POST', path: string, body?: unknown): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.globals.url}${path}`, {
        method,
        headers: this.headers(body !== undefined),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.globals.timeoutMs),
      });
    } catch (err) {
      throw unreachable(this.globals.url, err, this.globals.timeoutMs);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw unreachable(this.globals.url, err, this.globals.timeoutMs);
    }
    if (!res.ok) throw errorFromResponse(res.status, text);
    return text;
  }

  async json<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const text = await this.text(method, path, body);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`roomd at ${this.globals.url} answered ${path} with something that is not JSON — is this URL roomd?`, EXIT.failed);
    }
  }
}

/** `?a=1&b=x` from a record (empty when there is nothing). */
export function queryString(query: Record<string, string>): string {
  const params = new URLSearchParams(query).toString();
  return params ? `?${params}` : '';
}
