import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration, IntegrationTestResult } from '../contract/index.ts';
import type { TestUser } from '../testing/grafana-identity.ts';
import { admin1, admin2, alice, bob, seedProjects, victor, xAdmin } from '../testing/integration-fixture.ts';
import { freePort } from '../testing/processes.ts';
import { startPrometheus, type RunningPrometheus } from '../testing/prometheus.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type CallOptions, type TestSidecar } from '../testing/test-sidecar.ts';

const S = {
  password: `prom-password-${randomUUID()}`,
  grafanaToken: `glsa_${randomUUID().replaceAll('-', '')}`,
};

interface Listening {
  server: Server;
  host: string;
  url: string;
  hits: string[];
  connections: number;
}

/** A local HTTP server with a handler; records the requests and connections that reached it. */
async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<Listening> {
  const state = { hits: [] as string[], connections: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.hits.push(`${req.method} ${req.url}`);
      handler(req, res, Buffer.concat(chunks));
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return Object.assign(state, { server, host, url: `http://${host}` });
}

async function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, to: string): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'content-type', 'accept']) {
    const value = req.headers[name];
    if (typeof value === 'string') {
      headers[name] = value;
    }
  }
  const answer = await fetch(to, { method: req.method, headers, ...(body.length ? { body: body.toString() } : {}) });
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
  res.end(Buffer.from(await answer.arrayBuffer()));
}

const close = (l: Listening | undefined) =>
  new Promise<void>((resolve) => {
    if (!l) {
      resolve();
      return;
    }
    l.server.closeAllConnections();
    l.server.close(() => resolve());
  });

