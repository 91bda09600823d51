/**
 * From PromQL templates and Prometheus answers to the poller's series and metric signals. Pure: time comes in as
 * arguments.
 *
 * - A series is one (integration, template, label set); its key is stable across polls and replicas.
 * - Ticks are aligned to the base poll interval (multiples of it since the epoch), so every replica evaluates a
 *   query at the same instant and the results of two polls are exactly one interval apart.
 * - Counter resets are PromQL's business (`rate`); NaN and ±Inf (0/0 ratios, empty histograms) are gaps: the
 *   series keeps its state and the point is not scored.
 */
import { hash } from 'node:crypto';
import type { QueryTemplate } from '../contract/index.ts';
import type { Severity } from './severity.ts';
import { canonicalLabels, uuidOf, type SignalDraft } from './signal.ts';
import type { StepResult } from './anomaly/detector.ts';

/** A PromQL template's tiers: the tier sets how often the template runs and how severe its signals are. */
export const TEMPLATE_TIERS = ['critical', 'standard'] as const;
export type TemplateTier = (typeof TEMPLATE_TIERS)[number];

/** The tier's interval: critical at the base interval, standard five times less often, unless the template says. */
export function templateIntervalMs(
  template: Pick<QueryTemplate, 'tier' | 'intervalSeconds'>,
  baseIntervalMs: number
): number {
  if (template.intervalSeconds !== undefined) {
    return template.intervalSeconds * 1000;
  }
  return template.tier === 'critical' ? baseIntervalMs : baseIntervalMs * 5;
}

/** The tick at or before `nowMs`. */
export function alignTick(nowMs: number, baseIntervalMs: number): number {
  return Math.floor(nowMs / baseIntervalMs) * baseIntervalMs;
}

/**
 * Whether a template runs at this tick: when a boundary of its own interval falls in (previous tick, this tick].
 * A template whose interval is a multiple of the base runs exactly on its multiples.
 */
export function isDue(intervalMs: number, tickMs: number, baseIntervalMs: number): boolean {
  return Math.floor(tickMs / intervalMs) !== Math.floor((tickMs - baseIntervalMs) / intervalMs);
}

/** The evaluation time of a template at a tick: the last boundary of its own interval. */
export function evaluationTime(intervalMs: number, tickMs: number): number {
  return Math.floor(tickMs / intervalMs) * intervalMs;
}

/** `{{filter}}` → the integration's label matchers (or nothing). */
export function renderQuery(query: string, labelFilter: string | undefined): string {
  return query.replaceAll('{{filter}}', labelFilter?.trim() ?? '');
}

/** `{{label}}` → the series' label value; a template that renders empty gives no service. */
export function renderService(template: string, labels: Record<string, string>): string | null {
  const rendered = template
    .replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => labels[name] ?? '')
    .trim();
  return rendered === '' || /^[\s/:.-]*$/.test(rendered) ? null : rendered.slice(0, 200);
}

/** Stable key of a series: sha256 of integration, template and labels, first 128 bits as a UUID. */
export function seriesKey(integrationId: string, templateName: string, labels: Record<string, string>): string {
  return uuidOf(hash('sha256', `${integrationId}\u0000${templateName}\u0000${canonicalLabels(labels)}`, 'hex'));
}

/** A finite value is a point; NaN and ±Inf are gaps. */
export function isPoint(value: number): boolean {
  return Number.isFinite(value);
}

// ---------------------------------------------------------------------------------------------------------------
// From detector results to the life of one metric signal.

export const METRIC_SIGNAL_RULES = Object.freeze({
  /** A point opens a signal when its score reaches the threshold and it is at least this far out on the bad side. */
  openSigma: 3,
  /** While open, a point within this many σ (or on the harmless side) is calm. */
  calmSigma: 2,
  /** Consecutive calm points that resolve an open signal. */
  calmPointsToResolve: 2,
});

export interface SeriesSignalState {
  /** starts_at (ms) of the open signal; null when none. */
  openSince: number | null;
  calmPoints: number;
}

