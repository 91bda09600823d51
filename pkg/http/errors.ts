import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { ErrorBody, ErrorCode } from '../contract/index.ts';
import { toAppError } from '../services/errors.ts';

export const STATUS_OF: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** fastify's own client errors, by code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
};

export function zodMessage(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}

export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const body: ErrorBody = { error: { code, message, requestId: String(reply.request.id) } };
  return reply.status(STATUS_OF[code]).type('application/json').send(body);
}

/**
 * The one error handler: expected failures become their status, anything else a logged 500. A database that cannot
 * be reached is a 503 with Retry-After on every route (`toAppError`), logged with its cause.
 */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(error);
  if (appError) {
    if (appError !== error) {
      // One line per refused request, without a stack: an outage refuses many, and their cause is the same.
      const cause = appError.cause instanceof Error ? appError.cause.message : String(appError.cause);
      request.log.warn({ route: request.routeOptions.url, cause }, 'request refused: the database is unavailable');
    }
    if (appError.retryAfterSeconds !== undefined) {
      reply.header('retry-after', String(appError.retryAfterSeconds));
    }
    return sendError(reply, appError.code, appError.message);
  }
  if (error instanceof ZodError) {
    return sendError(reply, 'bad_request', zodMessage(error));
  }
  const fastifyError = error as FastifyError;
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) {
    return sendError(reply, known, fastifyError.message);
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return sendError(reply, 'bad_request', fastifyError.message);
  }
  request.log.error({ err: error }, 'request failed');
  return sendError(reply, 'internal', 'internal error; the request id identifies it in the sidecar log');
}
