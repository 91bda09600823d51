/**
 * The poller's tables: which projects are polled, the claims of `poll_runs` that keep a query from running twice
 * for one tick, the detector state per series in `metric_series`, and the health of each Prometheus integration in
 * `poller_health`.
 */
import type { IntegrationHealth } from '../../../contract/index.ts';
import type { DetectorState } from '../../../core/anomaly/detector.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { Queryable } from '../database.ts';

/** The stored state of one series, as the detector left it. */
export interface SeriesRow {
  series_key: string;
  state: DetectorState;
  last_sample_at: Date;
  open_since: Date | null;
  calm_points: number;
}

/** What one poll writes for a series (ISO strings for times: the rows go to the database as JSON). */
export interface SeriesUpdate {
  series_key: string;
  integration_id: string;
  template: string;
  service: string | null;
  labels: Record<string, string>;
  state: DetectorState;
  last_sample_at: string;
  last_value: number | null;
  last_score: number;
  open_since: string | null;
  calm_points: number;
}

/** The outcome of one claimed (integration, template) of a tick: the series it returned, or its error. */
export interface PollRunResult {
  integrationId: string;
  template: string;
  series: number | null;
  error: string | null;
}

/** One integration's outcome for `poller_health`: `error` null means it answered. */
export interface PollerHealthUpdate {
  id: string;
  error: string | null;
  kind: string | null;
}

/** Every project with Prometheus integrations, across orgs (through the schema's SECURITY DEFINER function). */
export async function listProjectsToPoll(tx: Queryable): Promise<Array<TenantScope<string>>> {
  const { rows } = await tx.query<{ org_id: number; project_id: string }>(
    'SELECT org_id::int8 AS org_id, project_id FROM projects_to_poll()'
  );
  return rows.map((row) => ({ orgId: Number(row.org_id), projectId: row.project_id }));
}

/**
 * Claims the (integration, template) pairs of a tick in one statement (`integrationIds[i]` with `templates[i]`);
 * returns the pairs this call won, without those another run claimed before.
 */
export async function claimPollRuns(
  tx: Queryable,
  scope: TenantScope<string>,
  integrationIds: string[],
  templates: string[],
  tickMs: number
): Promise<Array<{ integration_id: string; template: string }>> {
  return (
    await tx.query<{ integration_id: string; template: string }>(
      `INSERT INTO poll_runs (org_id, project_id, integration_id, template, tick, ran_at)
           SELECT $1, $2, i, t, to_timestamp($5::float8 / 1000), now()
             FROM unnest($3::uuid[], $4::text[]) AS p(i, t)
           ON CONFLICT DO NOTHING
           RETURNING integration_id, template`,
      [scope.orgId, scope.projectId, integrationIds, templates, tickMs]
    )
  ).rows;
}

/** Forgets the project's runs older than a day before the tick: they only guard ticks that are long past. */
export async function deleteOldPollRuns(tx: Queryable, scope: TenantScope<string>, tickMs: number): Promise<void> {
  await tx.query(
    `DELETE FROM poll_runs WHERE project_id = $1 AND tick < to_timestamp($2::float8 / 1000) - interval '1 day'`,
    [scope.projectId, tickMs]
  );
}

/** Stores what each claimed run of the tick returned. */
export async function recordPollRunResults(
  tx: Queryable,
  scope: TenantScope<string>,
  tickMs: number,
  runs: PollRunResult[]
): Promise<void> {
  await tx.query(
    `UPDATE poll_runs r SET series = u.series, error = u.error
           FROM jsonb_to_recordset($3::jsonb) AS u("integrationId" uuid, template text, series int, error text)
          WHERE r.integration_id = u."integrationId" AND r.template = u.template
            AND r.tick = to_timestamp($2::float8 / 1000) AND r.project_id = $1`,
    [scope.projectId, tickMs, JSON.stringify(runs)]
  );
}

/** The keys among `keys` whose stored baseline is in the detector format `detectorVersion`. */
export async function listSeriesKeysOfVersion(
  tx: Queryable,
  scope: TenantScope<string>,
  keys: string[],
  detectorVersion: number
): Promise<string[]> {
  return (
    await tx.query<{ series_key: string }>(
      `SELECT series_key FROM metric_series
              WHERE project_id = $1 AND series_key = ANY($2::uuid[]) AND state->>'version' = $3`,
      [scope.projectId, keys, String(detectorVersion)]
    )
  ).rows.map((r) => r.series_key);
}

