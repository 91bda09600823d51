import { redactUrl } from '../outbound/redact-url.ts';
import { TransportError, networkReason } from '../outbound/transport.ts';
import type { PrometheusTarget } from './target.ts';

export type PrometheusErrorKind =
  'not_allowed' | 'redirect' | 'timeout' | 'network' | 'http' | 'bad_response' | 'query';

/** A failed call to Prometheus, in words an operator can act on. Never carries credentials. */
export class PrometheusError extends Error {
  readonly kind: PrometheusErrorKind;
  readonly status?: number;

  constructor(kind: PrometheusErrorKind, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PrometheusError';
    this.kind = kind;
    if (options?.status !== undefined) {
      this.status = options.status;
    }
  }
}

/** An integration that cannot become a target as configured (e.g. Grafana mode without a Grafana token). */
export class PrometheusConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrometheusConfigError';
  }
}

/** How every message names a target: its name and base URL, never its headers. */
export function describe(target: PrometheusTarget): string {
  return `Prometheus "${target.name}" (${redactUrl(target.baseUrl)})`;
}

/**
 * A failed HTTP exchange as the PrometheusError an operator reads; anything else (an abort's reason) is returned as
 * it is.
 */
export function fromTransportError(target: PrometheusTarget, error: unknown): unknown {
  if (!(error instanceof TransportError)) {
    return error;
  }
  switch (error.kind) {
    case 'timeout':
      return new PrometheusError('timeout', `${describe(target)} did not answer within ${formatSeconds(error.limit!)}`);
    case 'network':
      return new PrometheusError('network', `${describe(target)} cannot be reached: ${networkReason(error.cause)}`, {
        cause: error.cause,
      });
    case 'broken':
      return error.cause === undefined
        ? new PrometheusError('network', `${describe(target)} broke off its answer`)
        : new PrometheusError('network', `${describe(target)} broke off its answer: ${networkReason(error.cause)}`, {
            cause: error.cause,
          });
    case 'redirect': {
      const { status, location } = error;
      return new PrometheusError(
        'redirect',
        `${describe(target)} answered with a redirect (${status}${location ? ` to ${redactUrl(location)}` : ''}); ` +
          'redirects are not followed: configure the final URL',
        { status }
      );
    }
    case 'too_large':
      return new PrometheusError(
        'bad_response',
        `${describe(target)} answered with more than ${formatBytes(error.limit!)}; narrow the query`,
        { status: error.status }
      );
  }
}

/** What `test()` reports for a failure: our own messages, never an unexpected error's. */
export function operatorMessage(error: unknown): string {
  if (error instanceof PrometheusError || error instanceof PrometheusConfigError) {
    return error.message;
  }
  return 'the test failed unexpectedly';
}

const formatBytes = (bytes: number) => (bytes >= 1e6 ? `${Math.round(bytes / 1e6)} MB` : `${bytes} bytes`);

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;
