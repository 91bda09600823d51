import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { defaultFixture } from './fixture.ts';
import type { PluginManifest } from './plugin-manifest.ts';
import { startGrafanaHost, type GrafanaHost } from './server.ts';
import { call, startEchoUpstream, type EchoUpstream } from './test-helpers.ts';

const ORG1_TOKEN = 'glsa_org1_standin_0123456789abcdef';
const ORG2_TOKEN = 'glsa_org2_standin_0123456789abcdef';
const manifest: PluginManifest = { id: 'test-app', type: 'app', name: 'Test app', info: { version: '1.0.0' } };

describe('data sources and the datasource proxy /api/datasources/proxy/uid/<uid>/*', () => {
  let upstream: EchoUpstream;
  let host: GrafanaHost;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    const fixture = defaultFixture();
    fixture.datasources = [
      // A path in the URL: the proxied path is appended to it.
      {
        uid: 'prom-main',
        orgId: 1,
        name: 'Prometheus',
        type: 'prometheus',
        url: `${upstream.url}/prom/`,
        isDefault: true,
      },
      { uid: 'prom-staging', orgId: 1, name: 'Staging', type: 'prometheus', url: upstream.url },
      { uid: 'prom-second', orgId: 2, name: 'Prometheus', type: 'prometheus', url: upstream.url, isDefault: true },
    ];
    host = await startGrafanaHost({ fixture, manifest });
  });

  afterAll(async () => {
    await host?.close();
    await upstream?.close();
  });

  beforeEach(() => {
    upstream.received.length = 0;
    upstream.handlers.clear();
  });

  const proxy = (uid: string, rest: string) => `/api/datasources/proxy/uid/${uid}/${rest}`;
  const last = () => upstream.received.at(-1)!;

  test('forwards any GET as the signed-in user, path appended to the URL, query string as sent', async () => {
    const res = await call(host, proxy('prom-main', 'api/v1/query_range?query=up%7Bjob%3D%22a%22%7D&step=15'), {
      as: ['carol', 1],
    });
    expect(res.status).toBe(200);
    expect(last()).toMatchObject({
      method: 'GET',
      url: '/prom/api/v1/query_range?query=up%7Bjob%3D%22a%22%7D&step=15',
    });
    await call(host, proxy('prom-staging', 'api/v1/status/buildinfo'), { as: ['bob', 1] });
    expect(last().url).toBe('/api/v1/status/buildinfo');
  });

  test('a service-account token works in its own org; Cookie and Authorization never reach the data source', async () => {
    const res = await call(host, proxy('prom-main', 'api/v1/query?query=up'), {
      headers: { authorization: `Bearer ${ORG1_TOKEN}`, cookie: 'other=1', 'x-custom': 'kept' },
    });
    expect(res.status).toBe(200);
    expect(last().headers.authorization).toBeUndefined();
    expect(last().headers.cookie).toBeUndefined();
    expect(last().headers['x-custom']).toBe('kept');

    await call(host, proxy('prom-main', 'api/v1/query?query=up'), { as: ['alice', 1] });
    expect(last().headers.cookie).toBeUndefined();
  });

  test('another org’s data source is not found: by session, by token, or by asking for the other org', async () => {
    upstream.received.length = 0;
    const bySession = await call(host, proxy('prom-second', 'api/v1/query?query=up'), { as: ['alice', 1] });
    expect(bySession.status).toBe(404);
    expect(bySession.json()).toEqual({ message: 'Unable to find datasource' });
    const byToken = await call(host, proxy('prom-main', 'api/v1/query?query=up'), {
      headers: { authorization: `Bearer ${ORG2_TOKEN}` },
    });
    expect(byToken.status).toBe(404);
    // An org-2 token that claims org 1 is refused outright.
    const claimed = await call(host, proxy('prom-main', 'api/v1/query?query=up'), {
      headers: { authorization: `Bearer ${ORG2_TOKEN}`, 'x-grafana-org-id': '1' },
    });
    expect(claimed.status).toBe(401);
    // bob is not in org 2.
    const notMember = await call(host, proxy('prom-second', 'api/v1/query?query=up'), {
      as: ['bob', 1],
      headers: { 'x-grafana-org-id': '2' },
    });
    expect(notMember.status).toBe(403);
    expect(await call(host, proxy('nope', 'api/v1/query'), { as: ['alice', 1] })).toMatchObject({ status: 404 });
    expect(upstream.received).toEqual([]);
  });

  test('needs a signed-in caller or a valid token', async () => {
    expect((await call(host, proxy('prom-main', 'api/v1/query?query=up'))).status).toBe(401);
    const bad = await call(host, proxy('prom-main', 'api/v1/query?query=up'), {
      headers: { authorization: 'Bearer glsa_not_a_token' },
    });
    expect(bad.status).toBe(401);
    expect(upstream.received).toEqual([]);
  });

  test('POST only on the query paths; PUT, DELETE and other POSTs are refused with 403', async () => {
    for (const path of [
      'api/v1/query',
      'api/v1/query_range',
      'api/v1/series',
      'api/v1/labels',
      'api/v1/query_exemplars',
    ]) {
      const res = await call(host, proxy('prom-staging', path), {
        method: 'POST',
        as: ['carol', 1],
        body: { query: 'up' },
      });
      expect(res.status, path).toBe(200);
      expect(last()).toMatchObject({ method: 'POST', url: `/${path}` });
    }
    expect(last().body).toBe('{"query":"up"}');
    upstream.received.length = 0;
    for (const [method, path] of [
      ['POST', 'api/v1/admin/tsdb/delete_series'],
      ['POST', 'api/v1/label/job/values'],
      ['PUT', 'api/v1/query'],
      ['DELETE', 'api/v1/series'],
    ] as const) {
      const res = await call(host, proxy('prom-staging', path), { method, as: ['alice', 1] });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json()).toEqual({
        message: `non allow-listed ${method}s not allowed on proxied Prometheus datasource`,
      });
    }
    expect(upstream.received).toEqual([]);
  });

  test('redirects are passed back, not followed; Set-Cookie is dropped', async () => {
    upstream.handlers.set('/api/v1/moved', (_req, res) => {
      res.writeHead(302, { location: 'http://elsewhere.example/steal', 'set-cookie': 'upstream=1' });
      res.end();
    });
    const res = await call(host, proxy('prom-staging', 'api/v1/moved'), { as: ['alice', 1] });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://elsewhere.example/steal');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(upstream.received.map((r) => r.url)).toEqual(['/api/v1/moved']);
  });

  test('an unreachable data source is a 502', async () => {
    const fixture = defaultFixture();
    const other = await startGrafanaHost({ fixture, manifest });
    try {
      // The default fixture's data sources point where nothing listens.
      const res = await call(other, proxy('prom-main', 'api/v1/query?query=up'), { as: ['alice', 1] });
      expect(res.status).toBe(502);
    } finally {
      await other.close();
    }
  });

  test('streams the answer: the first chunk arrives before the upstream has finished', async () => {
    let finish: () => void = () => {};
    upstream.handlers.set('/api/v1/slow', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
      finish = () => res.end('"success"}');
    });
    const cookie = host.signIn('alice', 1);
    const firstChunk = await new Promise<string>((resolve, reject) => {
      const req = request(`${host.url}${proxy('prom-staging', 'api/v1/slow')}`, { headers: { cookie } }, (res) => {
        res.once('data', (chunk: Buffer) => {
          resolve(chunk.toString('utf8'));
          finish();
          res.resume();
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(firstChunk).toBe('{"status":');
  });

  test('GET /api/datasources and /api/datasources/uid/:uid list the org’s data sources to org Admins', async () => {
    const list = await call(host, '/api/datasources', { as: ['alice', 1] });
    expect(list.status).toBe(200);
    expect(list.json()).toEqual([
      expect.objectContaining({ uid: 'prom-main', orgId: 1, name: 'Prometheus', type: 'prometheus', isDefault: true }),
      expect.objectContaining({ uid: 'prom-staging', orgId: 1, name: 'Staging', isDefault: false }),
    ]);
    const byToken = await call(host, '/api/datasources/uid/prom-second', {
      headers: { authorization: `Bearer ${ORG2_TOKEN}` },
    });
    expect(byToken.status).toBe(200);
    expect(byToken.json()).toMatchObject({ uid: 'prom-second', orgId: 2, url: upstream.url, secureJsonFields: {} });
    expect((await call(host, '/api/datasources/uid/prom-second', { as: ['alice', 1] })).status).toBe(404);
    // Reading data source settings needs datasources:read, which Editors and Viewers lack.
    expect((await call(host, '/api/datasources', { as: ['bob', 1] })).status).toBe(403);
    expect((await call(host, '/api/datasources/uid/prom-main', { as: ['carol', 1] })).status).toBe(403);
  });

  test('the boot data lists the org’s data sources for DataSourcePicker, with the default named', async () => {
    const page = await call(host, '/a/test-app/', { as: ['carol', 1] });
    const boot = JSON.parse(/window\.grafanaBootData = (.*);\n/.exec(page.text)![1]!) as {
      settings: {
        datasources: Record<string, { uid: string; url: string; meta: { id: string } }>;
        defaultDatasource: string;
      };
    };
    expect(Object.keys(boot.settings.datasources).sort()).toEqual(['Prometheus', 'Staging']);
    expect(boot.settings.datasources.Prometheus).toMatchObject({
      uid: 'prom-main',
      url: '/api/datasources/proxy/uid/prom-main',
      meta: { id: 'prometheus' },
    });
    expect(boot.settings.defaultDatasource).toBe('Prometheus');
    // The URL of the data source itself is not in the page.
    expect(page.text).not.toContain(upstream.url);
  });
});
