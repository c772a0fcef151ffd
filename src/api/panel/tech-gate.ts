import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RoomError } from '../../core/errors.ts';
import { isLoopback } from '../auth.ts';

/** Name of the HttpOnly cookie that carries a technician session. */
export const TECH_COOKIE = 'roomd_tech';

export interface TechGateOptions {
  /**
   * `http.panelPin`, or a function reading it (so a reload applies a rotated PIN); absent: the
   * technician page is served to loopback clients only.
   */
  pin?: string | (() => string | undefined);
  /** Lifetime of a session opened with the PIN (default 15 min). */
  ttlMs?: number;
  /** Wrong PINs in a row from one client before it is locked out (default 5). */
  maxFailures?: number;
  /** First lockout (default 60 s); each further wrong PIN after one doubles it, up to `maxLockMs`. */
  lockMs?: number;
  /** Longest lockout (default 1 h). */
  maxLockMs?: number;
  now?: () => number;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Clients whose failures are remembered at most; the oldest are forgotten first. */
const MAX_TRACKED_CLIENTS = 10_000;
/** A client's failures are forgotten after this long without a wrong PIN. */
const FORGET_AFTER_MS = 24 * 3600_000;

interface Failures {
  /** Wrong PINs in a row. */
  count: number;
  lockedUntil: number;
  last: number;
}

/**
 * Guards the technician page. With a PIN configured, `POST /api/v1/panel/tech/login` checks it here
 * (constant time) and opens a short-lived session carried by an HttpOnly, SameSite=Strict cookie.
 * Wrong PINs lock out the client that sent them, not everyone: after `maxFailures` in a row it
 * waits `lockMs`, and every further wrong PIN doubles the wait (a 4-digit PIN then takes a script
 * years, while the technician on another machine is never locked out by it). Without a PIN, only
 * clients on this machine pass. A changed PIN ends every session opened with the old one.
 */
export class TechGate {
  private readonly pinSource: () => string | undefined;
  private pinSeen: string | undefined;
  private pinHash: Buffer | undefined;
  private readonly sessions = new Map<string, number>(); // token hash (hex) -> expiry
  private readonly failures = new Map<string, Failures>();
  private readonly ttlMs: number;
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly maxLockMs: number;
  private readonly now: () => number;

  constructor(options: TechGateOptions = {}) {
    const pin = options.pin;
    this.pinSource = typeof pin === 'function' ? pin : () => pin;
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.maxFailures = options.maxFailures ?? 5;
    this.lockMs = options.lockMs ?? 60_000;
    this.maxLockMs = options.maxLockMs ?? 3600_000;
    this.now = options.now ?? Date.now;
    this.currentPin();
  }

  /** The hash of the PIN configured now; a change ends the sessions and forgets the failures. */
  private currentPin(): Buffer | undefined {
    const pin = this.pinSource() || undefined;
    if (pin !== this.pinSeen) {
      this.pinSeen = pin;
      this.pinHash = pin ? digest(pin) : undefined;
      this.sessions.clear();
      this.failures.clear();
    }
    return this.pinHash;
  }

  get pinRequired(): boolean {
    return this.currentPin() !== undefined;
  }

  get ttlSeconds(): number {
    return Math.round(this.ttlMs / 1000);
  }

  /** Checks a PIN from one client; returns a new session token, or throws Unauthorized / RateLimited / Conflict. */
  login(pin: unknown, client: string | undefined): string {
    const pinHash = this.currentPin();
    if (!pinHash) throw new RoomError('Conflict', 'no panel PIN is configured (http.panelPin): the technician page is served to clients on this machine only');
    const now = this.now();
    const key = clientKey(client);
    const record = this.failures.get(key);
    if (record && record.lockedUntil > now) {
      throw new RoomError('RateLimited', `too many wrong PINs from this client: try again in ${Math.ceil((record.lockedUntil - now) / 1000)} s`);
    }
    const ok = typeof pin === 'string' && timingSafeEqual(digest(pin), pinHash);
    if (!ok) {
      this.fail(key, record, now);
      throw new RoomError('Unauthorized', 'wrong PIN');
    }
    this.failures.delete(key);
    this.prune(now);
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(digest(token).toString('hex'), now + this.ttlMs);
    return token;
  }

  /** Counts a wrong PIN; from the `maxFailures`-th in a row on, locks the client, doubling each time. */
  private fail(key: string, record: Failures | undefined, now: number): void {
    const count = (record?.count ?? 0) + 1;
    const over = count - this.maxFailures;
    const lockedUntil = over >= 0 ? now + Math.min(this.maxLockMs, this.lockMs * 2 ** Math.min(over, 30)) : 0;
    this.failures.delete(key); // re-inserted last: the map stays ordered oldest first
    this.failures.set(key, { count, lockedUntil, last: now });
    if (this.failures.size > MAX_TRACKED_CLIENTS) this.failures.delete(this.failures.keys().next().value!);
  }

  logout(request: FastifyRequest): void {
    const token = cookieValue(request.headers.cookie, TECH_COOKIE);
    if (token) this.sessions.delete(digest(token).toString('hex'));
  }

  /** True when this request may use the technician page and its routes. */
  allows(request: FastifyRequest): boolean {
    if (!this.currentPin()) return isLoopback(request.socket.remoteAddress);
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
    if (this.currentPin()) throw new RoomError('Unauthorized', 'technician session missing or expired: enter the PIN again');
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
    for (const [key, record] of this.failures) if (record.lockedUntil <= now && now - record.last > FORGET_AFTER_MS) this.failures.delete(key);
  }
}

/**
 * The key a client's failures are counted under: its address, IPv4-mapped IPv6 unwrapped, and an
 * IPv6 address cut to its /64 (one machine can hold a whole /64 and would otherwise get a
 * fresh count at every address).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  if (!address.includes(':')) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
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
