/**
 * The poller through Grafana's datasource proxy (the default mode next to Grafana): the sidecar reaches a real
 * Prometheus only through the stand-in Grafana's `/api/datasources/proxy/uid/<uid>/`, with the org's
 * service-account token; the user sets everything up through the plugin proxy, as the app does. A stepped-up error
 * rate becomes an incident within two poll intervals; stepping it back resolves the signal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  IncidentDetail,
  IncidentPage,
  Integration,
  IntegrationTestResult,
  ProjectList,
} from '../../pkg/contract/index.ts';
import { waitFor } from '../../pkg/testing/processes.ts';
import { startScrapedServices, type RunningExporter, type RunningPrometheus } from '../../pkg/testing/prometheus.ts';
import { defaultFixture } from '../grafana-host/fixture.ts';
import { API, startStack, type Stack } from './harness.ts';

const INTERVAL_SECONDS = 3;
const ERROR_RATIO_QUERY =
  'sum by (service) (rate(http_requests_total{code="500", {{filter}} }[30s])) / sum by (service) (rate(http_requests_total{ {{filter}} }[30s]))';

describe('Prometheus polling through the stand-in Grafana datasource proxy', () => {
  let exporter: RunningExporter;
  let prometheus: RunningPrometheus;
  let stack: Stack;
  let projectId: string;
  let cookie: string;

  const call = async <T>(
    path: string,
    init: { method?: string; body?: unknown } = {}
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${stack.host.url}${API}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        cookie,
        ...(projectId ? { 'x-project-id': projectId } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const checkoutIncidents = async () => (await call<IncidentPage>('/incidents?service=checkout')).body.items;

  beforeAll(async () => {
    ({ exporter, prometheus } = await startScrapedServices({
      services: ['checkout', 'payments'],
      requestsPerSecond: 200,
      errorRatio: 0.02,
      historyHours: 6,
    }));
    const fixture = defaultFixture();
    fixture.datasources = fixture.datasources!.map((ds) =>
      ds.uid === 'prom-main' ? { ...ds, url: prometheus.url } : ds
    );
    // Only Grafana is allowed: the sidecar must not reach Prometheus by itself.
    stack = await startStack({
      host: { fixture },
      sidecarEnv: {
        POLLING_ENABLED: 'true',
        PROMETHEUS_POLL_INTERVAL: String(INTERVAL_SECONDS),
        PROMETHEUS_HISTORY_HOURS: '6',
        // The history read (7,200 points) must not time out on a loaded machine: the test counts it. Each tick's
        // queries still end at the next tick.
        PROMETHEUS_TIMEOUT_SECONDS: '10',
      },
    });
    stack.configureOrg(1);
    await stack.connectTeamsApi(1);
    cookie = stack.host.signIn('alice', 1);
    const checkout = (await call<ProjectList>('/projects')).body.items.find((p) => p.name === 'Checkout');
    projectId = checkout!.id;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('tests the connection through Grafana: version and targets', async () => {
    const created = await call<Integration>('/integrations', {
      method: 'POST',
      body: {
        type: 'prometheus',
        name: 'grafana-prom',
        config: { mode: 'grafana', datasourceUid: 'prom-main', labelFilter: 'job="app"' },
      },
    });
    expect(created.status).toBe(201);
    const tested = await call<IntegrationTestResult>(`/integrations/${created.body.id}/test`, { method: 'POST' });
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: true, error: null, targets: { up: 1, total: 1 } });
    expect(tested.body.version).toMatch(/^2\./);
    // A data source of another org is not reachable with this org's token.
    const foreign = await call<Integration>('/integrations', {
      method: 'POST',
      body: { type: 'prometheus', name: 'other-org-prom', config: { mode: 'grafana', datasourceUid: 'prom-second' } },
    });
    const refused = await call<IntegrationTestResult>(`/integrations/${foreign.body.id}/test`, { method: 'POST' });
    expect(refused.body.ok).toBe(false);
    expect(refused.body.error).toMatch(/404|not found/i);
    expect((await call(`/integrations/${foreign.body.id}`, { method: 'DELETE' })).status).toBe(204);
    const templates = await call('/query-templates', {
      method: 'PUT',
      body: {
        templates: [
          {
            name: 'error-ratio',
            description: 'Error ratio',
            query: ERROR_RATIO_QUERY,
            direction: 'up',
            tier: 'critical',
          },
        ],
      },
    });
    expect(templates.status).toBe(200);
  });

  it('turns a stepped-up error rate into an incident within two poll intervals, and resolves it', async () => {
    // Warm: the history read went through Grafana, and live points are being scored.
    await waitFor(
      async () =>
        (await prometheus.queryLog()).filter((q) => q.query.includes('code="500"') && q.stepMs === undefined).length >=
        3,
      30_000,
      'three polls through the datasource proxy'
    );
    const ranges = (await prometheus.queryLog()).filter(
      (q) => q.stepMs !== undefined && q.query.includes('code="500"')
    );
    expect(ranges).toHaveLength(1);
    expect(await checkoutIncidents()).toEqual([]);

    const stepped = Date.now();
    exporter.setErrorRatio('checkout', 0.5);
    await waitFor(
      async () => (await checkoutIncidents()).length > 0,
      4 * INTERVAL_SECONDS * 1000,
      'an incident for checkout'
    );
    expect(Date.now() - stepped).toBeLessThanOrEqual(2 * INTERVAL_SECONDS * 1000);
    const [incident] = await checkoutIncidents();
    const detail = (await call<IncidentDetail>(`/incidents/${incident!.id}`)).body;
    expect(detail.signals.map((s) => [s.type, s.source, s.status, s.service])).toEqual([
      ['metric', 'prometheus', 'firing', 'checkout'],
    ]);
    expect(detail.signals[0]!.labels).toMatchObject({ integration: 'grafana-prom', template: 'error-ratio' });

    exporter.setErrorRatio('checkout', 0.02);
    await waitFor(async () => (await checkoutIncidents())[0]?.status === 'resolved', 60_000, 'the incident to resolve');
    const after = (await call<IncidentDetail>(`/incidents/${incident!.id}`)).body;
    expect(after.signals[0]!.status).toBe('resolved');
  }, 90_000);
});
