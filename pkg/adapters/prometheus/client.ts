import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import pLimit, { type LimitFunction } from 'p-limit';
import { z } from 'zod';
import { integrationConfigSchemas, type IntegrationTestResult } from '../../contract/index.ts';

/** One Prometheus HTTP API: directly, or one data source behind Grafana's datasource proxy. */
export interface PrometheusTarget {
  id: string;
  name: string;
  /** Ends with '/': `http://prom:9090/` or `<grafana>/api/datasources/proxy/uid/<uid>/`. */
  baseUrl: string;
  /** Authentication headers; never logged, never part of an error. */
  headers: Record<string, string>;
}

export interface Sample {
  labels: Record<string, string>;
  /** NaN and ±Inf as Prometheus wrote them. */
  value: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  /** [unix ms, value] */
  points: Array<[number, number]>;
}

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

export interface PrometheusClientOptions {
  /** `host` or `host:port`, lower-case; nothing else is ever contacted. */
  allowedHosts: string[];
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

// Prometheus' API envelope (https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview).
const labelsSchema = z.record(z.string(), z.string());
const sampleValue = z.tuple([z.number(), z.string()]);
const envelope = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});
const queryData = z.discriminatedUnion('resultType', [
  z.object({
    resultType: z.literal('vector'),
    // Native histogram samples carry `histogram` instead of `value`; they have no single number and are skipped.
    result: z.array(z.object({ metric: labelsSchema, value: sampleValue.optional() })),
  }),
  z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric: labelsSchema, values: z.array(sampleValue).optional() })),
  }),
  z.object({ resultType: z.literal('scalar'), result: sampleValue }),
  z.object({ resultType: z.literal('string'), result: sampleValue }),
]);
const buildInfoData = z.object({ version: z.string().optional() });

type QueryData = z.infer<typeof queryData>;

interface CallOptions {
  signal?: AbortSignal;
  retries?: number;
}

/**
 * Prometheus' HTTP API for many targets: only allow-listed hosts, no redirects, a timeout per attempt, a bounded
 * number of requests in flight per target, retries with backoff for what may pass, every answer parsed.
 */
