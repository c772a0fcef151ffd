import { randomUUID } from 'node:crypto';
import { RoomError } from '../core/errors.ts';
import { toMs } from './time.ts';
import type { CallInput, CallPatch, EndSessionInput, FaultInput, Instant, StartSessionInput, TravelInput } from './types.ts';
import type { StoredTravel, WriteOp } from './write-ops.ts';

const END_REASONS = new Set(['user', 'idle', 'night', 'shutdown', 'booking']);

/** What turning a request into a write op needs from the store. */
export interface InputContext {
  room: string;
  timeZone: string;
  now(): number;
  /** Avoided travel with its km and CO₂ frozen (BadArgs for a bad entry). */
  travel(input: readonly TravelInput[] | undefined): StoredTravel;
}

/** `value` as epoch ms in the room's zone; now when absent. */
export function instantMs(ctx: InputContext, value: Instant | undefined, field: string): number {
  return value === undefined ? ctx.now() : toMs(value, field, ctx.timeZone);
}

/** A session start, validated (BadArgs for a bad time, a missing startedBy, bad travel). */
export function startOp(ctx: InputContext, input: StartSessionInput): Extract<WriteOp, { kind: 'start' }> {
  const at = instantMs(ctx, input.at, 'at');
  if (typeof input.startedBy !== 'string' || input.startedBy === '') throw new RoomError('BadArgs', 'startedBy is required');
  const travel = ctx.travel(input.avoidedTravel);
  return { kind: 'start', id: randomUUID(), room: ctx.room, organisation: clean(input.organisation), title: clean(input.title), at, startedBy: input.startedBy, travel, bookingId: clean(input.bookingId) };
}

/** A session end, validated (BadArgs for an unknown reason, a bad time, bad travel). */
export function endOp(ctx: InputContext, id: string, input: EndSessionInput): Extract<WriteOp, { kind: 'end' }> {
  if (!END_REASONS.has(input.reason)) {
    throw new RoomError('BadArgs', `reason must be one of ${[...END_REASONS].join(', ')}, got ${JSON.stringify(input.reason)}`);
  }
  const at = instantMs(ctx, input.at, 'at');
  const travel = input.avoidedTravel === undefined ? undefined : ctx.travel(input.avoidedTravel);
  return { kind: 'end', id, at, endedBy: input.endedBy, reason: input.reason, ...(travel ? { travel } : {}) };
}

/** A call during session `sessionId`, times in epoch ms. */
export function callOp(ctx: InputContext, sessionId: string, call: CallInput): WriteOp {
  return {
    kind: 'call',
    sessionId,
    number: String(call.number),
    direction: call.direction ?? 'outgoing',
    startedAt: instantMs(ctx, call.startedAt, 'startedAt'),
    connectedAt: optMs(call.connectedAt, 'connectedAt', ctx.timeZone),
    endedAt: optMs(call.endedAt, 'endedAt', ctx.timeZone),
    outcome: call.outcome ?? null,
  };
}

/** The fields of a call update that are present, times in epoch ms. */
export function callPatchMs(timeZone: string, patch: CallPatch): { connectedAt?: number | null; endedAt?: number | null; outcome?: CallPatch['outcome'] } {
  return {
    ...(patch.connectedAt !== undefined ? { connectedAt: optMs(patch.connectedAt, 'connectedAt', timeZone) } : {}),
    ...(patch.endedAt !== undefined ? { endedAt: optMs(patch.endedAt, 'endedAt', timeZone) } : {}),
    ...(patch.outcome !== undefined ? { outcome: patch.outcome } : {}),
  };
}

/** A device fault; `sessionId` null for one outside any meeting. */
export function faultOp(ctx: InputContext, sessionId: string | null, fault: FaultInput): WriteOp {
  return { kind: 'fault', sessionId, at: instantMs(ctx, fault.at, 'at'), device: fault.device ?? null, code: String(fault.code), message: String(fault.message) };
}

function clean(s: string | null | undefined): string | null {
  if (typeof s !== 'string') return null;
  const t = s.trim();
  return t === '' ? null : t;
}

function optMs(v: Instant | null | undefined, field: string, timeZone: string): number | null {
  return v === undefined || v === null ? null : toMs(v, field, timeZone);
}
