import pLimit, { type LimitFunction } from 'p-limit';
import type { IntegrationTestResult } from '../../contract/index.ts';
import { HostAllowList, checkOutboundUrl } from '../outbound/allow-list.ts';
import { HttpTransport, type TransportResponse } from '../outbound/transport.ts';
import { PrometheusError, fromTransportError, operatorMessage } from './errors.ts';
import {
  instantSamples,
  parseBuildInfo,
  parseQueryData,
  rangeSeries,
  readEnvelope,
  type QueryData,
  type RangeSeries,
  type Sample,
} from './response.ts';
import type { PrometheusTarget } from './target.ts';

export { isHostAllowed } from '../outbound/allow-list.ts';
export { PrometheusConfigError, PrometheusError, type PrometheusErrorKind } from './errors.ts';
export type { RangeSeries, Sample } from './response.ts';
export { prometheusTarget, type PrometheusTarget } from './target.ts';

export interface PrometheusClientOptions {
  /** The sidecar's outbound allow-list (or its `host` / `host:port` entries); nothing else is ever contacted. */
  allowedHosts: HostAllowList | string[];
  /** Per attempt, from sending the request to the end of the body. */
  timeoutMs: number;
  /** Requests in flight per base URL; more wait in a queue. */
  maxInFlightPerTarget: number;
  /** Retries after network errors, timeouts, 5xx and 429 (default 2). */
  retries?: number;
  /** First backoff ceiling; doubles per retry, full jitter (default 200 ms). */
  retryBaseMs?: number;
  /** Largest body read (default 50 MB); larger answers are refused. */
  maxResponseBytes?: number;
}

const MAX_BACKOFF_MS = 10_000;

interface CallOptions {
  signal?: AbortSignal;
  retries?: number;
}

/**
 * Prometheus' HTTP API for many targets: only allow-listed hosts, no redirects, a timeout per attempt, a bounded
 * number of requests in flight per target, retries with backoff for what may pass, every answer parsed.
 */
export class PrometheusClient {
  private readonly allowed: HostAllowList;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxBytes: number;
  private readonly limits = new Map<string, LimitFunction>();
  private readonly transport = new HttpTransport();

  constructor(options: PrometheusClientOptions) {
    this.allowed =
      options.allowedHosts instanceof HostAllowList ? options.allowedHosts : new HostAllowList(options.allowedHosts);
    this.timeoutMs = options.timeoutMs;
    this.maxInFlight = Math.max(1, options.maxInFlightPerTarget);
    this.retries = Math.max(0, options.retries ?? 2);
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.maxBytes = options.maxResponseBytes ?? 50_000_000;
  }

  /** `POST api/v1/query` at `atMs`; a scalar result is one sample without labels. */
  async queryInstant(target: PrometheusTarget, expr: string, atMs: number, signal?: AbortSignal): Promise<Sample[]> {
    const form = new URLSearchParams({ query: expr, time: seconds(atMs) });
    return instantSamples(target, await this.query(target, 'api/v1/query', form, { signal }));
  }

  /** `POST api/v1/query_range` from `startMs` to `endMs` every `stepMs`. */
  async queryRange(
    target: PrometheusTarget,
    expr: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    signal?: AbortSignal
  ): Promise<RangeSeries[]> {
    const form = new URLSearchParams({
      query: expr,
      start: seconds(startMs),
      end: seconds(endMs),
      step: seconds(stepMs),
    });
    return rangeSeries(target, await this.query(target, 'api/v1/query_range', form, { signal }));
  }

  /** `GET api/v1/status/buildinfo`. */
  async buildInfo(target: PrometheusTarget): Promise<{ version: string | null }> {
    return this.buildInfoWith(target, {});
  }

  /** Reaches the target the way polling does: build info and `up`. Never throws. */
  async test(target: PrometheusTarget): Promise<IntegrationTestResult> {
    const timed = async <T>(call: () => Promise<T>) => {
      const started = performance.now();
      const value = await call();
      return { value, ms: performance.now() - started };
    };
    const checkedAt = new Date().toISOString();
    // An operator is waiting: one attempt each, no retries.
    const [info, up] = await Promise.allSettled([
      timed(() =>
        this.buildInfoWith(target, { retries: 0 }).catch((error: unknown) => {
          // Prometheus-compatible stores without the endpoint (or older Prometheus) still answer queries.
          if (error instanceof PrometheusError && error.kind === 'http' && error.status === 404) {
            return { version: null };
          }
          throw error;
        })
      ),
      timed(() => this.query(target, 'api/v1/query', new URLSearchParams({ query: 'up' }), { retries: 0 })),
    ]);
    const latencyMs = Math.round(
      Math.max(info.status === 'fulfilled' ? info.value.ms : 0, up.status === 'fulfilled' ? up.value.ms : 0)
    );
    const failed = [info, up].find((r) => r.status === 'rejected');
    if (failed) {
      return { ok: false, latencyMs, version: null, targets: null, error: operatorMessage(failed.reason), checkedAt };
    }
    const version = info.status === 'fulfilled' ? info.value.value.version : null;
    let targets: IntegrationTestResult['targets'] = null;
    if (up.status === 'fulfilled' && up.value.value.resultType === 'vector') {
      const series = up.value.value.result;
      targets = { total: series.length, up: series.filter((s) => s.value?.[1] === '1').length };
    }
    return { ok: true, latencyMs, version, targets, error: null, checkedAt };
  }

