import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { MqttConfig } from '../../config/schema.ts';
import { RoomError } from '../../core/errors.ts';

/** How to reach the broker: everything but the protocol version, which the connection chooses. */
export interface BrokerSettings {
  url: string;
  /** 5 or 4 when fixed by config (or by the embedded broker); `auto` tries 5 and falls back to 4. */
  protocol: 5 | 4 | 'auto';
  options: IClientOptions;
}

function readPem(file: string | undefined, key: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new RoomError('ConfigError', `mqtt.tls.${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * mqtt.js options from the `mqtt` config section: credentials (`passwordFile` was already read into
 * `password` by the loader), TLS files, client id. The last will is added by the connection.
 */
export function brokerSettings(config: MqttConfig, roomId: string, url: string, protocol?: 4 | 5): BrokerSettings {
  const tls = config.tls;
  const ca = readPem(tls?.ca, 'ca');
  const cert = readPem(tls?.cert, 'cert');
  const key = readPem(tls?.key, 'key');
  const options: IClientOptions = {
    // A fixed client id would let two roomd instances of one room kick each other off forever.
    clientId: config.clientId ?? `roomd-${roomId}-${randomBytes(3).toString('hex')}`,
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(tls?.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
  };
  return { url, protocol: protocol ?? config.protocolVersion ?? 'auto', options };
}

/** Redacts credentials from a broker URL for logs. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