export type SignalAction = 'open' | 'resolve' | null;

/**
 * Decides what one scored point does to the series' signal: open one on a strong, bad-side onset; resolve an open
 * one after `calmPointsToResolve` calm points in a row.
 */
export function assessPoint(
  state: SeriesSignalState,
  result: StepResult,
  direction: QueryTemplate['direction'],
  threshold: number,
  atMs: number
): { next: SeriesSignalState; action: SignalAction } {
  const { sigma } = result.explanation;
  const badSide = direction === 'both' || (direction === 'up' ? sigma > 0 : sigma < 0);
  const R = METRIC_SIGNAL_RULES;
  if (state.openSince === null) {
    if (badSide && result.score >= threshold && Math.abs(sigma) >= R.openSigma) {
      return { next: { openSince: atMs, calmPoints: 0 }, action: 'open' };
    }
    return { next: { openSince: null, calmPoints: 0 }, action: null };
  }
  const calm = !badSide || Math.abs(sigma) < R.calmSigma;
  const calmPoints = calm ? state.calmPoints + 1 : 0;
  if (calmPoints >= R.calmPointsToResolve) {
    return { next: { openSince: null, calmPoints: 0 }, action: 'resolve' };
  }
  return { next: { openSince: state.openSince, calmPoints }, action: null };
}

export interface MetricSignalInput {
  integrationId: string;
  integrationName: string;
  template: QueryTemplate;
  seriesKey: string;
  labels: Record<string, string>;
  service: string | null;
  value: number;
  result: StepResult;
  /** starts_at of the signal (ms). */
  openSince: number;
  /** The point's time (ms): starts_at when opening, ends_at when resolving. */
  atMs: number;
  status: 'firing' | 'resolved';
}

const TIER_SEVERITY: Record<TemplateTier, Severity> = { critical: 'high', standard: 'warning' };

function formatValue(value: number, unit: string | undefined): string {
  const abs = Math.abs(value);
  const text = abs !== 0 && (abs < 0.01 || abs >= 1e6) ? value.toExponential(2) : String(Number(value.toPrecision(3)));
  return unit ? `${text} ${unit}` : text;
}

/** The signal of a metric anomaly, deduplicated like alerts: fingerprint = series, starts_at = onset. */
export function metricSignalDraft(input: MetricSignalInput): SignalDraft {
  const { template, result } = input;
  const { sigma, baseline } = result.explanation;
  const side = sigma >= 0 ? 'above' : 'below';
  const subject =
    input.service ??
    (canonicalLabels(input.labels).replaceAll('\u0000', '=').replaceAll('\u0001', ', ') || 'all series');
  const title = `${template.description || template.name} ${side} baseline on ${subject}`.slice(0, 500);
  const description =
    `${template.name} = ${formatValue(input.value, template.unit)}, expected ${formatValue(baseline.level, template.unit)} ` +
    `± ${formatValue(baseline.spread, template.unit)} (${Math.abs(sigma).toFixed(1)}σ ${side}, score ${result.score.toFixed(2)}). ` +
    result.explanation.reason;
  return {
    signalType: 'metric',
    source: 'prometheus',
    fingerprint: `metric:${input.seriesKey}`,
    status: input.status,
    severity: TIER_SEVERITY[template.tier],
    title,
    description,
    service: input.service,
    groupKey: null,
    labels: { ...input.labels, template: template.name, integration: input.integrationName },
    normalizedData: {
      template: template.name,
      query: template.query,
      direction: template.direction,
      tier: template.tier,
      unit: template.unit ?? null,
      explanation: result.explanation,
      score: result.score,
    },
    rawData: { integrationId: input.integrationId, seriesKey: input.seriesKey },
    generatorUrl: null,
    values: { value: input.value, baseline: baseline.level, spread: baseline.spread, sigma, score: result.score },
    warnings: [],
    startsAt: new Date(input.openSince).toISOString(),
    endsAt: input.status === 'resolved' ? new Date(input.atMs).toISOString() : null,
  };
}