/** The stored state of the series among `keys` that exist. */
export async function listSeriesStates(
  tx: Queryable,
  scope: TenantScope<string>,
  keys: string[]
): Promise<SeriesRow[]> {
  return (
    await tx.query<SeriesRow>(
      `SELECT series_key, state, last_sample_at, open_since, calm_points FROM metric_series
            WHERE project_id = $1 AND series_key = ANY($2::uuid[])`,
      [scope.projectId, keys]
    )
  ).rows;
}

/** Writes the series' new states in one statement. */
export async function upsertSeries(
  tx: Queryable,
  scope: TenantScope<string>,
  updates: SeriesUpdate[],
  now: Date
): Promise<void> {
  await tx.query(
    `INSERT INTO metric_series (org_id, project_id, series_key, integration_id, template, service, labels, state,
                                    last_sample_at, last_value, last_score, open_since, calm_points, updated_at)
         SELECT $1, $2, u.series_key, u.integration_id, u.template, u.service, u.labels, u.state, u.last_sample_at,
                u.last_value, u.last_score, u.open_since, u.calm_points, $4
           FROM jsonb_to_recordset($3::jsonb) AS u(series_key uuid, integration_id uuid, template text, service text,
                labels jsonb, state jsonb, last_sample_at timestamptz, last_value float8, last_score float8,
                open_since timestamptz, calm_points int)
         ON CONFLICT (project_id, series_key) DO UPDATE SET
           service = EXCLUDED.service, labels = EXCLUDED.labels, state = EXCLUDED.state,
           last_sample_at = EXCLUDED.last_sample_at, last_value = EXCLUDED.last_value, last_score = EXCLUDED.last_score,
           open_since = EXCLUDED.open_since, calm_points = EXCLUDED.calm_points, updated_at = EXCLUDED.updated_at`,
    [scope.orgId, scope.projectId, JSON.stringify(updates), now]
  );
}

/** Records each integration's outcome: a success resets its failure count, a failure adds one. */
export async function upsertPollerHealth(
  tx: Queryable,
  scope: TenantScope<string>,
  rows: PollerHealthUpdate[],
  now: Date
): Promise<void> {
  await tx.query(
    `INSERT INTO poller_health (integration_id, org_id, project_id, failures, last_success_at, last_error,
                                    last_error_kind, updated_at)
         SELECT u.id, $1, $2, CASE WHEN u.error IS NULL THEN 0 ELSE 1 END,
                CASE WHEN u.error IS NULL THEN $4::timestamptz END, u.error, u.kind, $4
           FROM jsonb_to_recordset($3::jsonb) AS u(id uuid, error text, kind text)
         ON CONFLICT (integration_id) DO UPDATE SET
           failures = CASE WHEN EXCLUDED.last_error IS NULL THEN 0 ELSE poller_health.failures + 1 END,
           last_success_at = COALESCE(EXCLUDED.last_success_at, poller_health.last_success_at),
           last_error = EXCLUDED.last_error, last_error_kind = EXCLUDED.last_error_kind, updated_at = EXCLUDED.updated_at`,
    [scope.orgId, scope.projectId, JSON.stringify(rows), now]
  );
}

/** Integrations whose last poll failed, across orgs, most recent first (at most 100; ids and counts only). */
export async function listFailingIntegrations(tx: Queryable): Promise<IntegrationHealth[]> {
  const rows = (
    await tx.query<{
      integration_id: string;
      org_id: number;
      failures: number;
      last_success_at: Date | null;
      last_error_kind: string | null;
    }>(
      `SELECT integration_id, org_id::int8 AS org_id, failures, last_success_at, last_error_kind FROM poller_health
              WHERE failures > 0 ORDER BY updated_at DESC LIMIT 100`
    )
  ).rows;
  return rows.map((r) => ({
    id: r.integration_id,
    orgId: Number(r.org_id),
    status: 'failing',
    failures: r.failures,
    lastSuccessAt: r.last_success_at?.toISOString() ?? null,
    // Only the kind of error: /health is unauthenticated and must not show a tenant's URLs or messages.
    lastError: r.last_error_kind,
  }));
}
