import { DatabaseUnavailableError } from '../adapters/db/database.ts';
import type { ErrorCode } from '../contract/index.ts';

/**
 * An expected failure with its API error code; the HTTP layer maps the code to a status. It knows nothing of HTTP:
 * `retryAfterSeconds` says when a retry may succeed, and the HTTP layer sends it as Retry-After.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const forbidden = (message: string) => new AppError('forbidden', message);
export const unauthorized = (message: string) => new AppError('unauthorized', message);
export const badRequest = (message: string) => new AppError('bad_request', message);
export const conflict = (message: string) => new AppError('conflict', message);

/**
 * The seconds after which a request that failed because the database is unreachable is worth retrying: long enough
 * for a restart or failover to make progress, short enough that senders catch up soon after it.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The `AppError` an error thrown by a service stands for, or undefined when it is none (a bug: a 500). A database
 * that cannot be reached, wherever it failed, is `unavailable` with `DATABASE_RETRY_AFTER_SECONDS`: the one place
 * that translates it, so that no service has to catch it around each call. An `AppError` stays as it is.
 */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) {
    return error;
  }
  // Also when a wrapper (a library, a job) put it in its cause; the depth is bounded against cycles.
  let inner: unknown = error;
  for (let depth = 0; depth < 8 && inner instanceof Error; depth++) {
    if (inner instanceof DatabaseUnavailableError) {
      return new AppError('unavailable', 'the database is unavailable; retry after the time in Retry-After', {
        cause: inner,
        retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
      });
    }
    inner = inner.cause;
  }
  return undefined;
}