  /** Closes the kept-alive connections (requests in flight are cut off). */
  close(): void {
    this.transport.close();
  }

  /** Requests in flight now to that base URL. */
  inFlight(baseUrl: string): number {
    return this.limits.get(baseUrl)?.activeCount ?? 0;
  }

  private async buildInfoWith(target: PrometheusTarget, options: CallOptions): Promise<{ version: string | null }> {
    return parseBuildInfo(target, await this.call(target, 'api/v1/status/buildinfo', null, options));
  }

  private async query(
    target: PrometheusTarget,
    path: string,
    form: URLSearchParams,
    options: CallOptions
  ): Promise<QueryData> {
    return parseQueryData(target, await this.call(target, path, form, options));
  }

  /** One API call with retries; returns the envelope's `data`. */
  private async call(
    target: PrometheusTarget,
    path: string,
    form: URLSearchParams | null,
    options: CallOptions
  ): Promise<unknown> {
    const url = this.checkUrl(target, path);
    const retries = options.retries ?? this.retries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.limitOf(target.baseUrl)(() => this.attempt(target, url, form, options.signal));
      } catch (error) {
        if (options.signal?.aborted) {
          throw options.signal.reason;
        }
        if (!(error instanceof PrometheusError) || attempt >= retries || !retryable(error)) {
          throw error;
        }
        const ceiling = Math.min(MAX_BACKOFF_MS, this.retryBaseMs * 2 ** attempt);
        await sleep(Math.random() * ceiling, options.signal);
      }
    }
  }

  /** One HTTP exchange (never follows a redirect, bounded in time and size) and its envelope's `data`. */
  private async attempt(
    target: PrometheusTarget,
    url: URL,
    form: URLSearchParams | null,
    signal?: AbortSignal
  ): Promise<unknown> {
    const body = form?.toString();
    const headers: Record<string, string> = { ...target.headers, accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    let answer: TransportResponse;
    try {
      answer = await this.transport.send({
        url,
        method: body === undefined ? 'GET' : 'POST',
        headers,
        body,
        timeoutMs: this.timeoutMs,
        maxResponseBytes: this.maxBytes,
        signal,
      });
    } catch (error) {
      throw fromTransportError(target, error);
    }
    return readEnvelope(target, answer.status, answer.text);
  }

  private checkUrl(target: PrometheusTarget, path: string): URL {
    const checked = checkOutboundUrl(path, target.baseUrl, this.allowed);
    if ('url' in checked) {
      return checked.url;
    }
    switch (checked.refused) {
      case 'invalid':
        throw new PrometheusError('not_allowed', `Prometheus "${target.name}" has no valid URL`, {
          cause: checked.cause,
        });
      case 'scheme':
        throw new PrometheusError(
          'not_allowed',
          `Prometheus "${target.name}": only http(s) URLs without credentials in them are used`
        );
      case 'host':
        throw new PrometheusError(
          'not_allowed',
          `Prometheus "${target.name}": the host ${checked.host} is not allowed; an operator must add it to ` +
            'PROMETHEUS_ALLOWED_HOSTS or OUTBOUND_ALLOWED_HOSTS (or use the Grafana of GRAFANA_URL)'
        );
    }
  }

  private limitOf(baseUrl: string): LimitFunction {
    let limit = this.limits.get(baseUrl);
    if (!limit) {
      limit = pLimit(this.maxInFlight);
      this.limits.set(baseUrl, limit);
    }
    return limit;
  }
}

function retryable(error: PrometheusError): boolean {
  if (error.kind === 'network' || error.kind === 'timeout') {
    return true;
  }
  return error.status !== undefined && (error.status >= 500 || error.status === 429) && error.kind !== 'redirect';
}

const seconds = (ms: number) => String(ms / 1000);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
