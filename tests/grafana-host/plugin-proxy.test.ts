import { request } from 'node:http';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { defaultFixture } from './fixture.ts';
import { ID_TOKEN_TTL_SECONDS } from './id-tokens.ts';
import type { SignedInIdentity } from './identity.ts';
import type { PluginManifest } from './plugin-manifest.ts';
import { startGrafanaHost, type GrafanaHost } from './server.ts';
import { call, startEchoUpstream, type EchoUpstream } from './test-helpers.ts';

const APP = 'test-app';

/** Routes that exercise what Grafana's matcher does: order, methods, roles, wildcards, params, templates. */
const manifest: PluginManifest = {
  id: APP,
  type: 'app',
  name: 'Test app',
  info: { version: '1.0.0' },
  roles: [
    {
      role: { name: 'Things writer', permissions: [{ action: 'test-app.things:write' }] },
      grants: ['Editor'],
    },
  ],
  routes: [
    { path: 'rbac/*', url: '{{ .JsonData.upstream }}/rbac', reqAction: 'test-app.things:write' },
    { path: 'admin/*', url: '{{ .JsonData.upstream }}/admin', reqRole: 'Admin' },
    // Never reached by a non-Admin: the first matching route decides, and it answers 403.
    { path: 'admin/*', url: '{{ .JsonData.upstream }}/admin-open' },
    { path: 'items/:id', method: 'GET', url: '{{ .JsonData.upstream }}/get-item' },
    { path: 'items/:id', method: 'POST', url: '{{ .JsonData.upstream }}/post-item', reqRole: 'Editor' },
    {
      path: 'api/*',
      url: '{{ .JsonData.upstream }}/api',
      reqRole: 'Viewer',
      headers: [
        { name: 'X-SRE-Copilot-Secret', content: '{{ .SecureJsonData.secret }}' },
        { name: 'X-Api-Version', content: 'v{{ .JsonData.version }}' },
      ],
    },
    // Shadowed by api/* above.
    { path: 'api/special', url: '{{ .JsonData.upstream }}/never' },
    {
      path: 'with-body',
      method: 'POST',
      url: '{{ .JsonData.upstream }}/body',
      body: { token: '{{ .SecureJsonData.secret }}' },
    },
    { path: 'unset/*', url: '{{ .JsonData.notConfigured }}/x' },
    { path: 'broken', url: '{{ .JsonData.upstream | nope }}' },
  ],
};

