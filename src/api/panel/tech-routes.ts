import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/websocket';
import { makeCommand } from '../../core/command.ts';
import { RoomError } from '../../core/errors.ts';
import type { DeviceRecord } from '../../core/state-store.ts';
import type { ApiContext } from '../context.ts';
import { ANONYMOUS } from '../common/http-auth.ts';
import { sendError } from '../common/http-errors.ts';
import { fillTemplate, type Asset } from './assets.ts';
import { TechGate } from './tech-gate.ts';

/** A device as the technician page lists it. */
function techDevice(d: DeviceRecord) {
  return { id: d.id, driver: d.driver, name: d.name, online: d.online, capabilities: d.capabilities, state: d.state, lastError: d.lastError };
}

/**
 * The technician page (`/tech`) and its routes under `/api/v1/panel/tech/`: login with the PIN,
 * the device list, a raw command box, and a live event log over a WebSocket.
 *
 * The page authenticates with the PIN session cookie, which the bearer-token REST routes do not
 * know, so the command box posts to `/api/v1/panel/tech/devices/:id/commands/:command`: the same
 * command bus, with the technician role, audited as surface `panel` / identity `tech-pin`.
 */
export function techRoutes(ctx: ApiContext, gate: TechGate, assets: Map<string, Asset>) {
  // Read at each command: a reload may add or remove the PIN.
  const source = () => ({ surface: 'panel' as const, identity: gate.pinRequired ? 'tech-pin' : 'tech-local', role: 'technician' as const });
  // Cross-site POSTs and upgrades never get here: the server's request guard refuses a foreign
  // Origin on every route (src/api/common/request-guard.ts).
  const guard = (request: FastifyRequest) => gate.assert(request);

  return async (app: FastifyInstance) => {
    app.get('/tech', { schema: { hide: true } as never }, async (request, reply) => {
      const page = assets.get('tech.html')!;
      // Without a PIN the page itself is only for this machine; with one, it shows the PIN form.
      if (!gate.pinRequired && !gate.allows(request)) {
        return reply.code(403).type('text/html; charset=utf-8').header('cache-control', 'no-store')
          .send(fillTemplate(FORBIDDEN_PAGE, { lang: ctx.config.room.locale }));
      }
      return reply.type(page.type).header('cache-control', 'no-store')
        .send(fillTemplate(page.body.toString('utf8'), { lang: ctx.config.room.locale, room: ctx.config.room.name }));
    });

    app.get('/api/v1/panel/tech/session', { schema: { hide: true } as never }, async (request) => ({
      pinRequired: gate.pinRequired,
      authenticated: gate.allows(request),
      ttlSeconds: gate.ttlSeconds,
    }));

    app.post<{ Body: { pin?: unknown } | undefined }>('/api/v1/panel/tech/login', { schema: { hide: true } as never }, async (request, reply) => {
      const token = gate.login(request.body?.pin, request.socket.remoteAddress);
      ctx.log.info({ address: request.socket.remoteAddress }, 'technician page unlocked with the PIN');
      reply.header('set-cookie', gate.cookie(token, request.protocol === 'https'));
      return { ok: true, ttlSeconds: gate.ttlSeconds };
    });

    app.post('/api/v1/panel/tech/logout', { schema: { hide: true } as never }, async (request, reply) => {
      gate.logout(request);
      reply.header('set-cookie', TechGate.clearCookie());
      return { ok: true };
    });

    app.get('/api/v1/panel/tech/devices', { schema: { hide: true } as never }, async (request) => {
      guard(request);
      return ctx.room.devices().map(techDevice);
    });

    app.post<{ Params: { id: string; command: string } }>('/api/v1/panel/tech/devices/:id/commands/:command', { schema: { hide: true } as never }, async (request) => {
      const command = makeCommand(request.params.id, request.params.command, request.body ?? {}, { surface: 'panel', identity: ANONYMOUS });
      try {
        guard(request);
      } catch (err) {
        throw ctx.room.refuse(command, err); // audited: someone without a technician session tried
      }
      return ctx.room.execute({ ...command, source: source() });
    });

    // The self-test from the technician page: the same service as `POST /api/v1/selftest`, behind
    // the PIN gate (the page has no bearer token), audited as `selftest.run` from the panel.
    app.get('/api/v1/panel/tech/selftest', { schema: { hide: true } as never }, async (request) => {
      guard(request);
      if (!ctx.selftest) throw new RoomError('NotFound', 'the self-test is not available');
      return ctx.selftest.latest();
    });

    app.post('/api/v1/panel/tech/selftest', { schema: { hide: true } as never }, async (request) => {
      const command = makeCommand('', 'selftest.run', {}, { surface: 'panel', identity: ANONYMOUS });
      try {
        guard(request);
        if (!ctx.selftest) throw new RoomError('NotFound', 'the self-test is not available');
      } catch (err) {
        throw ctx.room.refuse(command, err);
      }
      command.source = source();
      try {
        const result = await ctx.selftest.run('panel');
        ctx.room.settle(command);
        return result;
      } catch (err) {
        throw ctx.room.settle(command, err);
      }
    });

    app.get('/api/v1/panel/tech/events', {
      websocket: true,
      schema: { hide: true } as never,
      // Checked before the upgrade (like /api/v1/events): no session, a plain 401/403 and no socket.
      preValidation: async (request) => guard(request),
    }, (socket) => {
      const owner = {};
      const send = (message: Record<string, unknown>) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > 512 * 1024) return void socket.terminate();
        socket.send(JSON.stringify({ at: new Date().toISOString(), ...message }));
      };
      send({ type: 'devices', devices: ctx.room.devices().map(techDevice) });
      ctx.room.events.on('device', (c) => send({ type: 'device', device: techDevice(c.to), changed: c.changed, reason: c.reason }), owner);
      ctx.room.events.on('command', (r) => send({
        type: 'command', device: r.command.device, command: r.command.command, args: r.command.args,
        surface: r.command.source.surface, identity: r.command.source.identity, ok: r.ok, error: r.error, latencyMs: Math.round(r.latencyMs * 10) / 10,
      }), owner);
      ctx.meeting.events.on('meeting', (m) => send({ type: 'meeting', phase: m.phase, active: m.active }), owner);
      ctx.selftest?.events.on('result', (result) => send({ type: 'selftest', result }), owner);
      socket.on('close', () => {
        ctx.room.events.removeOwner(owner);
        ctx.meeting.events.removeOwner(owner);
        ctx.selftest?.events.removeOwner(owner);
      });
      socket.on('error', () => socket.terminate());
    });
  };
}

/** `sendError` re-exported for the panel plugin's own not-found answers. */
export function notFound(reply: FastifyReply, what: string): FastifyReply {
  return sendError(reply, new RoomError('NotFound', `no panel file ${what}`));
}

const FORBIDDEN_PAGE = `<!doctype html><html lang="{{lang}}"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>roomd — technicien</title><link rel="stylesheet" href="/panel/panel.css"><body class="tech">
<main class="tech-main"><h1>Page technicien</h1>
<p lang="fr">Aucun code PIN n’est configuré (<code>http.panelPin</code>) : cette page n’est accessible que depuis la machine qui fait tourner roomd.</p>
<p lang="en">No PIN is configured (<code>http.panelPin</code>): this page is only served to the machine roomd runs on.</p>
<p><a href="/">← Panneau / Panel</a></p></main></body></html>`;
