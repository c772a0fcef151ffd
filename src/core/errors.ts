/**
 * Errors are values with codes. Every surface maps them once: REST through {@link httpStatusOf},
 * MQTT and the WebSocket by putting `{ code, message }` in their result payloads.
 */
export type ErrorCode =
  | 'BadRequest' // malformed request body (not JSON, wrong shape)
  | 'BadArgs' // command arguments do not match the capability's schema
  | 'Unauthorized'
  | 'Forbidden'
  | 'ForeignHost' // the Host header names another machine (DNS rebinding): 421
  | 'UnknownDevice'
  | 'UnknownCommand'
  | 'NotFound'
  | 'Unsupported' // the device does not have the capability that owns this command
  | 'Conflict'
  | 'PayloadTooLarge'
  | 'RateLimited'
  | 'DeviceError' // the device answered, with an error
  | 'DeviceOffline'
  | 'DeviceTimeout'
  | 'Superseded' // a newer latest-wins command replaced this one before it was sent
  | 'ConfigError'
  | 'RetainedCommand' // an MQTT command carried the retain flag: never executed (it would replay at every connect)
  | 'Unavailable' // a service of the daemon itself (the session log) cannot answer right now
  | 'Internal';

const HTTP_STATUS: Record<ErrorCode, number> = {
  BadRequest: 400,
  BadArgs: 400,
  Unauthorized: 401,
  Forbidden: 403,
  ForeignHost: 421,
  UnknownDevice: 404,
  UnknownCommand: 404,
  NotFound: 404,
  Unsupported: 409,
  Conflict: 409,
  PayloadTooLarge: 413,
  RateLimited: 429,
  DeviceError: 502,
  DeviceOffline: 503,
  DeviceTimeout: 504,
  Superseded: 409,
  ConfigError: 400,
  RetainedCommand: 400,
  Unavailable: 503,
  Internal: 500,
};

/** An error with a stable code that surfaces can map without string matching. */
export class RoomError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'RoomError';
    this.code = code;
    if (details) this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

/** HTTP status for an error code (the one place this mapping lives). */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** Wraps anything thrown into a RoomError; unknown errors become `Internal` (never shown as a client fault). */
export function toRoomError(err: unknown, fallback: ErrorCode = 'Internal'): RoomError {
  if (err instanceof RoomError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RoomError(fallback, message);
}

export function isRoomError(err: unknown, code?: ErrorCode): err is RoomError {
  return err instanceof RoomError && (code === undefined || err.code === code);
}
