import { documentOnly } from './document-only.ts';
import type { FastifyInstance } from 'fastify';
import { Type } from '../../core/typebox.ts';
import { assertMatches } from '../../core/command.ts';
import { DriverRegistry } from '../../core/driver-registry.ts';
import type { DiscoveredDevice } from '../../core/driver-api.ts';
import { ConfigError, formatProblem } from '../../config/problems.ts';
import { RoomError } from '../../core/errors.ts';
import { realpathSync, statSync } from 'node:fs';
import type { ApiContext } from '../context.ts';
import { authorize } from '../common/http-auth.ts';

/** Technician operations. `POST /api/v1/config/reload` validates first: a bad file changes nothing. */
const DiscoverBody = Type.Object(
  {
    drivers: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9-]+$' }), { maxItems: 20 })),
    serialPorts: Type.Optional(Type.Array(Type.String({ pattern: '^/dev/[A-Za-z0-9._/-]+$', maxLength: 200 }), { maxItems: 16 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 10_000 })),
    // Only the WS-Discovery multicast group, or loopback (tests): discovery never sends anywhere else.
    wsDiscoveryAddress: Type.Optional(Type.Union([Type.Literal('239.255.255.250'), Type.String({ pattern: '^127\\.\\d+\\.\\d+\\.\\d+$' })])),
    wsDiscoveryPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  },
  { additionalProperties: false },
);

export function adminRoutes(ctx: ApiContext, registry = new DriverRegistry()) {
  return async (app: FastifyInstance) => {
    app.post('/api/v1/discover', {
      ...documentOnly,
      schema: { tags: ['admin'], summary: 'Find cameras: ONVIF by WS-Discovery, VISCA on the serial ports given (technician)', body: DiscoverBody },
    }, async (request) => {
      authorize(ctx, request, 'admin');
      const body = (request.body ?? {}) as { drivers?: string[]; serialPorts?: string[]; timeoutMs?: number; wsDiscoveryAddress?: string; wsDiscoveryPort?: number };
      assertMatches(DiscoverBody, body, 'body');
      (body.serialPorts ?? []).forEach((path, i) => assertSerialDevice(path, `body.serialPorts.${i}`));
      const names = body.drivers ?? registry.names();
      const params = {
        timeoutMs: body.timeoutMs ?? 3000,
        serialPorts: body.serialPorts ?? [],
        wsDiscovery: { address: body.wsDiscoveryAddress ?? '239.255.255.250', port: body.wsDiscoveryPort ?? 3702 },
        log: ctx.log,
      };
      const found: DiscoveredDevice[] = [];
      const errors: Array<{ driver: string; message: string }> = [];
      await Promise.all(
        names.map(async (name) => {
          try {
            const mod = await registry.load(name);
            if (mod.discover) found.push(...(await mod.discover(params)));
          } catch (err) {
            errors.push({ driver: name, message: (err as Error).message });
          }
        }),
      );
      return { devices: found, errors };
    });

    app.post('/api/v1/config/reload', { schema: { tags: ['admin'], summary: 'Re-read the config file (technician)' } }, async (request) => {
      authorize(ctx, request, 'admin');
      if (!ctx.reload) throw new RoomError('Unsupported', 'reload is not available');
      try {
        return { ok: true, ...(await ctx.reload()) };
      } catch (err) {
        if (err instanceof ConfigError) {
          throw new RoomError('ConfigError', `config not reloaded, nothing changed: ${err.problems.length} problem(s)`, {
            problems: err.problems.map(formatProblem),
          });
        }
        throw err;
      }
    });
  };
}

/** What a serial port resolves to: a terminal device (ttyUSB0, ttyS0, ttyACM0, pts/3, rfcomm0, cu.*). */
const SERIAL_DEVICE = /^\/dev\/(tty[A-Za-z0-9]*|pts\/\d+|rfcomm\d+|cu\.[A-Za-z0-9._-]+)$/;

/**
 * Discovery writes probe bytes to every serial port it is given: each must be a character device
 * under /dev/, after symlinks (`/dev/serial/by-id/...`) are followed, and never a file reached by
 * `..`. A path that does not exist passes here; opening it fails and is reported per driver.
 */
export function assertSerialDevice(path: string, where: string): void {
  if (path.split('/').some((part) => part === '..' || part === '.')) {
    throw new RoomError('BadArgs', `${where}: '${path}' has a '.' or '..' segment: give the device's own path under /dev/`);
  }
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return;
  }
  if (!SERIAL_DEVICE.test(real) || !statSync(real).isCharacterDevice()) {
    throw new RoomError('BadArgs', `${where}: '${path}' is not a serial device under /dev/ (tty*, pts/N, rfcommN)`);
  }
}
