import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { HttpConfig } from '../../config/schema.ts';
import { RoomError } from '../../core/errors.ts';

/** Methods that change something: a foreign `Origin` is refused on these (and on WebSocket upgrades). */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** How long this machine's own addresses are trusted from one look at the interfaces. */
const INTERFACES_TTL_MS = 10_000;
let ownAddresses: { at: number; set: Set<string> } | undefined;

/** This machine's interface addresses: a Host header naming one of them is not DNS rebinding. */
function machineAddresses(now = Date.now()): Set<string> {
  if (!ownAddresses || now - ownAddresses.at > INTERFACES_TTL_MS) {
    const set = new Set<string>();
    for (const list of Object.values(networkInterfaces())) for (const nic of list ?? []) set.add(nic.address.toLowerCase());
    ownAddresses = { at: now, set };
  }
  return ownAddresses.set;
}

/** `host` of a Host header or URL authority, lower case, without port, brackets or trailing dot. */
export function hostName(authority: string): string {
  const text = authority.trim().toLowerCase();
  if (text.startsWith('[')) return text.slice(1, text.indexOf(']') > 0 ? text.indexOf(']') : undefined);
  const colon = text.lastIndexOf(':');
  const name = colon >= 0 && text.indexOf(':') === colon ? text.slice(0, colon) : text;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name === '::1') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name.startsWith('::ffff:127.');
}

/**
 * Whether a Host header names this machine: a loopback address or `localhost`, `http.host`, an
 * entry of `http.allowedHosts`, or an address of one of this machine's interfaces. Anything else is a
 * name an attacker's DNS may point at us (DNS rebinding): the browser would treat our answers
 * as that site's.
 */
export function hostAllowed(header: string, http: Pick<HttpConfig, 'host' | 'allowedHosts'>): boolean {
  const name = hostName(header);
  if (name === '') return false;
  if (isLoopbackName(name)) return true;
  if (name === hostName(http.host)) return true;
  if ((http.allowedHosts ?? []).some((h) => hostName(h) === name)) return true;
  return isIP(name) !== 0 && machineAddresses().has(name);
}

/**
 * Whether an `Origin` may change something here: our own pages (same host as the request's
 * Host header, which has already been checked) or an origin listed in `http.cors`.
 */
export function originAllowed(origin: string, hostHeader: string | undefined, http: Pick<HttpConfig, 'cors'>, tokensRequired: boolean): boolean {
  const cors = http.cors ?? [];
  // `*` opens reads to every site; it opens changes only when a token is needed anyway (a web page
  // cannot make a browser send one on its own), never in token-less mode.
  if (cors.includes(origin) || (tokensRequired && cors.includes('*'))) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file:) and garbage
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return hostHeader !== undefined && url.host === hostHeader.trim().toLowerCase();
}

/**
 * Checks every request before routing, tokens or not: the Host must name this machine (421
 * otherwise), and a state-changing request or a WebSocket upgrade that a browser sent from
 * another site (its `Origin`) is refused (403). Clients that send no Origin (curl, roomctl, MQTT
 * bridges) are not browsers acting for a web page and pass.
 */
export function guardRequest(request: FastifyRequest, http: HttpConfig, tokensRequired: boolean): void {
  const host = request.headers.host;
  if (host !== undefined && !hostAllowed(host, http)) {
    throw new RoomError('ForeignHost', `Host '${printable(host)}' does not name this machine: use its address, or add the name to http.allowedHosts`);
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
  if (!upgrade && !STATE_CHANGING.has(request.method)) return;
  if (!originAllowed(origin, host, http, tokensRequired)) {
    throw new RoomError('Forbidden', `cross-site request refused: Origin '${printable(origin)}' is not this server's (list it in http.cors to allow it)`);
  }
}

/** A header value safe to echo in an error message: printable ASCII, 100 characters at most. */
function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}
