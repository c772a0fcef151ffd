import { Type, Value, type Static, type TSchema } from '../core/typebox.ts';

/**
 * What the collector reads from a room's topics, checked field by field. A bad message yields the
 * first wrong field's path and why; the collector logs it and carries on. Pure.
 */

const IsoTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T' });

/** A closed session as a room's outbox publishes it (more fields are kept as they come). */
export const FleetSession = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  room: Type.String({ minLength: 1 }),
  revision: Type.Integer({ minimum: 0 }),
  startedAt: IsoTime,
  status: Type.Union([Type.Literal('closed'), Type.Literal('interrupted')]),
  organisation: Type.Union([Type.String(), Type.Null()]),
  durationMin: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  lastActivityAt: IsoTime,
  kmAvoided: Type.Number({ minimum: 0 }),
  co2Kg: Type.Number({ minimum: 0 }),
  dialed: Type.Array(Type.Object({ number: Type.String() })),
  avoidedTravel: Type.Array(Type.Object({ name: Type.String(), people: Type.Integer({ minimum: 0 }), cars: Type.Integer({ minimum: 0 }), km: Type.Number({ minimum: 0 }) })),
  faults: Type.Array(Type.Unknown()),
});
export type FleetSession = Static<typeof FleetSession> & Record<string, unknown>;

const MeetingState = Type.Object({ active: Type.Boolean() });
const DeviceState = Type.Object({ id: Type.String(), online: Type.Boolean(), name: Type.Optional(Type.String()) });

export type Parsed<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

function check<T>(schema: TSchema, payload: Buffer): Parsed<T> {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, field: '(payload)', message: `not JSON: ${(err as Error).message}` };
  }
  const first = Value.Errors(schema, value).First();
  if (first) return { ok: false, field: first.path.replaceAll('/', '.').replace(/^\./, '') || '(payload)', message: first.message };
  return { ok: true, value: value as T };
}

export const parseSession = (payload: Buffer): Parsed<FleetSession> => check<FleetSession>(FleetSession, payload);
export const parseMeeting = (payload: Buffer): Parsed<{ active: boolean }> => check(MeetingState, payload);
export const parseDevice = (payload: Buffer): Parsed<{ id: string; online: boolean; name?: string }> => check(DeviceState, payload);

/** The self-test result is shown as the room published it; it only has to be a JSON object. */
export function parseSelftest(payload: Buffer): Parsed<Record<string, unknown>> {
  const parsed = check<unknown>(Type.Object({}), payload);
  return parsed as Parsed<Record<string, unknown>>;
}

/** `online` / `offline` (a room's `B/status`, retained and its last will). */
export function parseStatus(payload: Buffer): Parsed<boolean> {
  const text = payload.toString('utf8').trim();
  if (text === 'online') return { ok: true, value: true };
  if (text === 'offline') return { ok: true, value: false };
  return { ok: false, field: '(payload)', message: `expected online or offline, got ${JSON.stringify(text.slice(0, 40))}` };
}