describe.each(TEST_DIALECTS)('POST /integrations/:id/test on %s', (dialect) => {
  let t: TestSidecar;
  let prometheus: RunningPrometheus;
  /** Grafana's datasource proxy in front of the real Prometheus (uid "prom"); the rest goes to the test Grafana. */
  let grafana: Listening;
  let redirector: Listening;
  /** Answers like a Prometheus, but is not allow-listed. */
  let outsider: Listening;
  let closedHost: string;
  let X: string;
  let Y: string;
  const seen: string[] = [];

  async function call(user: TestUser, url: string, options: CallOptions = {}): Promise<LightMyRequestResponse> {
    const res = await t.call(user, url, options);
    seen.push(res.payload);
    expect(res.payload).not.toContain(S.password);
    expect(res.payload).not.toContain(S.grafanaToken);
    return res;
  }

  async function create(user: TestUser, projectId: string | undefined, body: unknown): Promise<Integration> {
    const res = await call(user, '/api/v1/integrations', { method: 'POST', body, projectId });
    expect(res.statusCode, res.payload).toBe(201);
    return res.json<Integration>();
  }

  async function test(user: TestUser, id: string, projectId?: string, query = ''): Promise<LightMyRequestResponse> {
    return call(user, `/api/v1/integrations/${id}/test${query}`, { method: 'POST', projectId });
  }

  async function result(user: TestUser, id: string, projectId?: string, query = ''): Promise<IntegrationTestResult> {
    const res = await test(user, id, projectId, query);
    expect(res.statusCode, res.payload).toBe(200);
    return res.json<IntegrationTestResult>();
  }

  const direct = (name: string, url: string) => ({
    type: 'prometheus',
    name,
    config: { mode: 'direct', url, username: 'reader' },
    secrets: { password: S.password },
  });

  beforeAll(async () => {
    prometheus = await startPrometheus({ queryLog: true });
    redirector = await listen((_req, res) =>
      res.writeHead(302, { location: `${prometheus.url}/api/v1/query?query=up` }).end()
    );
    outsider = await listen((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"version":"6.6.6"}}')
    );
    let testGrafanaUrl = '';
    grafana = await listen((req, res, body) => {
      const proxied = /^\/api\/datasources\/proxy\/uid\/prom\/(.*)$/.exec(req.url ?? '');
      const target = proxied
        ? req.headers.authorization === `Bearer ${S.grafanaToken}`
          ? `${prometheus.url}/${proxied[1]}`
          : null
        : `${testGrafanaUrl}${req.url}`;
      if (!target) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Unauthorized"}');
        return;
      }
      forward(req, res, body, target).catch(() => res.writeHead(502).end());
    });
    closedHost = `127.0.0.1:${await freePort()}`;
    t = await createTestSidecar(dialect, {
      PROMETHEUS_ALLOWED_HOSTS: [`127.0.0.1:${prometheus.port}`, redirector.host, grafana.host, closedHost].join(','),
      PROMETHEUS_TIMEOUT_SECONDS: '2',
      LOG_LEVEL: 'trace',
    });
    testGrafanaUrl = t.grafana.url;
    t.grafana.serviceAccounts.set(S.grafanaToken, 1);
    ({ X, Y } = await seedProjects(t));
  });

  afterAll(async () => {
    await t?.close();
    await prometheus?.stop();
    await Promise.all([close(grafana), close(redirector), close(outsider)]);
    expect(t.logs.filter((line) => line.includes(S.password) || line.includes(S.grafanaToken))).toEqual([]);
  });

  it('reaches a real Prometheus directly: ok, with its version and targets', async () => {
    const prom = await create(xAdmin, X, direct('prom-direct', prometheus.url));
    const answer = await result(xAdmin, prom.id, X);
    expect(answer).toMatchObject({ ok: true, error: null, targets: { up: 0, total: 0 } });
    expect(answer.version).toMatch(/^2\.42\./);
    expect(answer.latencyMs).toBeLessThan(2_000);
    expect((await prometheus.queryLog()).map((q) => q.query)).toContain('up');
    // an org Admin (owner of every project) may test it too
    expect((await result(admin1, prom.id, X)).ok).toBe(true);
  });

  it("goes through Grafana's datasource proxy with the org's service account, GRAFANA_URL when it names none", async () => {
    const viaGrafana = await create(xAdmin, X, {
      type: 'prometheus',
      name: 'prom-grafana',
      config: { datasourceUid: 'prom' },
    });
    // no Grafana integration yet: an answer that says what to do
    const none = await result(xAdmin, viaGrafana.id, X);
    expect(none).toMatchObject({ ok: false, version: null, targets: null });
    expect(none.error).toMatch(/no Grafana integration with a service-account token/);

    // a Grafana integration without a URL: GRAFANA_URL, where the test Grafana has no datasource proxy
    const grafanaIntegration = await create(admin1, undefined, {
      type: 'grafana',
      name: 'grafana',
      scope: 'org',
      secrets: { token: S.grafanaToken },
    });
    const fallback = await result(xAdmin, viaGrafana.id, X);
    expect(fallback.ok).toBe(false);
    expect(fallback.error).toContain(`${t.grafana.url}/api/datasources/proxy/uid/prom/`);
    expect(fallback.error).toMatch(/answered 404/);

    // with its URL: through the proxy to the real Prometheus
    const patched = await call(admin1, `/api/v1/integrations/${grafanaIntegration.id}?scope=org`, {
      method: 'PATCH',
      body: { config: { url: grafana.url } },
    });
    expect(patched.statusCode, patched.payload).toBe(200);
    const answer = await result(xAdmin, viaGrafana.id, X);
    expect(answer).toMatchObject({ ok: true, error: null });
    expect(answer.version).toMatch(/^2\.42\./);
    expect(grafana.hits).toEqual(
      expect.arrayContaining([
        'GET /api/datasources/proxy/uid/prom/api/v1/status/buildinfo',
        'POST /api/datasources/proxy/uid/prom/api/v1/query',
      ])
    );

    // a Grafana URL outside the allow-list is refused on save, and one stored before that check is never contacted
    const outside = await call(admin1, `/api/v1/integrations/${grafanaIntegration.id}?scope=org`, {
      method: 'PATCH',
      body: { config: { url: outsider.url } },
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.message).toMatch(/^config\.url: the host .* OUTBOUND_ALLOWED_HOSTS/);
    await t.inspect.withOwner((tx) =>
      tx.query(`UPDATE integrations SET config = jsonb_build_object('url', $2::text) WHERE id = $1`, [
        grafanaIntegration.id,
        outsider.url,
      ])
    );
    const refused = await result(xAdmin, viaGrafana.id, X);
    expect(refused).toMatchObject({ ok: false, version: null });
    expect(refused.error).toMatch(/is not allowed.*PROMETHEUS_ALLOWED_HOSTS/);
    expect(outsider.connections).toBe(0);
    await call(admin1, `/api/v1/integrations/${grafanaIntegration.id}?scope=org`, { method: 'DELETE' });
  });

  it('answers ok=false quickly when nothing listens', async () => {
    const down = await create(xAdmin, X, direct('prom-down', `http://${closedHost}`));
    const started = Date.now();
    const answer = await result(xAdmin, down.id, X);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(answer).toMatchObject({ ok: false, version: null, targets: null });
    expect(answer.error).toMatch(/cannot be reached: connection refused/);
  });

  it('does not follow a redirect', async () => {
    const before = (await prometheus.queryLog()).length;
    const moved = await create(xAdmin, X, direct('prom-moved', redirector.url));
    const answer = await result(xAdmin, moved.id, X);
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/redirect \(302 to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query\).*not followed/);
    expect(redirector.hits.length).toBeGreaterThan(0);
    expect((await prometheus.queryLog()).length).toBe(before);
  });

  it('refuses to store a direct URL whose host is not allowed (400)', async () => {
    for (const url of [
      outsider.url,
      'http://169.254.169.254/latest/meta-data',
      `http://localhost:${prometheus.port}`,
    ]) {
      const res = await call(xAdmin, '/api/v1/integrations', {
        method: 'POST',
        projectId: X,
        body: direct('prom-evil', url),
      });
      expect(res.statusCode, res.payload).toBe(400);
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(
        /^config\.url: the host .* is not in the sidecar's PROMETHEUS_ALLOWED_HOSTS/
      );
    }
    const withCredentials = await call(xAdmin, '/api/v1/integrations', {
      method: 'POST',
      projectId: X,
      body: direct('prom-creds', `http://user:pw@127.0.0.1:${prometheus.port}`),
    });
    expect(withCredentials.statusCode).toBe(400);
    const prom = await create(xAdmin, X, direct('prom-patched', prometheus.url));
    const patched = await call(xAdmin, `/api/v1/integrations/${prom.id}`, {
      method: 'PATCH',
      projectId: X,
      body: { config: { mode: 'direct', url: outsider.url } },
    });
    expect(patched.statusCode, patched.payload).toBe(400);
    expect(patched.payload).toMatch(/PROMETHEUS_ALLOWED_HOSTS/);
    expect(outsider.connections).toBe(0);
  });

  it('refuses other roles (403), other tenants (404) and other integration types (400)', async () => {
    const prom = await create(xAdmin, X, direct('prom-roles', prometheus.url));
    expect((await test(alice, prom.id, X)).statusCode).toBe(403);
    expect((await test(victor, prom.id, X)).statusCode).toBe(403);
    expect((await test(bob, prom.id, X)).statusCode).toBe(404); // not a member of X
    expect((await test(bob, prom.id, Y)).statusCode).toBe(403); // own project, but an engineer
    expect((await test(admin1, prom.id, Y)).statusCode).toBe(404); // an integration of X named through Y
    expect((await test(admin1, prom.id, undefined, '?scope=org')).statusCode).toBe(404);
    expect((await test(admin2, prom.id, X)).statusCode).toBe(404); // another org
    expect((await test(admin1, randomUUID(), X)).statusCode).toBe(404);
    expect((await test(admin1, 'not-a-uuid', X)).statusCode).toBe(400);

    const am = await create(xAdmin, X, { type: 'alertmanager', name: 'am', config: { url: 'https://am.example' } });
    const res = await test(xAdmin, am.id, X);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(
      /only prometheus integrations can be tested/
    );
  });
});