export class PrometheusClient {
  private readonly allowed: Set<string>;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxBytes: number;
  private readonly limits = new Map<string, LimitFunction>();
  // Kept-alive connections; idle ones close after 30 s and never keep the process alive.
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxFreeSockets: 64, timeout: 30_000 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxFreeSockets: 64, timeout: 30_000 });

  constructor(options: PrometheusClientOptions) {
    this.allowed = new Set(options.allowedHosts.map(normaliseHostEntry));
    this.timeoutMs = options.timeoutMs;
    this.maxInFlight = Math.max(1, options.maxInFlightPerTarget);
    this.retries = Math.max(0, options.retries ?? 2);
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.maxBytes = options.maxResponseBytes ?? 50_000_000;
  }

  /** `POST api/v1/query` at `atMs`; a scalar result is one sample without labels. */
  async queryInstant(target: PrometheusTarget, expr: string, atMs: number, signal?: AbortSignal): Promise<Sample[]> {
    const form = new URLSearchParams({ query: expr, time: seconds(atMs) });
    const data = await this.query(target, 'api/v1/query', form, { signal });
    switch (data.resultType) {
      case 'vector': {
        const samples: Sample[] = [];
        for (const item of data.result) {
          if (item.value) {
            samples.push({ labels: item.metric, value: parseValue(target, item.value[1]) });
          }
        }
        return samples;
      }
      case 'scalar':
        return [{ labels: {}, value: parseValue(target, data.result[1]) }];
      case 'matrix':
        throw new PrometheusError(
          'query',
          `${describe(target)}: the query returns a range vector; use an instant vector (e.g. wrap it in rate())`
        );
      case 'string':
        throw new PrometheusError('query', `${describe(target)}: the query returns a string, not numbers`);
    }
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
    const data = await this.query(target, 'api/v1/query_range', form, { signal });
    if (data.resultType !== 'matrix') {
      throw new PrometheusError('bad_response', `${describe(target)} answered a range query with a ${data.resultType}`);
    }
    return data.result.map((item) => ({
      labels: item.metric,
      points: (item.values ?? []).map(([t, v]): [number, number] => [Math.round(t * 1000), parseValue(target, v)]),
    }));
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
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Requests in flight now to that base URL. */
  inFlight(baseUrl: string): number {
    return this.limits.get(baseUrl)?.activeCount ?? 0;
  }

  private async buildInfoWith(target: PrometheusTarget, options: CallOptions): Promise<{ version: string | null }> {
    const data = await this.call(target, 'api/v1/status/buildinfo', null, options);
    const parsed = buildInfoData.safeParse(data);
    if (!parsed.success) {
      throw new PrometheusError('bad_response', `${describe(target)} answered buildinfo with an unexpected shape`);
    }
    return { version: parsed.data.version ?? null };
  }

  private async query(
    target: PrometheusTarget,
    path: string,
    form: URLSearchParams,
    options: CallOptions
  ): Promise<QueryData> {
    const data = await this.call(target, path, form, options);
    const parsed = queryData.safeParse(data);
    if (!parsed.success) {
      throw new PrometheusError('bad_response', `${describe(target)} answered a query with an unexpected shape`);
    }
    return parsed.data;
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

  private async attempt(
    target: PrometheusTarget,
    url: URL,
    form: URLSearchParams | null,
    signal?: AbortSignal
  ): Promise<unknown> {
    signal?.throwIfAborted();
    const body = form?.toString();
    const headers: Record<string, string> = { ...target.headers, accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    let answer = await this.send(target, url, headers, body, signal);
    if ('staleSocket' in answer) {
      // A kept-alive connection the server had closed meanwhile: once more on a fresh one, not counted as a retry.
      answer = await this.send(target, url, headers, body, signal);
    }
    if ('staleSocket' in answer) {
      throw answer.error;
    }
    return interpret(target, answer.status, answer.text);
  }

  /**
   * One HTTP exchange over node:http(s) with keep-alive (a third of fetch's CPU per query, measured by
   * bench/poll.ts). Never follows a redirect; a timeout covers the whole exchange; the body is bounded.
   */
  private send(
    target: PrometheusTarget,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined
  ): Promise<{ status: number; text: string } | { staleSocket: true; error: PrometheusError }> {
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (
        error: unknown,
        value?: { status: number; text: string } | { staleSocket: true; error: PrometheusError }
      ) => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) {
          resolve(value!);
        } else {
          reject(error);
        }
      };
      const request = (https ? httpsRequest : httpRequest)(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers,
        agent: https ? this.httpsAgent : this.httpAgent,
      });
      const timer = setTimeout(() => {
        finish(
          new PrometheusError('timeout', `${describe(target)} did not answer within ${formatSeconds(this.timeoutMs)}`)
        );
        request.destroy();
      }, this.timeoutMs);
      const onAbort = () => {
        finish(signal!.reason);
        request.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => {
        const network = new PrometheusError(
          'network',
          `${describe(target)} cannot be reached: ${networkReason(error)}`,
          { cause: error }
        );
        if (request.reusedSocket && (error as { code?: string }).code === 'ECONNRESET') {
          finish(undefined, { staleSocket: true, error: network });
        } else {
          finish(network);
        }
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          const location = response.headers.location;
          response.destroy();
          finish(
            new PrometheusError(
              'redirect',
              `${describe(target)} answered with a redirect (${status}${location ? ` to ${withoutQuery(location)}` : ''}); ` +
                'redirects are not followed: configure the final URL',
              { status }
            )
          );
          return;
        }
        const tooLarge = () =>
          new PrometheusError(
            'bad_response',
            `${describe(target)} answered with more than ${formatBytes(this.maxBytes)}; narrow the query`,
            {
              status,
            }
          );
        if (Number(response.headers['content-length']) > this.maxBytes) {
          response.destroy();
          finish(tooLarge());
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        response.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > this.maxBytes) {
            response.destroy();
            finish(tooLarge());
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => finish(undefined, { status, text: Buffer.concat(chunks, total).toString('utf8') }));
        response.on('error', (error) =>
          finish(
            new PrometheusError('network', `${describe(target)} broke off its answer: ${networkReason(error)}`, {
              cause: error,
            })
          )
        );
        response.on('close', () => {
          if (!response.complete) {
            finish(new PrometheusError('network', `${describe(target)} broke off its answer`));
          }
        });
      });
      request.end(body);
    });
  }

  private checkUrl(target: PrometheusTarget, path: string): URL {
    let url: URL;
    try {
      url = new URL(path, target.baseUrl);
    } catch (error) {
      throw new PrometheusError('not_allowed', `Prometheus "${target.name}" has no valid URL`, { cause: error });
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
      throw new PrometheusError(
        'not_allowed',
        `Prometheus "${target.name}": only http(s) URLs without credentials in them are used`
      );
    }
    if (!hostAllowed(url, this.allowed)) {
      throw new PrometheusError(
        'not_allowed',
        `Prometheus "${target.name}": the host ${hostKeys(url).at(-1)} is not allowed; an operator must add it to ` +
          'PROMETHEUS_ALLOWED_HOSTS (or use the Grafana of GRAFANA_URL)'
      );
    }
    return url;
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

/** Turns a Prometheus integration (config + opened secrets) into a target. */
export function prometheusTarget(
  integration: { id: string; name: string; config: Record<string, unknown> },
  secrets: Record<string, string>,
  grafana: { url: string; token: string } | null
): PrometheusTarget {
  const parsed = integrationConfigSchemas.prometheus.safeParse(integration.config);
  if (!parsed.success) {
    throw new PrometheusConfigError(
      `Prometheus integration "${integration.name}" has an invalid configuration; edit it`
    );
  }
  const config = parsed.data;
  if (config.mode === 'grafana') {
    if (!grafana) {
      throw new PrometheusConfigError(
        `Prometheus integration "${integration.name}" goes through Grafana, but this org has no Grafana integration ` +
          'with a service-account token: add one (type grafana, scope org) or switch the integration to direct mode'
      );
    }
    return {
      id: integration.id,
      name: integration.name,
      baseUrl: `${grafana.url.replace(/\/+$/, '')}/api/datasources/proxy/uid/${encodeURIComponent(config.datasourceUid!)}/`,
      headers: { authorization: `Bearer ${grafana.token}` },
    };
  }
  const headers: Record<string, string> = {};
  if (secrets.bearerToken) {
    headers.authorization = `Bearer ${secrets.bearerToken}`;
  } else if (config.username !== undefined || secrets.password) {
    headers.authorization = `Basic ${Buffer.from(`${config.username ?? ''}:${secrets.password ?? ''}`).toString('base64')}`;
  }
  const url = new URL(config.url!);
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) {
    url.pathname += '/';
  }
  return { id: integration.id, name: integration.name, baseUrl: url.toString(), headers };
}

