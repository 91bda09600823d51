import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Health, IncidentDetail, IncidentPage, Integration, Project, ProjectList } from '../contract/index.ts';
import { alignTick } from '../core/metric-normalizer.ts';
import { waitFor } from '../testing/processes.ts';
import { startScrapedServices, type RunningExporter, type RunningPrometheus } from '../testing/prometheus.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice } from '../testing/test-users.ts';

const INTERVAL_SECONDS = 3;
const ERROR_RATIO_QUERY =
  'sum by (service) (rate(http_requests_total{code="500", {{filter}} }[30s])) / sum by (service) (rate(http_requests_total{ {{filter}} }[30s]))';

/**
 * The whole pull path against a real Prometheus: an exporter with two services, six hours of history loaded into
 * Prometheus, the sidecar polling every few seconds. The history warms the baselines on first sight; a stepped-up
 * error rate opens an incident within two poll intervals; stepping it back resolves the signal and the incident.
 */
describe.each(TEST_DIALECTS)('Prometheus poller on %s', (dialect) => {
  let exporter: RunningExporter;
  let prometheus: RunningPrometheus;
  let t: TestSidecar;
  let project: Project;

  const incidents = async () =>
    (await t.call(admin, '/api/v1/incidents?service=checkout', { projectId: project.id })).json<IncidentPage>().items;
  const seriesCount = () =>
    t.sidecar.db.withOwner(async (tx) => {
      await tx.query(
        `SELECT set_config('role', 'sre_copilot_app', true), set_config('app.org_id', '1', true), set_config('app.project_id', $1, true)`,
        [project.id]
      );
      return (
        await tx.query<{ n: number; scored: number }>(
          'SELECT count(*)::int AS n, count(*) FILTER (WHERE last_value IS NOT NULL)::int AS scored FROM metric_series'
        )
      ).rows[0]!;
    });

  beforeAll(async () => {
    ({ exporter, prometheus } = await startScrapedServices({
      services: ['checkout', 'payments'],
      requestsPerSecond: 200,
      errorRatio: 0.02,
      historyHours: 6,
    }));
    t = await createTestSidecar(dialect, {
      POLLING_ENABLED: 'true',
      PROMETHEUS_POLL_INTERVAL: String(INTERVAL_SECONDS),
      PROMETHEUS_ALLOWED_HOSTS: `127.0.0.1:${prometheus.port}`,
      PROMETHEUS_HISTORY_HOURS: '6',
      // The history read (7,200 points) must not time out on a loaded machine: the test counts it. Each tick's
      // queries still end at the next tick.
      PROMETHEUS_TIMEOUT_SECONDS: '10',
    });
    project = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items[0]!;
    const created = await t.call(admin, '/api/v1/integrations', {
      method: 'POST',
      projectId: project.id,
      body: {
        type: 'prometheus',
        name: 'prom-main',
        config: { mode: 'direct', url: prometheus.url, labelFilter: 'job="app"' },
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json<Integration>().type).toBe('prometheus');
    const templates = await t.call(admin, '/api/v1/query-templates', {
      method: 'PUT',
      projectId: project.id,
      body: {
        templates: [
          {
            name: 'error-ratio',
            description: 'Error ratio',
            query: ERROR_RATIO_QUERY,
            direction: 'up',
            tier: 'critical',
            unit: 'ratio',
          },
        ],
      },
    });
    expect(templates.statusCode).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('learns a baseline per series from history, then polls each tick once, without false alarms', async () => {
    // Both services seen and scored on live points a few times.
    await waitFor(async () => (await seriesCount()).scored === 2, 30_000, 'both series to be scored');
    const firstSeen = (await prometheus.queryLog()).filter((q) => q.query.includes('code="500"'));
    // One history read (a range query) per new series set, then instant queries.
    const ranges = firstSeen.filter((q) => q.stepMs !== undefined);
    expect(ranges).toHaveLength(1);
    expect(ranges[0]!.stepMs).toBe(INTERVAL_SECONDS * 1000);
    expect(ranges[0]!.endMs! - ranges[0]!.startMs!).toBeGreaterThanOrEqual(5.9 * 3_600_000);
    expect(ranges[0]!.query).toContain('job="app"');
    await new Promise((resolve) => setTimeout(resolve, 4 * INTERVAL_SECONDS * 1000));
    const instants = (await prometheus.queryLog()).filter(
      (q) => q.query.includes('code="500"') && q.stepMs === undefined
    );
    const times = instants.map((q) => q.timeMs!);
    expect(new Set(times).size).toBe(times.length); // each tick's query ran once
    expect(times.every((time) => time % (INTERVAL_SECONDS * 1000) === 0)).toBe(true); // at aligned ticks
    expect(times.length).toBeGreaterThanOrEqual(4);
    expect(await incidents()).toEqual([]);
  }, 60_000);

  it('turns a stepped-up error rate into an incident within two poll intervals, and resolves it when it recovers', async () => {
    const stepped = Date.now();
    exporter.setErrorRatio('checkout', 0.5);
    await waitFor(async () => (await incidents()).length > 0, 4 * INTERVAL_SECONDS * 1000, 'an incident for checkout');
    const elapsed = Date.now() - stepped;
    expect(elapsed).toBeLessThanOrEqual(2 * INTERVAL_SECONDS * 1000);
    const [incident] = await incidents();
    expect(incident).toMatchObject({ service: 'checkout', status: 'triggered', severity: 'high' });
    const detail = (
      await t.call(admin, `/api/v1/incidents/${incident!.id}`, { projectId: project.id })
    ).json<IncidentDetail>();
    expect(detail.signals).toHaveLength(1);
    expect(detail.signals[0]).toMatchObject({
      type: 'metric',
      source: 'prometheus',
      status: 'firing',
      service: 'checkout',
    });
    expect(detail.signals[0]!.title).toBe('Error ratio above baseline on checkout');
    // payments stayed calm
    expect(
      (await t.call(admin, '/api/v1/incidents?service=payments', { projectId: project.id })).json<IncidentPage>().items
    ).toEqual([]);

    exporter.setErrorRatio('checkout', 0.02);
    // The 30 s rate window drains, then two calm points resolve the signal; the incident resolves by itself.
    await waitFor(
      async () => (await incidents())[0]?.status === 'resolved',
      60_000,
      'the checkout incident to resolve'
    );
    const after = (
      await t.call(admin, `/api/v1/incidents/${incident!.id}`, { projectId: project.id })
    ).json<IncidentDetail>();
    expect(after.signals).toHaveLength(1);
    expect(after.signals[0]).toMatchObject({ status: 'resolved' });
    expect(after.signals[0]!.endsAt).not.toBeNull();
  }, 90_000);

  it('forgets poll runs older than a day, once an hour', async () => {
    const hour = alignTick(Date.now(), 3_600_000);
    const integrationId = (await t.call(admin, '/api/v1/integrations', { projectId: project.id }))
      .json<{ items: Integration[] }>()
      .items.find((i) => i.type === 'prometheus')!.id;
    const runs = (sql: string, params: unknown[]) => t.inspect.withOwner((tx) => tx.query<{ tick: Date }>(sql, params));
    for (const ageHours of [49, 12]) {
      await runs(
        `INSERT INTO poll_runs (org_id, project_id, integration_id, template, tick, ran_at) VALUES (1, $1, $2, 'error-ratio', $3, now())`,
        [project.id, integrationId, new Date(hour - ageHours * 3_600_000)]
      );
    }
    await t.sidecar.poller.pollProject({ orgId: 1, projectId: project.id, tickMs: hour });
    const left = (
      await runs('SELECT tick FROM poll_runs WHERE project_id = $1 AND tick < $2', [project.id, new Date(hour)])
    ).rows;
    expect(left.map((r) => (hour - r.tick.getTime()) / 3_600_000)).toEqual([12]);
  });

  it('reports a dead Prometheus on /health and keeps running', async () => {
    expect((await t.sidecar.app.inject({ url: '/health' })).json<Health>()).toMatchObject({
      status: 'ok',
      integrations: [],
    });
    await prometheus.stop();
    await waitFor(
      async () => (await t.sidecar.app.inject({ url: '/health' })).json<Health>().status === 'degraded',
      6 * INTERVAL_SECONDS * 1000,
      '/health to report the failing integration'
    );
    const health = (await t.sidecar.app.inject({ url: '/health' })).json<Health>();
    expect(health.database.ok).toBe(true);
    expect(health.integrations).toHaveLength(1);
    expect(health.integrations[0]).toMatchObject({ orgId: 1, status: 'failing', lastError: 'network' });
    expect(JSON.stringify(health)).not.toContain(String(prometheus.port));
    // The API still answers.
    expect((await t.call(admin, '/api/v1/incidents', { projectId: project.id })).statusCode).toBe(200);
  }, 60_000);
});
