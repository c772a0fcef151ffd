import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RoomError } from '../../core/errors.ts';
import { isLoopback } from '../auth.ts';

/** Name of the HttpOnly cookie that carries a technician session. */
export const TECH_COOKIE = 'roomd_tech';

export interface TechGateOptions {
  /** `http.panelPin`; absent: the technician page is served to loopback clients only. */
  pin?: string;
  /** Lifetime of a session opened with the PIN (default 15 min). */
  ttlMs?: number;
  /** Wrong PINs from one address before it is locked out (default 5). */
  maxFailures?: number;
  /** How long a locked-out address waits (default 60 s). */
  lockMs?: number;
  /** Wrong PINs per minute from everyone together before every login waits (default 20). */
  globalFailuresPerMinute?: number;
  now?: () => number;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Guards the technician page. With a PIN configured, `POST /api/v1/panel/tech/login` checks it here
 * (constant time, locked out after repeated failures: a 4-digit PIN must not be guessable by a
 * script) and opens a short-lived session carried by an HttpOnly, SameSite=Strict cookie. Without a
 * PIN, only clients on this machine pass.
 */
export class TechGate {
  private readonly pinHash: Buffer | undefined;
  private readonly sessions = new Map<string, number>(); // token hash (hex) -> expiry
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();
  private globalFailures: number[] = [];
  private readonly ttlMs: number;
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly globalMax: number;
  private readonly now: () => number;

  constructor(options: TechGateOptions = {}) {
    this.pinHash = options.pin ? digest(options.pin) : undefined;
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.maxFailures = options.maxFailures ?? 5;
    this.lockMs = options.lockMs ?? 60_000;
    this.globalMax = options.globalFailuresPerMinute ?? 20;
    this.now = options.now ?? Date.now;
  }

  get pinRequired(): boolean {
    return this.pinHash !== undefined;
  }

  get ttlSeconds(): number {
    return Math.round(this.ttlMs / 1000);
  }

  /** Checks a PIN; returns a new session token, or throws Unauthorized / RateLimited / Conflict. */
  login(pin: unknown, address: string | undefined): string {
    if (!this.pinHash) throw new RoomError('Conflict', 'no panel PIN is configured (http.panelPin): the technician page is served to clients on this machine only');
    const now = this.now();
    const key = address ?? 'unknown';
    const record = this.failures.get(key);
    this.globalFailures = this.globalFailures.filter((t) => now - t < 60_000);
    if (record && record.lockedUntil > now) {
      throw new RoomError('RateLimited', `too many wrong PINs: try again in ${Math.ceil((record.lockedUntil - now) / 1000)} s`);
    }
    if (this.globalFailures.length >= this.globalMax) throw new RoomError('RateLimited', 'too many wrong PINs: try again in a minute');
    const ok = typeof pin === 'string' && timingSafeEqual(digest(pin), this.pinHash);
    if (!ok) {
      const count = (record?.count ?? 0) + 1;
      this.failures.set(key, { count: count >= this.maxFailures ? 0 : count, lockedUntil: count >= this.maxFailures ? now + this.lockMs : 0 });
      this.globalFailures.push(now);
      throw new RoomError('Unauthorized', 'wrong PIN');
    }
    this.failures.delete(key);
    this.prune(now);
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(digest(token).toString('hex'), now + this.ttlMs);
    return token;
  }

  logout(request: FastifyRequest): void {
    const token = cookieValue(request.headers.cookie, TECH_COOKIE);
    if (token) this.sessions.delete(digest(token).toString('hex'));
  }

  /** True when this request may use the technician page and its routes. */
  allows(request: FastifyRequest): boolean {
    if (!this.pinHash) return isLoopback(request.socket.remoteAddress);
    const token = cookieValue(request.headers.cookie, TECH_COOKIE);
    if (!token) return false;
    const key = digest(token).toString('hex');
    const expiry = this.sessions.get(key);
    if (expiry === undefined) return false;
    if (expiry <= this.now()) {
      this.sessions.delete(key);
      return false;
    }
    return true;
  }

  /** Throws Unauthorized (PIN configured) or Forbidden (loopback only) unless `allows(request)`. */
  assert(request: FastifyRequest): void {
    if (this.allows(request)) return;
    if (this.pinHash) throw new RoomError('Unauthorized', 'technician session missing or expired: enter the PIN again');
    throw new RoomError('Forbidden', 'no panel PIN is configured (http.panelPin): the technician page is served to clients on this machine only');
  }

  /** The Set-Cookie value for a new session (Secure when the request came over TLS). */
  cookie(token: string, secure: boolean): string {
    return `${TECH_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${this.ttlSeconds}${secure ? '; Secure' : ''}`;
  }

  /** The Set-Cookie value that removes the session cookie. */
  static clearCookie(): string {
    return `${TECH_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  private prune(now: number): void {
    for (const [key, expiry] of this.sessions) if (expiry <= now) this.sessions.delete(key);
    for (const [key, record] of this.failures) if (record.lockedUntil && record.lockedUntil <= now && record.count === 0) this.failures.delete(key);
  }
}

/** Reads one cookie from a Cookie header (no dependency needed for a single name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * Cookie-authenticated requests that change something (and WebSocket upgrades, which browsers send
 * cross-site with cookies) must come from our own pages: when a browser sends `Origin`, it must
 * name the host it is talking to. SameSite=Strict already blocks most of this; this closes the rest.
 */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin) return true; // not a browser cross-origin request (curl, tests)
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
