import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration } from '../contract/index.ts';
import type { TestUser } from '../testing/grafana-identity.ts';
import { freePort } from '../testing/processes.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin } from '../testing/test-users.ts';

const SA_TOKEN = `glsa_${randomUUID().replaceAll('-', '')}`;
const PASSWORD = `url-password-${randomUUID()}`;
/** An admin of an org without a Grafana integration yet, so that a create can only fail on its URL. */
const admin2: TestUser = { orgId: 2, userId: 2, login: 'admin2', orgRole: 'Admin', teams: [] };

interface Listening {
  server: Server;
  host: string;
  url: string;
  hits: string[];
  connections: number;
}

/** A local HTTP server on `address`; records the requests and connections that reached it. */
async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  address = '127.0.0.1'
): Promise<Listening> {
  const state = { hits: [] as string[], connections: 0 };
  const server = createServer((req, res) => {
    state.hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, resolve);
  });
  const port = (server.address() as { port: number }).port;
  const host = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  return Object.assign(state, { server, host, url: `http://${host}` });
}

/** A listener on the IPv6 loopback when the machine has one (else none: the URL is refused all the same). */
async function listenOnIpv6Loopback(): Promise<Listening | null> {
  try {
    return await listen((_req, res) => res.end('{}'), '::1');
  } catch {
    return null;
  }
}

const close = (l: Listening | null | undefined) =>
  l ? new Promise<void>((resolve) => l.server.close(() => resolve())) : Promise.resolve();

