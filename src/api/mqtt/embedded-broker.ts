import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import aedesModule from 'aedes';
import type { Logger } from '../../core/logger.ts';
import { isLoopback } from '../auth.ts';

/** A running in-process broker (aedes, MQTT 3.1.1). */
export interface EmbeddedBroker {
  /** `mqtt://host:port` with the port actually bound (the config may say 0). */
  url: string;
  port: number;
  close(): Promise<void>;
}

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

/**
 * Starts aedes on `net.createServer`, so a room without a broker can still be reached (the demo
 * listens on 127.0.0.1:1883). With `username`/`password` configured, clients must present them;
 * without, anyone who can reach the port may connect — fine on loopback, warned about otherwise.
 */
export async function startEmbeddedBroker(
  options: { host: string; port: number; username?: string; password?: string },
  log: Logger,
): Promise<EmbeddedBroker> {
  // aedes is CommonJS: its default export is the factory (named ESM exports are not available).
  const aedes = aedesModule.createBroker();
  if (options.username !== undefined || options.password !== undefined) {
    const user = digest(options.username ?? '');
    const pass = digest(options.password ?? '');
    aedes.authenticate = (_client, username, password, done) => {
      const ok = timingSafeEqual(digest(username ?? ''), user) && timingSafeEqual(digest(password ?? Buffer.alloc(0)), pass);
      if (ok) return done(null, true);
      const err = Object.assign(new Error('bad user name or password'), { returnCode: 4 as const });
      return done(err, false);
    };
  } else if (!isLoopback(options.host) && options.host !== 'localhost') {
    log.warn({ host: options.host }, 'embedded MQTT broker listens beyond this machine without credentials: set mqtt.username and mqtt.password');
  }
  aedes.on('clientError', (client, err) => log.debug({ client: client?.id, err: err.message }, 'embedded broker: client error'));
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'embedded broker server error'));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  log.info({ host: options.host, port }, 'embedded MQTT broker listening');
  return {
    url: `mqtt://${host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
