import { z } from 'zod';
import { PrometheusError, describe } from './errors.ts';
import type { PrometheusTarget } from './target.ts';

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

/** The `data` of a query answer (`api/v1/query` or `api/v1/query_range`). */
export type QueryData = z.infer<typeof queryData>;

/** The envelope's `data`, or the error Prometheus (or what answered in its place) meant. */
export function readEnvelope(target: PrometheusTarget, status: number, text: string): unknown {
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

/** A query answer's `data`, checked against the four result types. */
export function parseQueryData(target: PrometheusTarget, data: unknown): QueryData {
  const parsed = queryData.safeParse(data);
  if (!parsed.success) {
    throw new PrometheusError('bad_response', `${describe(target)} answered a query with an unexpected shape`);
  }
  return parsed.data;
}

/** The `data` of `api/v1/status/buildinfo`. */
export function parseBuildInfo(target: PrometheusTarget, data: unknown): { version: string | null } {
  const parsed = buildInfoData.safeParse(data);
  if (!parsed.success) {
    throw new PrometheusError('bad_response', `${describe(target)} answered buildinfo with an unexpected shape`);
  }
  return { version: parsed.data.version ?? null };
}

/** An instant query's samples: a vector's (without native histograms), or a scalar as one sample without labels. */
export function instantSamples(target: PrometheusTarget, data: QueryData): Sample[] {
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

/** A range query's series, with their times in unix ms. */
export function rangeSeries(target: PrometheusTarget, data: QueryData): RangeSeries[] {
  if (data.resultType !== 'matrix') {
    throw new PrometheusError('bad_response', `${describe(target)} answered a range query with a ${data.resultType}`);
  }
  return data.result.map((item) => ({
    labels: item.metric,
    points: (item.values ?? []).map(([t, v]): [number, number] => [Math.round(t * 1000), parseValue(target, v)]),
  }));
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
