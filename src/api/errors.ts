import { isFetchError } from '@grafana/runtime';
import type { ErrorCode } from './types';

/** The sidecar's error codes, plus `network` for a request that got no HTTP answer at all. */
export type ApiErrorCode = ErrorCode | 'network';

/** Any failed call to the sidecar: its own `{error: {code, message, requestId}}`, a proxy error or no answer. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  /** HTTP status; 0 when there was no answer. */
  readonly status: number;
  /** The sidecar's request id, to find the call in its log; null when the sidecar did not answer. */
  readonly requestId: string | null;

  constructor(code: ApiErrorCode, status: number, message: string, requestId: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

type SidecarErrorBody = { error: { code: ErrorCode; message: string; requestId?: string } };

function isSidecarErrorBody(data: unknown): data is SidecarErrorBody {
  if (typeof data !== 'object' || data === null || !('error' in data)) {
    return false;
  }
  const error = (data as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/** What Grafana itself says when the proxy fails: JSON with a message, or a plain text body. */
function proxyMessage(data: unknown): string | undefined {
  if (typeof data === 'string' && data.trim() !== '') {
    return data.trim();
  }
  if (typeof data === 'object' && data !== null) {
    const { message, error } = data as { message?: unknown; error?: unknown };
    if (typeof message === 'string' && message !== '') {
      return message;
    }
    if (typeof error === 'string' && error !== '') {
      return error;
    }
  }
  return undefined;
}

/** Turns whatever a failed `getBackendSrv().fetch` threw into an ApiError. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  if (isFetchError(error) && error.status > 0) {
    const { status, data } = error;
    if (isSidecarErrorBody(data)) {
      return new ApiError(data.error.code, status, data.error.message, data.error.requestId ?? null);
    }
    // No sidecar error body: Grafana answered (plugin proxy, auth) or something between Grafana and the sidecar did.
    const code = CODE_OF_STATUS[status] ?? 'internal';
    const given = proxyMessage(data) ?? error.statusText;
    const message =
      code === 'unavailable'
        ? `Grafana could not reach the SRE Copilot sidecar (${given || `status ${status}`}). Check the sidecar URL on the app's configuration page and that the sidecar is running.`
        : given || `Request failed with status ${status}`;
    return new ApiError(code, status, message);
  }
  const message = error instanceof Error && error.message ? error.message : 'The request got no answer';
  return new ApiError('network', 0, `Network error: ${message}`);
}
