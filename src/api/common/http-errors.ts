import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RoomError, httpStatusOf, type ErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';

/** The one error body: `{ error: { code, message } }`. */
export function sendError(reply: FastifyReply, error: RoomError): FastifyReply {
  return reply.code(httpStatusOf(error.code)).send({ error: error.toJSON() });
}

/**
 * Maps every error to the contract's status codes. Anything a client sent (bad JSON, a body too
 * large, a wrong type) is a 4xx with the reason; only our own bugs are a 500, and they are logged.
 */
export function errorHandler(log: Logger) {
  return (err: FastifyError | RoomError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof RoomError) return sendError(reply, err);
    const fe = err as FastifyError;
    const code = clientErrorCode(fe);
    if (code) return sendError(reply, new RoomError(code, clientMessage(fe)));
    log.error({ err, url: request.url }, 'unhandled error in request');
    return sendError(reply, new RoomError('Internal', 'internal error (logged)'));
  };
}

function clientErrorCode(err: FastifyError): ErrorCode | undefined {
  if (err.validation) return 'BadArgs';
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'PayloadTooLarge';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'BadRequest';
  }
  if (err.statusCode === 429) return 'RateLimited';
  if (err.statusCode === 413) return 'PayloadTooLarge';
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return 'BadRequest';
  if (err instanceof SyntaxError) return 'BadRequest';
  return undefined;
}

function clientMessage(err: FastifyError): string {
  if (err.validation) {
    const first = err.validation[0];
    const where = `${err.validationContext ?? 'body'}${first?.instancePath?.replaceAll('/', '.') ?? ''}`;
    return `${where}: ${first?.message ?? 'invalid'}`;
  }
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) return `body is not valid JSON: ${err.message}`;
  return err.message;
}