describe('plugin proxy /api/plugin-proxy/<id>/*', () => {
  let upstream: EchoUpstream;
  let host: GrafanaHost;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    const fixture = defaultFixture();
    fixture.pluginSettings = [
      {
        orgId: 1,
        pluginId: APP,
        enabled: true,
        jsonData: { upstream: upstream.url, version: 2 },
        secureJsonData: { secret: 'org-1-secret' },
      },
      {
        orgId: 2,
        pluginId: APP,
        enabled: true,
        jsonData: { upstream: upstream.url, version: 3 },
        secureJsonData: { secret: 'org-2-secret' },
      },
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

  const last = () => upstream.received.at(-1)!;

  test('applies the route: URL and headers are templates over the org’s settings, the matched rest is appended', async () => {
    const res = await call(host, `/api/plugin-proxy/${APP}/api/v1/things?limit=5&q=a%20b`, { as: ['alice', 1] });
    expect(res.status).toBe(200);
    expect(last().url).toBe('/api/v1/things?limit=5&q=a%20b');
    expect(last().headers['x-sre-copilot-secret']).toBe('org-1-secret');
    expect(last().headers['x-api-version']).toBe('v2');

    // Same route for a user of org 2: org 2's settings.
    await call(host, `/api/plugin-proxy/${APP}/api/v1/things`, { as: ['dave', 2] });
    expect(last().headers['x-sre-copilot-secret']).toBe('org-2-secret');
    expect(last().headers['x-api-version']).toBe('v3');
  });

  test('a `:param` route forwards to its URL only; the first matching route wins', async () => {
    await call(host, `/api/plugin-proxy/${APP}/items/42`, { as: ['carol', 1] });
    expect(last().url).toBe('/get-item');
    await call(host, `/api/plugin-proxy/${APP}/api/special`, { as: ['carol', 1] });
    expect(last().url).toBe('/api/special');
    // Without the trailing slash of the request, as Grafana without pluginProxyPreserveTrailingSlash.
    await call(host, `/api/plugin-proxy/${APP}/api/v1/`, { as: ['carol', 1] });
    expect(last().url).toBe('/api/v1');
  });

  test('routes filter by method; no route for a method answers 404', async () => {
    await call(host, `/api/plugin-proxy/${APP}/items/7`, { method: 'POST', as: ['bob', 1], body: { a: 1 } });
    expect(last()).toMatchObject({ method: 'POST', url: '/post-item', body: '{"a":1}' });
    const before = upstream.received.length;
    const res = await call(host, `/api/plugin-proxy/${APP}/items/7`, { method: 'DELETE', as: ['alice', 1] });
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ message: 'plugin route match not found' });
    expect(upstream.received.length).toBe(before);
  });

  test('reqRole is checked against the org role; a refused route does not fall through to a later one', async () => {
    const viewer = await call(host, `/api/plugin-proxy/${APP}/admin/users`, { as: ['carol', 1] });
    expect(viewer.status).toBe(403);
    expect(viewer.json()).toEqual({ message: 'plugin proxy route access denied' });
    // alice is Admin of org 1 but only Viewer in org 2.
    const adminInOrg2 = await call(host, `/api/plugin-proxy/${APP}/admin/users`, { as: ['alice', 2] });
    expect(adminInOrg2.status).toBe(403);
    expect(upstream.received).toHaveLength(0);

    const admin = await call(host, `/api/plugin-proxy/${APP}/admin/users`, { as: ['alice', 1] });
    expect(admin.status).toBe(200);
    expect(last().url).toBe('/admin/users');
    const viewerPost = await call(host, `/api/plugin-proxy/${APP}/items/1`, { method: 'POST', as: ['carol', 1] });
    expect(viewerPost.status).toBe(403);
  });

  test('reqAction needs the action from the plugin’s roles, granted to a basic role and the roles above it', async () => {
    expect((await call(host, `/api/plugin-proxy/${APP}/rbac/x`, { as: ['carol', 1] })).status).toBe(403);
    expect(upstream.received).toHaveLength(0);
    expect((await call(host, `/api/plugin-proxy/${APP}/rbac/x`, { as: ['bob', 1] })).status).toBe(200);
    expect((await call(host, `/api/plugin-proxy/${APP}/rbac/x`, { as: ['alice', 1] })).status).toBe(200);
    expect(last().url).toBe('/rbac/x');
  });

  test('a route header overrides a client header of the same name; Cookie and Authorization never reach upstream', async () => {
    await call(host, `/api/plugin-proxy/${APP}/api/x`, {
      as: ['bob', 1],
      headers: {
        'X-SRE-Copilot-Secret': 'forged-by-client',
        cookie: 'other=1',
        authorization: 'Basic Zm9yZ2VkOmZvcmdlZA==',
        'X-Custom': 'kept',
      },
    });
    const { headers } = last();
    expect(headers['x-sre-copilot-secret']).toBe('org-1-secret');
    expect(headers.cookie).toBeUndefined();
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-custom']).toBe('kept');
  });

  test('client-sent X-Grafana-Id and X-Grafana-Context never reach upstream; the host sets its own', async () => {
    const forgedContext = JSON.stringify({ UserID: 1, OrgID: 1, OrgRole: 'Admin', Login: 'admin', Teams: [1, 2, 3] });
    await call(host, `/api/plugin-proxy/${APP}/api/x`, {
      as: ['carol', 1],
      headers: { 'X-Grafana-Id': 'forged.token.value', 'X-Grafana-Context': forgedContext, 'X-Grafana-User': 'admin' },
    });
    const { headers } = last();
    expect(headers['x-grafana-id']).not.toBe('forged.token.value');
    expect(headers['x-grafana-user']).toBeUndefined();
    expect(JSON.parse(String(headers['x-grafana-context']))).toMatchObject({
      UserID: 4,
      UserUID: 'u-carol',
      OrgID: 1,
      OrgRole: 'Viewer',
      Login: 'carol',
      Name: 'Carol Viewer',
      Email: 'carol@example.com',
      IsServiceAccount: false,
      IsGrafanaAdmin: false,
      Teams: [1],
    });
  });

  test('X-Grafana-Id is an ES256 token signed with the key published at /api/signing-keys/keys, with Grafana’s claims', async () => {
    const jwks = createRemoteJWKSet(new URL(`${host.url}/api/signing-keys/keys`));
    for (const [login, orgId, userId, role, namespace, teams] of [
      ['alice', 1, 2, 'Admin', 'default', [2]],
      ['alice', 2, 2, 'Viewer', 'org-2', [3]],
    ] as const) {
      await call(host, `/api/plugin-proxy/${APP}/api/x`, { as: [login, orgId] });
      const token = String(last().headers['x-grafana-id']);
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: host.signer.kid, typ: 'jwt' });
      const { payload } = await jwtVerify(token, jwks, {
        issuer: `${host.url}/`,
        audience: `org:${orgId}`,
        algorithms: ['ES256'],
      });
      expect(payload).toMatchObject({
        iss: `${host.url}/`,
        aud: [`org:${orgId}`],
        sub: `user:${userId}`,
        identifier: 'u-alice',
        type: 'user',
        namespace,
        email: 'alice@example.com',
        username: 'alice',
        name: 'Alice Admin',
        role,
      });
      expect(payload.exp! - payload.iat!).toBe(ID_TOKEN_TTL_SECONDS);
      expect(JSON.parse(String(last().headers['x-grafana-context'])).Teams).toEqual(teams);
    }
  });

  test('a token signed with another key does not verify against the published JWKS', async () => {
    const other = await startGrafanaHost({ manifest });
    try {
      const identity: SignedInIdentity = {
        kind: 'user',
        id: 2,
        uid: 'u-alice',
        login: 'alice',
        name: 'Alice Admin',
        email: 'alice@example.com',
        orgId: 1,
        orgName: 'Main Org.',
        orgRole: 'Admin',
        isGrafanaAdmin: false,
        teams: [2],
      };
      const foreign = await other.signer.sign(identity, `${host.url}/`);
      const jwks = createRemoteJWKSet(new URL(`${host.url}/api/signing-keys/keys`));
      await expect(jwtVerify(foreign, jwks, { issuer: `${host.url}/` })).rejects.toThrow();
    } finally {
      await other.close();
    }
  });

  test('Origin and Referer are removed, X-Grafana-Referer and X-Forwarded-For set', async () => {
    await call(host, `/api/plugin-proxy/${APP}/api/x`, {
      as: ['bob', 1],
      headers: {
        origin: 'http://evil.example',
        referer: `http://grafana.example/a/${APP}/home`,
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-host': 'spoofed.example',
      },
    });
    const { headers } = last();
    expect(headers.origin).toBeUndefined();
    expect(headers.referer).toBeUndefined();
    expect(headers['x-forwarded-host']).toBeUndefined();
    expect(headers['x-grafana-referer']).toBe(`http://grafana.example/a/${APP}/home`);
    expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
  });

  test('a route body is a template too and replaces the client’s body', async () => {
    await call(host, `/api/plugin-proxy/${APP}/with-body`, {
      method: 'POST',
      as: ['bob', 1],
      body: { token: 'client' },
    });
    expect(JSON.parse(last().body)).toEqual({ token: 'org-1-secret' });
  });

  test('an unset URL setting is a bad gateway; a template that does not execute is a 500', async () => {
    expect((await call(host, `/api/plugin-proxy/${APP}/unset/a`, { as: ['bob', 1] })).status).toBe(502);
    const broken = await call(host, `/api/plugin-proxy/${APP}/broken`, { as: ['bob', 1] });
    expect(broken.status).toBe(500);
    expect(broken.json()).toEqual({ message: 'Could not interpolate plugin route url' });
  });

  test('responses come back with their status, without Set-Cookie, sandboxed', async () => {
    upstream.handlers.set('/api/teapot', (_req, res) => {
      res.writeHead(418, { 'content-type': 'text/plain', 'set-cookie': 'upstream=1; Path=/', 'x-upstream': 'yes' });
      res.end('short and stout');
    });
    const res = await call(host, `/api/plugin-proxy/${APP}/api/teapot`, { as: ['bob', 1] });
    expect(res.status).toBe(418);
    expect(res.text).toBe('short and stout');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-upstream']).toBe('yes');
    expect(res.headers['content-security-policy']).toBe('sandbox');
  });

  test('server-sent events stream through: each event arrives before the upstream sends the next', async () => {
    let sendSecond!: () => void;
    const secondAllowed = new Promise<void>((resolve) => (sendSecond = resolve));
    upstream.handlers.set('/api/events', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: one\n\n');
      // The second event waits until the client has seen the first: a buffering proxy would deadlock here.
      void secondAllowed.then(() => res.end('data: two\n\n'));
    });
    const cookie = host.signIn('bob', 1);
    let contentType: string | undefined;
    const received = await new Promise<string[]>((resolve, reject) => {
      const events: string[] = [];
      const req = request(`${host.url}/api/plugin-proxy/${APP}/api/events`, { headers: { cookie } }, (res) => {
        contentType = res.headers['content-type'];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          events.push(...[...chunk.matchAll(/data: (\w+)/g)].map((m) => m[1]!));
          if (events.includes('one')) {
            sendSecond();
          }
        });
        res.on('end', () => resolve(events));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(contentType).toBe('text/event-stream');
    expect(received).toEqual(['one', 'two']);
  }, 10_000);

  test('a signed-out caller is refused; a user cannot act in an org they do not belong to', async () => {
    expect((await call(host, `/api/plugin-proxy/${APP}/api/x`)).status).toBe(401);
    const bobInOrg2 = await call(host, `/api/plugin-proxy/${APP}/api/x`, {
      as: ['bob', 1],
      headers: { 'X-Grafana-Org-Id': '2' },
    });
    expect(bobInOrg2.status).toBe(403);
    expect(upstream.received).toHaveLength(0);
    // A member of both orgs may pick the org per request, as Grafana allows; the proxy then acts in that org.
    await call(host, `/api/plugin-proxy/${APP}/api/x`, { as: ['alice', 1], headers: { 'X-Grafana-Org-Id': '2' } });
    expect(last().headers['x-sre-copilot-secret']).toBe('org-2-secret');
    expect(JSON.parse(String(last().headers['x-grafana-context']))).toMatchObject({ OrgID: 2, OrgRole: 'Viewer' });
  });

  test('an unknown plugin id is 404', async () => {
    const res = await call(host, '/api/plugin-proxy/other-app/api/x', { as: ['alice', 1] });
    expect(res.status).toBe(404);
  });
});

describe('the plugin proxy with the built plugin’s own plugin.json', () => {
  test('api/* goes to the org’s sidecar URL with its secret; an unconfigured org is a bad gateway', async () => {
    const upstream = await startEchoUpstream();
    const host = await startGrafanaHost();
    try {
      expect(host.manifest.id).toBe('sre-copilot-app');
      host.setPluginSettings(1, {
        jsonData: { sidecarUrl: upstream.url },
        secureJsonData: { sidecarSecret: 's3cret-org-1' },
      });
      const res = await call(host, '/api/plugin-proxy/sre-copilot-app/api/v1/projects', { as: ['bob', 1] });
      expect(res.status).toBe(200);
      expect(upstream.received.at(-1)).toMatchObject({
        url: '/api/v1/projects',
        headers: { 'x-sre-copilot-secret': 's3cret-org-1' },
      });
      const unconfigured = await call(host, '/api/plugin-proxy/sre-copilot-app/api/v1/projects', { as: ['dave', 2] });
      expect(unconfigured.status).toBe(502);
    } finally {
      await host.close();
      await upstream.close();
    }
  });
});