/** Whether a URL's host[:port] is one of `allowedHosts` (lower-case; a default port may be written or not). */
export function isHostAllowed(url: string | URL, allowedHosts: string[]): boolean {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return hostAllowed(parsed, new Set(allowedHosts.map(normaliseHostEntry)));
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The keys a URL's host matches: `host` and `host:<default port>` when the port is the default, else `host:port`. */
function hostKeys(url: URL): string[] {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const port = url.port || DEFAULT_PORTS[url.protocol];
  return url.port ? [`${host}:${url.port}`] : [host, `${host}:${port}`];
}

function hostAllowed(url: URL, allowed: Set<string>): boolean {
  return hostKeys(url).some((key) => allowed.has(key));
}

function normaliseHostEntry(entry: string): string {
  return entry
    .trim()
    .toLowerCase()
    .replace(/\.(?=:|$)/, '');
}

function retryable(error: PrometheusError): boolean {
  if (error.kind === 'network' || error.kind === 'timeout') {
    return true;
  }
  return error.status !== undefined && (error.status >= 500 || error.status === 429) && error.kind !== 'redirect';
}

/** The envelope's `data`, or the error Prometheus (or what answered in its place) meant. */
function interpret(target: PrometheusTarget, status: number, text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = envelope.safeParse(json);
  if (parsed.success && parsed.data.status === 'error') {
    const { errorType, error } = parsed.data;
    const detail = (error ?? 'no message').slice(0, 500);
    if (errorType === 'bad_data' || errorType === 'execution') {
      throw new PrometheusError('query', `${describe(target)} refused the query: ${detail}`, { status });
    }
    if (errorType === 'timeout' || errorType === 'canceled') {
      throw new PrometheusError('timeout', `${describe(target)} gave up on the query (${errorType}): ${detail}`, {
        status,
      });
    }
    throw new PrometheusError(
      'http',
      `${describe(target)} answered ${status}: ${errorType ?? 'error'}: ${detail}${statusHint(status)}`,
      {
        status,
      }
    );
  }
  if (status < 200 || status >= 300) {
    throw new PrometheusError('http', `${describe(target)} answered ${status}${statusHint(status)}`, { status });
  }
  if (!parsed.success || parsed.data.status !== 'success') {
    throw new PrometheusError(
      'bad_response',
      `${describe(target)} did not answer like a Prometheus API (not its JSON envelope)`,
      { status }
    );
  }
  return parsed.data.data;
}

function statusHint(status: number): string {
  if (status === 401 || status === 403) {
    return ': check the credentials (password or bearer token, or the Grafana service account and its access to the data source)';
  }
  if (status === 404) {
    return ': no Prometheus API at this address (check the URL or the data source UID)';
  }
  if (status === 429) {
    return ': too many requests';
  }
  return '';
}

function parseValue(target: PrometheusTarget, text: string): number {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  const value = Number(text);
  if (Number.isNaN(value) || text.trim() === '') {
    throw new PrometheusError('bad_response', `${describe(target)} answered a sample value that is not a number`);
  }
  return value;
}

function describe(target: PrometheusTarget): string {
  return `Prometheus "${target.name}" (${withoutQuery(target.baseUrl)})`;
}

function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

function networkReason(error: unknown): string {
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') {
      const known: Record<string, string> = {
        ECONNREFUSED: 'connection refused (nothing listens on that port?)',
        ENOTFOUND: 'the host name does not resolve',
        EAI_AGAIN: 'the host name does not resolve (DNS temporarily unavailable)',
        ECONNRESET: 'the connection was reset',
        EHOSTUNREACH: 'the host is unreachable',
        ENETUNREACH: 'the network is unreachable',
        UND_ERR_SOCKET: 'the connection closed unexpectedly',
      };
      return known[code] ?? code;
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return 'the connection failed';
}

function operatorMessage(error: unknown): string {
  if (error instanceof PrometheusError || error instanceof PrometheusConfigError) {
    return error.message;
  }
  return 'the test failed unexpectedly';
}

const seconds = (ms: number) => String(ms / 1000);

const formatBytes = (bytes: number) => (bytes >= 1e6 ? `${Math.round(bytes / 1e6)} MB` : `${bytes} bytes`);

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

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
