import { timingSafeEqual, createHash } from 'node:crypto';
import type { Role, TokenConfig } from '../config/schema.ts';
import { RoomError } from '../core/errors.ts';

/** Who is calling, once authenticated. */
export interface Identity {
  name: string;
  role: Role;
}

export { allows, commandPermission, type Permission } from '../core/roles.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Resolves bearer tokens in constant time (hashing both sides first makes lengths equal, so the
 * comparison leaks neither content nor length). With no tokens configured, only loopback clients
 * are served and they get the technician role.
 */
export class Authenticator {
  private readonly tokens: Array<{ hash: Buffer; identity: Identity }>;

  constructor(tokens: TokenConfig[]) {
    this.tokens = tokens.filter((t) => t.token).map((t) => ({ hash: digest(t.token!), identity: { name: t.name, role: t.role } }));
  }

  get open(): boolean {
    return this.tokens.length === 0;
  }

  identify(authorization: string | undefined, remoteAddress: string | undefined): Identity {
    if (this.open) {
      if (isLoopback(remoteAddress)) return { name: 'local', role: 'technician' };
      throw new RoomError('Forbidden', 'no tokens are configured, so only clients on this machine are served');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new RoomError('Unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    const presented = digest(match[1]!);
    let found: Identity | undefined;
    for (const t of this.tokens) if (timingSafeEqual(t.hash, presented)) found = t.identity; // no early exit
    if (!found) throw new RoomError('Unauthorized', 'unknown token');
    return found;
  }
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
