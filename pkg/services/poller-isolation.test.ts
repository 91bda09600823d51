import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Health, ProjectList } from '../contract/index.ts';
import { renderQuery } from '../core/metric-normalizer.ts';
import type { TestUser } from '../testing/grafana-identity.ts';
import { startExporter, startPrometheus, type RunningExporter, type RunningPrometheus } from '../testing/prometheus.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice, bob } from '../testing/test-users.ts';

const QUERY = 'sum by (service) (rate(http_requests_total{ {{filter}} }[10s]))';

/** A "Prometheus" that accepts connections and never answers. */
async function startHangingServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** A Prometheus that hangs makes its own project's polls time out; the other project is polled on every tick. */
describe.each(TEST_DIALECTS.slice(0, 1))('a hanging Prometheus on %s', (dialect) => {
  let exporter: RunningExporter;
  let prometheus: RunningPrometheus;
  let hanging: Awaited<ReturnType<typeof startHangingServer>>;
  let t: TestSidecar;

  beforeAll(async () => {
    exporter = await startExporter({ services: ['a'] });
    prometheus = await startPrometheus({ scrapeTargets: [exporter.address], queryLog: true });
    hanging = await startHangingServer();
    t = await createTestSidecar(dialect, {
      POLLING_ENABLED: 'true',
      PROMETHEUS_POLL_INTERVAL: '1',
      PROMETHEUS_ALLOWED_HOSTS: `127.0.0.1:${prometheus.port},127.0.0.1:${hanging.port}`,
      PROMETHEUS_HISTORY_HOURS: '0',
      PROMETHEUS_TIMEOUT_SECONDS: '3',
    });
  }, 90_000);
  afterAll(async () => {
    await t?.close();
    await hanging?.close();
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('degrades health for the failing integrations only, and does not delay the other project', async () => {
    const setUp = async (user: TestUser, url: string, name: string) => {
      const projectId = (await t.call(user, '/api/v1/projects')).json<ProjectList>().items[0]!.id;
      const body = { type: 'prometheus', name, config: { mode: 'direct', url, labelFilter: `project="${name}"` } };
      expect((await t.call(admin, '/api/v1/integrations', { method: 'POST', projectId, body })).statusCode).toBe(201);
      const templates = { templates: [{ name: 'rate', query: QUERY, tier: 'critical' }] };
      expect(
        (await t.call(admin, '/api/v1/query-templates', { method: 'PUT', projectId, body: templates })).statusCode
      ).toBe(200);
    };
    await setUp(alice, `http://127.0.0.1:${hanging.port}`, 'stuck');
    await setUp(bob, prometheus.url, 'healthy');
    // Next to it, an integration through Grafana while the org has no service-account token: unusable, reported.
    const bobProject = (await t.call(bob, '/api/v1/projects')).json<ProjectList>().items[0]!.id;
    const viaGrafana = { type: 'prometheus', name: 'no-token', config: { mode: 'grafana', datasourceUid: 'prom' } };
    expect(
      (await t.call(admin, '/api/v1/integrations', { method: 'POST', projectId: bobProject, body: viaGrafana }))
        .statusCode
    ).toBe(201);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const times = (await prometheus.queryLog())
      .filter((q) => q.query === renderQuery(QUERY, 'project="healthy"'))
      .map((q) => q.timeMs!)
      .sort((x, y) => x - y);
    // The healthy project ran at (nearly) every tick since it was set up, one second apart, while the other
    // project's queries were waiting for their timeouts.
    expect(times.length).toBeGreaterThanOrEqual(7);
    for (let k = 1; k < times.length; k++) {
      expect(times[k]! - times[k - 1]!).toBe(1000);
    }
    expect(times[0]! - started).toBeLessThan(2_000);
    const health = (await t.sidecar.app.inject({ url: '/health' })).json<Health>();
    expect(health.status).toBe('degraded');
    expect(health.integrations.map((i) => i.lastError).sort()).toEqual(['config', 'timeout']);
  }, 60_000);
});