describe.each(TEST_DIALECTS)('the org Grafana URL and the outbound allow-list on %s', (dialect) => {
  let t: TestSidecar;
  let forbidden: Listening;
  let ipv6: Listening | null;
  let wrongStatus: Listening;
  let notGrafana: Listening;
  let redirecting: Listening;
  let foreign404: Listening;
  let closedHost: string;
  let grafanaId: string;

  beforeAll(async () => {
    forbidden = await listen((_req, res) => res.end('[]'));
    ipv6 = await listenOnIpv6Loopback();
    wrongStatus = await listen((_req, res) => {
      res.statusCode = 403;
      res.setHeader('content-type', 'application/json');
      res.end('{"message":"forbidden"}');
    });
    notGrafana = await listen((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<html>SSH-2.0-OpenSSH_9.6</html>');
    });
    redirecting = await listen((_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', `${forbidden.url}/api/teams/7`);
      res.end();
    });
    foreign404 = await listen((_req, res) => {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/html');
      res.end('<h1>Not Found</h1>');
    });
    closedHost = `127.0.0.1:${await freePort()}`;
    t = await createTestSidecar(dialect, {
      OUTBOUND_ALLOWED_HOSTS: [wrongStatus.host, notGrafana.host, redirecting.host, foreign404.host, closedHost].join(
        ','
      ),
    });
    t.grafana.serviceAccounts.set(SA_TOKEN, 1);
    t.grafana.teams.set(1, [{ id: 7, name: 'Payments SRE', members: [{ userId: 20, login: 'lead', permission: 4 }] }]);
    const created = await t.call(admin, '/api/v1/integrations', {
      method: 'POST',
      body: { type: 'grafana', scope: 'org', name: 'grafana', config: {}, secrets: { token: SA_TOKEN } },
    });
    expect(created.statusCode).toBe(201);
    grafanaId = created.json<Integration>().id;
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([forbidden, ipv6, wrongStatus, notGrafana, redirecting, foreign404].map(close));
  });

  const setUrl = (url: string) =>
    t.call(admin, `/api/v1/integrations/${grafanaId}?scope=org`, { method: 'PATCH', body: { config: { url } } });

  it('refuses a Grafana URL outside the allow-list or with credentials on save, and never contacts it', async () => {
    const ipv6Url = ipv6?.url ?? `http://[::1]:${new URL(t.grafana.url).port}`;
    const refused = [
      forbidden.url,
      ipv6Url,
      'http://169.254.169.254/latest/meta-data/',
      `http://${new URL(t.grafana.url).hostname}:22`,
      `http://admin:${PASSWORD}@${new URL(t.grafana.url).host}`,
    ];
    const create = (url: string) =>
      t.call(admin2, '/api/v1/integrations', {
        method: 'POST',
        body: { type: 'grafana', scope: 'org', name: 'grafana', config: { url }, secrets: { token: 'x' } },
      });
    for (const url of refused) {
      const onCreate = await create(url);
      expect(onCreate.statusCode, url).toBe(400);
      expect(onCreate.json().error.message, url).toMatch(/^config\.url: /);
      const onUpdate = await setUrl(url);
      expect(onUpdate.statusCode, url).toBe(400);
      expect(onUpdate.json().error.message, url).toMatch(/^config\.url: /);
      expect(onUpdate.payload).not.toContain(PASSWORD);
    }
    expect((await setUrl(forbidden.url)).json().error.message).toContain(
      `the host ${forbidden.host} is neither GRAFANA_URL's nor in the sidecar's OUTBOUND_ALLOWED_HOSTS`
    );
    expect((await setUrl(`http://admin:${PASSWORD}@${new URL(t.grafana.url).host}`)).json().error.message).toBe(
      'config.url: must not contain credentials; the service-account token goes in the token secret'
    );
    // Nothing was stored: the existing integration is unchanged, and org 2 can still create its own.
    expect((await t.call(admin, `/api/v1/integrations/${grafanaId}?scope=org`)).json<Integration>().config).toEqual({});
    expect((await create(t.grafana.url)).statusCode).toBe(201);
    expect(forbidden.connections).toBe(0);
    expect(ipv6?.connections ?? 0).toBe(0);
    expect(t.logs.join('\n')).not.toContain(PASSWORD);
  });

  it('accepts GRAFANA_URL’s host and the hosts of OUTBOUND_ALLOWED_HOSTS', async () => {
    expect((await setUrl(`${t.grafana.url}/`)).statusCode).toBe(200);
    expect((await setUrl(wrongStatus.url)).statusCode).toBe(200);
    expect((await setUrl(t.grafana.url)).statusCode).toBe(200);
  });

  it('answers every failure of an allowed but wrong server with one message, details only in the log', async () => {
    const messages: string[] = [];
    // A 404 that is not Grafana's own (`{"message": …}`) does not pass for "no such team" either.
    for (const target of [wrongStatus.host, notGrafana.host, redirecting.host, foreign404.host, closedHost]) {
      expect((await setUrl(`http://${target}`)).statusCode).toBe(200);
      const res = await t.call(admin, '/api/v1/projects', { method: 'POST', body: { teamId: 7 } });
      expect(res.statusCode, target).toBe(503);
      const { code, message } = res.json<{ error: { code: string; message: string } }>().error;
      expect(code).toBe('unavailable');
      expect(message).toBe(`Grafana at ${target} could not be reached or did not answer as Grafana; try again shortly`);
      messages.push(message.replace(target, '<host>'));
    }
    expect(new Set(messages).size).toBe(1);
    expect(forbidden.connections).toBe(0);
    const logged = t.logs.filter((line) => line.includes('Grafana API call failed')).join('\n');
    expect(logged).toContain('answered with 403');
    expect(logged).toContain('answered with 404');
    expect(logged).toContain('answered in an unexpected shape');
    expect(logged).toMatch(/answered with a redirect \(302/);
    expect(logged).toContain('connection refused');
    expect(logged).not.toContain(SA_TOKEN);
  });

  it('never calls nor logs a stored Grafana URL that carries a password or names a host outside the list', async () => {
    for (const url of [`http://admin:${PASSWORD}@${forbidden.host}/?token=${PASSWORD}`, `${forbidden.url}/`]) {
      // A save empties the directory's cache, so the stored URL is read again on the next call.
      expect((await setUrl(t.grafana.url)).statusCode).toBe(200);
      // As a row saved before URLs were checked on save would be.
      await t.inspect.withOwner((tx) =>
        tx.query(`UPDATE integrations SET config = jsonb_build_object('url', $2::text) WHERE id = $1`, [grafanaId, url])
      );
      const res = await t.call(admin, '/api/v1/projects', { method: 'POST', body: { teamId: 7 } });
      expect(res.statusCode, url).toBe(503);
      expect(res.payload).not.toContain(PASSWORD);
    }
    expect(forbidden.connections).toBe(0);
    expect(t.logs.join('\n')).not.toContain(PASSWORD);
    expect(t.logs.some((line) => line.includes('was not called'))).toBe(true);
  });
});
