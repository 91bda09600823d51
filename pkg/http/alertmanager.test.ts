import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedIngestToken, IncidentPage, Project, ProjectList } from '../contract/index.ts';
import { startAlertmanager, waitFor, type RunningProcess } from '../testing/processes.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice } from '../testing/test-users.ts';

describe('a real Alertmanager 0.25 delivering to the sidecar', () => {
  let t: TestSidecar;
  let am: RunningProcess;
  let project: Project;

  beforeAll(async () => {
    t = await createTestSidecar('pglite');
    project = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items[0]!;
    const token = (
      await t.call(admin, '/api/v1/ingest-tokens', {
        method: 'POST',
        projectId: project.id,
        body: { name: 'alertmanager' },
      })
    ).json<CreatedIngestToken>().token;
    const address = await t.sidecar.app.listen({ port: 0, host: '127.0.0.1' });
    am = await startAlertmanager({ webhookUrl: `${address}/api/v1/webhooks/alertmanager`, bearerToken: token });
  }, 60_000);
  afterAll(async () => {
    await am?.stop();
    await t?.close();
  });

  const incidents = async () =>
    (await t.call(alice, '/api/v1/incidents?limit=200', { projectId: project.id })).json<IncidentPage>().items;
  const postAlerts = async (alerts: Array<{ name: string; service: string; endsAt?: string }>) => {
    const res = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        alerts.map((a) => ({
          labels: { alertname: a.name, service: a.service, severity: 'critical' },
          annotations: { summary: `${a.name} on ${a.service}` },
          startsAt: '2026-11-29T10:00:00Z',
          ...(a.endsAt ? { endsAt: a.endsAt } : {}),
          generatorURL: 'http://prometheus:9090/graph',
        }))
      ),
    });
    expect(res.status).toBe(200);
  };

  it('delivers alerts that become one incident per service, and resolves them', async () => {
    const alerts = [
      { name: 'HighErrorRate', service: 'checkout' },
      { name: 'HighLatency', service: 'checkout' },
      { name: 'PodCrashLooping', service: 'search' },
      { name: 'DiskFull', service: 'search' },
      { name: 'CertExpiring', service: 'edge' },
    ];
    await postAlerts(alerts);
    await waitFor(
      async () => (await incidents()).reduce((n, i) => n + i.signalCount, 0) === 5,
      20_000,
      'Alertmanager to deliver all alerts'
    );
    const open = await incidents();
    expect(open.map((i) => [i.service, i.signalCount, i.status]).sort()).toEqual([
      ['checkout', 2, 'triggered'],
      ['edge', 1, 'triggered'],
      ['search', 2, 'triggered'],
    ]);

    // Ending the alerts makes Alertmanager send `resolved`; the incidents then resolve by themselves.
    await postAlerts(alerts.map((a) => ({ ...a, endsAt: new Date(Date.now() - 1000).toISOString() })));
    await waitFor(
      async () => (await incidents()).every((i) => i.status === 'resolved'),
      20_000,
      'the resolved notifications'
    );
    expect((await incidents()).map((i) => i.firingCount)).toEqual([0, 0, 0]);
  });
});
