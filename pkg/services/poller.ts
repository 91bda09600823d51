/**
 * The Prometheus poller: one project's poll at one tick, the body of the poll job (jobs/poll.ts enqueues one per
 * project at each tick). It runs the project's due templates against each of its Prometheus integrations, claiming
 * each (integration, template, tick) in `poll_runs` first, so no query runs twice for a tick even if a job is
 * retried. Results are scored by the streaming detector against the baseline stored per series; a strong anomaly
 * opens a metric signal through ingestion (deduplicated like alerts, correlated into incidents), and its recovery
 * resolves it.
 */
import type { Logger } from 'pino';
import type { IntegrationHealth, QueryTemplate } from '../contract/index.ts';
import { createDetectorState, explainLast, scoreSample } from '../core/anomaly/detector.ts';
import {
  alignTick,
  assessPoint,
  evaluationTime,
  isDue,
  isPoint,
  metricSignalDraft,
  renderQuery,
  renderService,
  seriesKey,
  templateIntervalMs,
  type SeriesSignalState,
} from '../core/metric-normalizer.ts';
import type { SignalDraft } from '../core/signal.ts';
import { enterTenantLocked, type Database, type Queryable } from '../adapters/db/database.ts';
import {
  claimPollRuns,
  deleteOldPollRuns,
  listFailingIntegrations,
  listSeriesKeysOfVersion,
  listSeriesStates,
  recordPollRunResults,
  upsertPollerHealth,
  upsertSeries,
  type PollRunResult,
  type SeriesUpdate,
} from '../adapters/db/repositories/poll.ts';
import type { PrometheusClient, PrometheusTarget, Sample } from '../adapters/prometheus/client.ts';
import type { IngestService } from './ingest.ts';
import type { IntegrationsService } from './integrations.ts';
import type { QueryTemplatesService } from './query-templates.ts';

export interface PollerConfig {
  baseIntervalMs: number;
  /** How far back the history of a new series is read to warm its baseline. */
  historyMs: number;
  /** Score at which an anomaly opens a signal. */
  threshold: number;
}

export interface PollJob {
  orgId: number;
  projectId: string;
  tickMs: number;
}

/** What one project's poll did (tests and logs). */
export interface PollReport {
  queries: number;
  skipped: number;
  failures: number;
  series: number;
  opened: number;
  resolved: number;
}

interface Observation {
  target: PrometheusTarget;
  template: QueryTemplate;
  atMs: number;
  samples: Sample[];
  /** The series key of each sample, in the same order. */
  keys: string[];
}

