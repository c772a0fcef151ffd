import type { FastifyInstance } from 'fastify';
import { makeCommand } from '../../core/command.ts';
import { RoomError, toRoomError } from '../../core/errors.ts';
import '../common/http-auth.ts';
import { allows, type Identity } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { snapshot } from '../snapshot.ts';

const MAX_MESSAGE_BYTES = 16 * 1024;
/** A client that cannot keep up is dropped rather than buffering without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * `GET /api/v1/events`: a full snapshot first, then every change (`state`, `meeting`, `session`,
 * and `selftest` with each new self-test result).
 * The panel also sends commands over it (`{ type: "command", id, device, command, args }`), which
 * keeps joystick moves off the HTTP request path; if the client that moved a camera goes away,
 * the camera is stopped.
 */
export function eventsRoute(ctx: ApiContext) {
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: { token?: string } }>('/api/v1/events', {
      websocket: true,
      schema: { hide: true } as never,
      // Authenticate before the upgrade, so a client without a valid token gets a plain 401/403.
      preValidation: async (request) => {
        // Browsers cannot set headers on a WebSocket, so the token may come as ?token=.
        const header = request.headers.authorization ?? (request.query.token ? `Bearer ${request.query.token}` : undefined);
        const identity = ctx.auth.identify(header, request.socket.remoteAddress);
        if (!allows(identity.role, 'read')) throw new RoomError('Forbidden', `the ${identity.role} role may not read events`);
        request.identity = identity;
      },
    }, (socket, request) => {
      const identity: Identity = request.identity!;
      const send = (message: unknown) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          socket.terminate();
          return;
        }
        socket.send(JSON.stringify(message));
      };
      const owner = {};
      let movedCamera = false;
      send({ type: 'state', snapshot: true, ...snapshot(ctx.room, ctx.meeting) });
      ctx.room.events.on('device', (change) => send({ type: 'state', device: change.to, changed: change.changed, reason: change.reason }), owner);
      ctx.room.events.on('deviceRemoved', (record) => send({ type: 'state', removed: record.id }), owner);
      ctx.room.events.on('deviceAdded', (record) => send({ type: 'state', device: record, changed: ['added'], reason: 'added' }), owner);
      ctx.meeting.events.on('meeting', (meeting) => send({ type: 'meeting', meeting }), owner);
      ctx.meeting.events.on('session', (session) => send({ type: 'session', session }), owner);
      // The panel shows the last self-test on its idle screen: each new result comes as it lands.
      ctx.selftest?.events.on('result', (selftest) => send({ type: 'selftest', selftest }), owner);

      socket.on('message', (data: Buffer, isBinary: boolean) => {
        void handleMessage(data, isBinary);
      });
      const handleMessage = async (data: Buffer, isBinary: boolean) => {
        let message: { type?: unknown; id?: unknown; device?: unknown; command?: unknown; args?: unknown };
        try {
          if (isBinary || data.length > MAX_MESSAGE_BYTES) throw new Error(`messages must be JSON text under ${MAX_MESSAGE_BYTES} bytes`);
          message = JSON.parse(data.toString('utf8'));
          if (!message || typeof message !== 'object') throw new Error('expected a JSON object');
        } catch (err) {
          send({ type: 'result', ok: false, error: { code: 'BadRequest', message: (err as Error).message } });
          return;
        }
        const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : undefined;
        if (message.type === 'ping') return send({ type: 'pong', id });
        if (message.type !== 'command' || typeof message.device !== 'string' || typeof message.command !== 'string') {
          send({ type: 'result', id, ok: false, error: { code: 'BadRequest', message: 'expected { type: "command", device, command, args? }' } });
          return;
        }
        try {
          // The role is checked by the command bus, which audits a refusal like any other outcome.
          if (message.command === 'move') movedCamera = true;
          const result = await ctx.room.execute(
            makeCommand(message.device, message.command, message.args ?? {}, { surface: 'ws', identity: identity.name, role: identity.role }),
          );
          send({ type: 'result', id, ok: true, state: result.state });
        } catch (err) {
          send({ type: 'result', id, ok: false, error: toRoomError(err).toJSON() });
        }
      };
      socket.on('close', () => {
        ctx.room.events.removeOwner(owner);
        ctx.meeting.events.removeOwner(owner);
        ctx.selftest?.events.removeOwner(owner);
        if (movedCamera) void ctx.room.stopAllMotion('controlling client disconnected');
      });
      socket.on('error', () => socket.terminate());
    });
  };
}

