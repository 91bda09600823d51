import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectList } from '../contract/index.ts';
import { renderQuery } from '../core/metric-normalizer.ts';
import { PostgresDatabase } from '../adapters/db/postgres.ts';
import { POLL_QUEUE } from './poll.ts';
import { TestGrafanaIdentity, type TestUser } from '../testing/grafana-identity.ts';
import { startSidecarProcesses } from '../testing/processes.ts';
import { startExporter, startPrometheus, type RunningExporter, type RunningPrometheus } from '../testing/prometheus.ts';
import { createEmptyPostgresDatabase, TEST_DIALECTS } from '../testing/test-database.ts';
import { callSidecarProcess } from '../testing/process-api.ts';
import { ORG_SECRETS, TEST_KEYS } from '../testing/test-sidecar.ts';
import { admin } from '../testing/test-users.ts';

const users: TestUser[] = [100, 200, 300].map((team, i) => ({
  orgId: 1,
  userId: 10 + i,
  login: `u${team}`,
  orgRole: 'Editor',
  teams: [team],
}));

/** Templates with different intervals: the base tick (1 s), every 2 s, and the standard tier (5 s). */
const TEMPLATES = [
  { name: 'rate', query: 'sum by (service) (rate(http_requests_total{ {{filter}} }[10s]))', tier: 'critical' },
  {
    name: 'errors',
    query: 'sum by (service) (rate(http_requests_total{code="500", {{filter}} }[10s]))',
    tier: 'critical',
    direction: 'up',
  },
  { name: 'every-2s', query: 'count by (service) (http_requests_total{ {{filter}} })', intervalSeconds: 2 },
  { name: 'standard', query: 'max by (service) (http_requests_total{ {{filter}} })', tier: 'standard' },
];
const INTERVALS_MS: Record<string, number> = { rate: 1000, errors: 1000, 'every-2s': 2000, standard: 5000 };

const api = callSidecarProcess;

/** Poll jobs a replica ran, from its own /metrics. */
async function pollJobsOf(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return [...text.matchAll(/^sre_copilot_poll_jobs_total\{outcome="[a-z]+"\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0
  );
}

describe.runIf(TEST_DIALECTS.includes('postgres'))('polling with two sidecar processes on one PostgreSQL', () => {
  let grafana: TestGrafanaIdentity;
  let target: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
  let exporter: RunningExporter;
  let prometheus: RunningPrometheus;
  let replicas: Awaited<ReturnType<typeof startSidecarProcesses>> = [];

  beforeAll(async () => {
    grafana = await TestGrafanaIdentity.start();
    target = await createEmptyPostgresDatabase();
    exporter = await startExporter({ services: ['a', 'b', 'c'] });
    prometheus = await startPrometheus({ scrapeTargets: [exporter.address], queryLog: true });
    const env = {
      DATABASE_URL: target.url,
      GRAFANA_URL: grafana.url,
      ORG_SECRETS: `1=${ORG_SECRETS[1]}`,
      ENCRYPTION_KEYS: TEST_KEYS,
      PROMETHEUS_POLL_INTERVAL: '1',
      PROMETHEUS_ALLOWED_HOSTS: `127.0.0.1:${prometheus.port}`,
      PROMETHEUS_HISTORY_HOURS: '0',
    };
    replicas = await startSidecarProcesses(2, env);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await prometheus?.stop();
    await exporter?.stop();
    await target?.drop();
    await grafana?.close();
  });

  it('runs each query of each project exactly once per tick', async () => {
    const [a, b] = replicas;
    // Three projects, each with one integration (its own label filter, so the queries differ) and the templates.
    for (const [i, user] of users.entries()) {
      const projectId = ((await api(grafana, a!.url, user, '/api/v1/projects')).json as ProjectList).items[0]!.id;
      const body = {
        type: 'prometheus',
        name: 'prom',
        config: { mode: 'direct', url: prometheus.url, labelFilter: `job="app", project="p${i}"` },
      };
      expect(
        (await api(grafana, (i % 2 ? b : a)!.url, admin, '/api/v1/integrations', { method: 'POST', projectId, body }))
          .status
      ).toBe(201);
      expect(
        (
          await api(grafana, a!.url, admin, '/api/v1/query-templates', {
            method: 'PUT',
            projectId,
            body: { templates: TEMPLATES },
          })
        ).status
      ).toBe(200);
    }
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    // Both replicas took part: jobs go to whichever asks first.
    const jobsRun = await Promise.all(replicas.map((r) => pollJobsOf(r.url)));
    expect(
      jobsRun.every((n) => n > 0),
      `poll jobs per replica: ${jobsRun.join(', ')}`
    ).toBe(true);
    // Stop both, then read what Prometheus ran.
    await Promise.all(replicas.map((r) => r.stop()));
    const log = (await prometheus.queryLog()).filter((q) => q.stepMs === undefined && q.query.includes('project="p'));
    expect(log.length).toBeGreaterThan(0);
    const runs = new Map<string, number>();
    for (const q of log) {
      const key = `${q.query}\u0000${q.timeMs}`;
      runs.set(key, (runs.get(key) ?? 0) + 1);
    }
    const twice = [...runs].filter(([, n]) => n > 1);
    expect(twice, 'queries that ran more than once for one tick').toEqual([]);
    // Every (project, template) ran at every boundary of its interval between its first and last run: no tick lost.
    for (let p = 0; p < users.length; p++) {
      for (const template of TEMPLATES) {
        const times = log
          .filter((q) => q.query === renderQuery(template.query, `job="app", project="p${p}"`))
          .map((q) => q.timeMs!)
          .sort((x, y) => x - y);
        const interval = INTERVALS_MS[template.name]!;
        expect(times.length, `${template.name} of p${p}`).toBeGreaterThanOrEqual(template.name === 'standard' ? 1 : 4);
        for (let k = 1; k < times.length; k++) {
          expect(times[k]! - times[k - 1]!, `${template.name} of p${p}`).toBe(interval);
        }
        expect(times.every((time) => time % interval === 0)).toBe(true);
      }
    }
    expect([a!, b!].map((r) => r.output()).join('')).not.toMatch(/poll failed/);
    // One job per project and tick, whichever replica enqueued it first: as many jobs as (project, tick) pairs.
    const db = new PostgresDatabase(target.adminUrl, 1);
    try {
      const jobs = (
        await db.statement<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`, [POLL_QUEUE])
      ).rows[0]!;
      const pairs = new Set(
        log
          .filter((q) => q.query.startsWith('sum by (service) (rate(http_requests_total{ job'))
          .map((q) => `${q.query}\u0000${q.timeMs}`)
      );
      // Jobs of the last tick or two may be queued but not yet run when the replicas stopped.
      expect(jobs.n).toBeGreaterThanOrEqual(pairs.size);
      expect(jobs.n).toBeLessThanOrEqual(pairs.size + 2 * users.length);
    } finally {
      await db.close();
    }
  }, 60_000);
});