function errorKind(error: Error): string {
  const kind = (error as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : 'error';
}

const DETECTOR_VERSION = createDetectorState().version;

/** Points of history per series at most: Prometheus refuses ranges of more than 11,000 points. */
const MAX_HISTORY_POINTS = 10_000;

export class Poller {
  private readonly deps: {
    db: Database;
    integrations: IntegrationsService;
    templates: QueryTemplatesService;
    prometheus: PrometheusClient;
    ingest: IngestService;
    logger: Logger;
    clock: () => Date;
  };
  private readonly config: PollerConfig;

  constructor(deps: Poller['deps'], config: PollerConfig) {
    this.deps = deps;
    this.config = config;
  }

  /** One project's poll at one tick: the job body. */
  async pollProject(job: PollJob): Promise<PollReport> {
    const report: PollReport = { queries: 0, skipped: 0, failures: 0, series: 0, opened: 0, resolved: 0 };
    const scope = { orgId: job.orgId, projectId: job.projectId };
    const [{ targets, unusable }, integrations, templates] = await Promise.all([
      this.deps.integrations.prometheusTargets(job.orgId, job.projectId),
      this.deps.integrations.list(job.orgId, job.projectId),
      this.deps.templates.effective(scope),
    ]);
    const due = templates.filter(
      (t) =>
        t.enabled && isDue(templateIntervalMs(t, this.config.baseIntervalMs), job.tickMs, this.config.baseIntervalMs)
    );
    if (unusable.length > 0) {
      // Misconfigured (e.g. Grafana mode without the org's service-account token): failing, the others go on.
      await this.recordHealth(
        job,
        unusable.map((u) => u.id),
        unusable.map((u) => ({ id: u.id, error: u.error.message, kind: 'config' }))
      );
    }
    if (targets.length === 0 || due.length === 0) {
      return report;
    }
    const filters = new Map(
      integrations.map((i) => [i.id, typeof i.config.labelFilter === 'string' ? i.config.labelFilter : undefined])
    );

    // Claim every (integration, template, tick) in one statement; what another run claimed is skipped.
    const pairs = targets.flatMap((target) => due.map((template) => ({ target, template })));
    const claimed = await this.claim(job, pairs);
    report.skipped = pairs.length - claimed.length;

    // A tick's queries end when the next tick starts: a slow Prometheus costs its own project a point, and its
    // requests do not pile up and hold workers that other projects need.
    const budgetMs = Math.max(250, job.tickMs + this.config.baseIntervalMs - this.deps.clock().getTime());
    const deadline = AbortSignal.timeout(budgetMs);
    const outcomes = await Promise.all(
      claimed.map(async ({ target, template }) => {
        const atMs = evaluationTime(templateIntervalMs(template, this.config.baseIntervalMs), job.tickMs);
        try {
          const samples = await this.deps.prometheus.queryInstant(
            target,
            renderQuery(template.query, filters.get(target.id)),
            atMs,
            deadline
          );
          const keys = samples.map((sample) => seriesKey(target.id, template.name, sample.labels));
          return { ok: true as const, observation: { target, template, atMs, samples, keys } };
        } catch (error) {
          const failure = deadline.aborted
            ? Object.assign(new Error(`${target.name} did not answer before the next tick (${budgetMs} ms)`), {
                kind: 'timeout',
              })
            : (error as Error);
          return { ok: false as const, target, template, error: failure };
        }
      })
    );
    report.queries = claimed.length;
    const observations = outcomes.flatMap((o) => (o.ok ? [o.observation] : []));
    const failed = outcomes.flatMap((o) => (o.ok ? [] : [o]));
    report.failures = failed.length;
    for (const failure of failed) {
      this.deps.logger.warn(
        { integration: failure.target.id, template: failure.template.name, err: failure.error.message },
        'prometheus query failed'
      );
    }

    const history = await this.histories(job, observations, filters);
    const drafts: SignalDraft[] = [];
    const persisted = await this.deps.db.withTenant(scope, async (tx) => {
      await enterTenantLocked(tx, scope, `poll:${job.projectId}`);
      return this.score(tx, job, observations, history, drafts, report);
    });
    await this.recordRuns(
      job,
      outcomes.map((o) =>
        o.ok
          ? {
              integrationId: o.observation.target.id,
              template: o.observation.template.name,
              series: o.observation.samples.length,
              error: null,
            }
          : {
              integrationId: o.target.id,
              template: o.template.name,
              series: null,
              error: o.error.message.slice(0, 500),
            }
      )
    );
    await this.recordHealth(
      job,
      targets.map((t) => t.id),
      failed.map((f) => ({ id: f.target.id, error: f.error.message, kind: errorKind(f.error) }))
    );
    if (drafts.length > 0) {
      await this.submit(job, drafts);
    }
    report.series = persisted;
    return report;
  }

  /**
   * Hands the tick's metric signals to ingestion. The series' state already says a signal is open, so a refusal
   * (ingestion at capacity) is retried a few times before the poll fails.
   */
  private async submit(job: PollJob, drafts: SignalDraft[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.ingest.submit({ orgId: job.orgId, projectId: job.projectId, drafts });
        return;
      } catch (error) {
        if (attempt >= 4 || (error as { code?: string }).code !== 'unavailable') {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt * (0.5 + Math.random())));
      }
    }
  }

  private async claim(job: PollJob, pairs: Array<{ target: PrometheusTarget; template: QueryTemplate }>) {
    if (pairs.length === 0) {
      return [];
    }
    const scope = { orgId: job.orgId, projectId: job.projectId };
    const won = await this.deps.db.withTenant(scope, (tx) =>
      claimPollRuns(
        tx,
        scope,
        pairs.map((p) => p.target.id),
        pairs.map((p) => p.template.name),
        job.tickMs
      )
    );
    const keys = new Set(won.map((r) => `${r.integration_id}\u0000${r.template}`));
    return pairs.filter((p) => keys.has(`${p.target.id}\u0000${p.template.name}`));
  }

  /**
   * History for series seen for the first time: one range query per (integration, template) that has new series,
   * over the history window at the template's own step, ending before the current point.
   */
  private async histories(job: PollJob, observations: Observation[], filters: Map<string, string | undefined>) {
    const history = new Map<string, Array<[number, number]>>();
    if (this.config.historyMs <= 0 || observations.length === 0) {
      return history;
    }
    const keys = observations.flatMap((o) => o.keys);
    const scope = { orgId: job.orgId, projectId: job.projectId };
    // A baseline in an older detector format is relearned from history too.
    const known = new Set(
      await this.deps.db.withTenant(scope, (tx) => listSeriesKeysOfVersion(tx, scope, keys, DETECTOR_VERSION))
    );
    await Promise.all(
      observations.map(async (o) => {
        if (o.keys.every((key) => known.has(key))) {
          return;
        }
        const stepMs = templateIntervalMs(o.template, this.config.baseIntervalMs);
        const spanMs = Math.min(this.config.historyMs, stepMs * MAX_HISTORY_POINTS);
        const endMs = o.atMs - stepMs;
        const startMs = endMs - Math.floor(spanMs / stepMs) * stepMs;
        if (endMs <= startMs) {
          return;
        }
        try {
          const series = await this.deps.prometheus.queryRange(
            o.target,
            renderQuery(o.template.query, filters.get(o.target.id)),
            startMs,
            endMs,
            stepMs
          );
          for (const s of series) {
            history.set(seriesKey(o.target.id, o.template.name, s.labels), s.points);
          }
        } catch (error) {
          // Without history the baseline warms up on live points instead.
          this.deps.logger.warn(
            { integration: o.target.id, template: o.template.name, err: (error as Error).message },
            'history query failed'
          );
        }
      })
    );
    return history;
  }

  /** Steps each series' detector with its new point, under the project's poll lock; returns the series written. */
  private async score(
    tx: Queryable,
    job: PollJob,
    observations: Observation[],
    history: Map<string, Array<[number, number]>>,
    drafts: SignalDraft[],
    report: PollReport
  ): Promise<number> {
    const points = observations.flatMap((o) => o.samples.map((sample, i) => ({ o, sample, key: o.keys[i]! })));
    if (points.length === 0) {
      return 0;
    }
    const scope = { orgId: job.orgId, projectId: job.projectId };
    const rows = new Map(
      (
        await listSeriesStates(
          tx,
          scope,
          points.map((p) => p.key)
        )
      ).map((r) => [r.series_key, r])
    );
    const now = this.deps.clock();
    const updates: SeriesUpdate[] = [];
    for (const { o, sample, key } of points) {
      const row = rows.get(key);
      const service = renderService(o.template.service, sample.labels);
      let state = row?.state;
      let signal: SeriesSignalState = {
        openSince: row?.open_since?.getTime() ?? null,
        calmPoints: row?.calm_points ?? 0,
      };
      if (row && row.last_sample_at.getTime() >= o.atMs) {
        continue; // an older or repeated point (a late job): the series has moved on
      }
      if (!state || state.version !== DETECTOR_VERSION) {
        state = createDetectorState({ direction: o.template.direction });
        for (const [t, v] of history.get(key) ?? []) {
          if (isPoint(v) && t < o.atMs) {
            scoreSample(state, t, v);
          }
        }
      }
      let score = 0;
      if (isPoint(sample.value)) {
        const result = { score: scoreSample(state, o.atMs, sample.value), explanation: explainLast(state) };
        score = result.score;
        const assessed = assessPoint(signal, result, o.template.direction, this.config.threshold, o.atMs);
        if (assessed.action) {
          const openSince = assessed.action === 'open' ? o.atMs : signal.openSince!;
          drafts.push(
            metricSignalDraft({
              integrationId: o.target.id,
              integrationName: o.target.name,
              template: o.template,
              seriesKey: key,
              labels: sample.labels,
              service,
              value: sample.value,
              result,
              openSince,
              atMs: o.atMs,
              status: assessed.action === 'open' ? 'firing' : 'resolved',
            })
          );
          report[assessed.action === 'open' ? 'opened' : 'resolved'] += 1;
        }
        signal = assessed.next;
      }
      updates.push({
        series_key: key,
        integration_id: o.target.id,
        template: o.template.name,
        service,
        labels: sample.labels,
        state,
        last_sample_at: new Date(o.atMs).toISOString(),
        last_value: isPoint(sample.value) ? sample.value : null,
        last_score: score,
        open_since: signal.openSince === null ? null : new Date(signal.openSince).toISOString(),
        calm_points: signal.calmPoints,
      });
    }
    if (updates.length > 0) {
      await upsertSeries(tx, scope, updates, now);
    }
    return updates.length;
  }

  private async recordRuns(job: PollJob, runs: PollRunResult[]) {
    if (runs.length === 0) {
      return;
    }
    const scope = { orgId: job.orgId, projectId: job.projectId };
    await this.deps.db.withTenant(scope, async (tx) => {
      // Once an hour, forget the runs older than a day: they only guard ticks that are long past.
      if (alignTick(job.tickMs, 3_600_000) > job.tickMs - this.config.baseIntervalMs) {
        await deleteOldPollRuns(tx, scope, job.tickMs);
      }
      await recordPollRunResults(tx, scope, job.tickMs, runs);
    });
  }

  private async recordHealth(
    job: PollJob,
    integrationIds: string[],
    failed: Array<{ id: string; error: string; kind: string }>
  ) {
    const errors = new Map(failed.map((f) => [f.id, f]));
    const rows = integrationIds.map((id) => ({
      id,
      error: errors.get(id)?.error.slice(0, 500) ?? null,
      kind: errors.get(id)?.kind ?? null,
    }));
    const scope = { orgId: job.orgId, projectId: job.projectId };
    await this.deps.db.withTenant(scope, (tx) => upsertPollerHealth(tx, scope, rows, this.deps.clock()));
  }

  /** Integrations whose last poll failed, across orgs (ids and counts only): what /health reports. */
  async failing(): Promise<IntegrationHealth[]> {
    return this.deps.db.withOwner((tx) => listFailingIntegrations(tx));
  }
}
