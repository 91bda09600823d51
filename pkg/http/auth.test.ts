import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestUser } from '../testing/grafana-identity.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, ORG_SECRETS, type TestSidecar } from '../testing/test-sidecar.ts';
import { alice } from '../testing/test-users.ts';

const carol: TestUser = { orgId: 2, userId: 20, login: 'carol', orgRole: 'Admin', teams: [] };

describe.each(TEST_DIALECTS)('authentication on %s', (dialect) => {
  let t: TestSidecar;
  beforeAll(async () => {
    t = await createTestSidecar(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  const expect401 = async (promise: ReturnType<TestSidecar['call']>, message: RegExp) => {
    const res = await promise;
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(message) });
  };

  it('accepts a proxied request with the org’s secret and a valid ID token', async () => {
    const res = await t.call(alice, '/api/v1/projects');
    expect(res.statusCode).toBe(200);
  });

  it('tells the caller who they are (the connection test)', async () => {
    const res = await t.call(alice, '/api/v1/whoami');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      user: {
        id: 10,
        login: 'alice',
        name: 'alice',
        email: 'alice@example.com',
        orgId: 1,
        orgRole: 'Editor',
        isServiceAccount: false,
      },
      teamIds: [100],
    });
  });

  it('rejects a request without the secret', async () => {
    await expect401(t.call(alice, '/api/v1/projects', { secret: null }), /secret header/);
  });

  it('rejects a wrong secret, and another org’s secret', async () => {
    await expect401(t.call(alice, '/api/v1/projects', { secret: 'x'.repeat(25) }), /not the one configured/);
    await expect401(t.call(alice, '/api/v1/projects', { secret: ORG_SECRETS[2] }), /not the one configured/);
    await expect401(t.call(carol, '/api/v1/projects', { secret: ORG_SECRETS[1] }), /not the one configured/);
  });

  it('rejects a missing ID token (no identity fallback unless configured)', async () => {
    await expect401(t.call(alice, '/api/v1/projects', { idToken: null }), /missing X-Grafana-Id/);
  });

  it('rejects forged, expired, wrong-audience and wrong-issuer tokens', async () => {
    const { privateKey: foreignKey } = await generateKeyPair('ES256');
    const cases: Array<[string, Promise<string>]> = [
      ['signed by another key', t.grafana.idToken(alice, { key: foreignKey })],
      ['signed by another key with an unknown kid', t.grafana.idToken(alice, { key: foreignKey, kid: 'other' })],
      ['expired', t.grafana.idToken(alice, { expiresInSeconds: -60 })],
      ['for another audience', t.grafana.idToken(alice, { audience: ['grafana'] })],
      ['for two orgs', t.grafana.idToken(alice, { audience: ['org:1', 'org:2'] })],
      ['from another issuer', t.grafana.idToken(alice, { issuer: 'https://evil.example/' })],
      ['with a bad subject', t.grafana.idToken(alice, { sub: 'admin' })],
      [
        'signed with HS256',
        new SignJWT({ role: 'Admin' })
          .setProtectedHeader({ alg: 'HS256', kid: t.grafana.kid })
          .setIssuer(t.grafana.issuer)
          .setAudience('org:1')
          .setSubject('user:10')
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(ORG_SECRETS[1])),
      ],
      [
        'unsigned (alg none)',
        Promise.resolve(
          new UnsecuredJWT({ role: 'Admin' })
            .setIssuer(t.grafana.issuer)
            .setAudience('org:1')
            .setSubject('user:10')
            .setExpirationTime('5m')
            .encode()
        ),
      ],
      ['garbage', Promise.resolve('not.a.jwt')],
    ];
    for (const [label, token] of cases) {
      const res = await t.call(alice, '/api/v1/projects', { idToken: await token });
      expect(res.statusCode, label).toBe(401);
    }
  });

  it('parses the org and user ids of the token strictly', async () => {
    // Each token is signed by Grafana's key and comes without a context: only the claim itself is wrong.
    const cases: Array<[TestUser, { audience?: string[]; sub?: string }, RegExp]> = [
      [alice, { audience: ['org:01'] }, /audience must name exactly one org/],
      [alice, { audience: ['org:1x'] }, /audience must name exactly one org/],
      [alice, { audience: ['org:1', 'org:1x'] }, /audience must name exactly one org/],
      [{ ...alice, userId: 0 }, {}, /sub must be user:<id>/],
      [{ ...alice, userId: 2 ** 53 }, {}, /sub must be user:<id>/],
      [{ ...alice, userId: 1000 }, { sub: 'user:1e3' }, /sub must be user:<id>/],
      [alice, { sub: 'user:010' }, /sub must be user:<id>/],
    ];
    for (const [user, overrides, message] of cases) {
      const idToken = await t.grafana.idToken(user, overrides);
      await expect401(t.call(user, '/api/v1/projects', { idToken, context: null }), message);
    }
    const largest = { ...alice, userId: Number.MAX_SAFE_INTEGER };
    const whoami = await t.call(largest, '/api/v1/whoami', { context: null });
    expect(whoami.json().user.id).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses X-Grafana-Context that describes someone else, and malformed context', async () => {
    const bob: TestUser = { ...alice, userId: 11, login: 'bob', orgRole: 'Admin' };
    await expect401(t.call(alice, '/api/v1/projects', { context: t.grafana.context(bob) }), /does not describe/);
    await expect401(
      t.call(alice, '/api/v1/projects', { context: t.grafana.context({ ...alice, orgId: 2 }) }),
      /does not describe/
    );
    await expect401(t.call(alice, '/api/v1/projects', { context: '{nope' }), /not JSON/);
  });

  it('takes the org role from the verified token, not from the context', async () => {
    // The context claims Admin; the token says Editor: alice only sees her team's project.
    const res = await t.call(alice, '/api/v1/projects', { context: t.grafana.context({ ...alice, orgRole: 'Admin' }) });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((p: { role: string }) => p.role)).toEqual(['engineer']);
  });

  it('answers 401 with the one error shape and a request id', async () => {
    const res = await t.call(alice, '/api/v1/projects', { secret: null, headers: { 'x-request-id': 'req-123' } });
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String), requestId: 'req-123' } });
  });
});

describe('JWKS cache', () => {
  it('caches the key set and fetches it again when a token names a new key (rotation)', async () => {
    const t = await createTestSidecar('pglite', { JWKS_REFRESH_COOLDOWN_SECONDS: '0' });
    try {
      expect((await t.call(alice, '/api/v1/projects')).statusCode).toBe(200);
      expect((await t.call(alice, '/api/v1/projects')).statusCode).toBe(200);
      expect(t.grafana.jwksFetches).toBe(1);
      const key = await t.grafana.addKey('rotated-key');
      const token = await t.grafana.idToken(alice, { key, kid: 'rotated-key' });
      expect((await t.call(alice, '/api/v1/projects', { idToken: token })).statusCode).toBe(200);
      expect(t.grafana.jwksFetches).toBe(2);
    } finally {
      await t.close();
    }
  });

  it('does not fetch again within the cooldown, whatever key ids clients send', async () => {
    const t = await createTestSidecar('pglite', { JWKS_REFRESH_COOLDOWN_SECONDS: '300' });
    try {
      expect((await t.call(alice, '/api/v1/projects')).statusCode).toBe(200);
      for (const kid of ['a', 'b', 'c']) {
        const res = await t.call(alice, '/api/v1/projects', { idToken: await t.grafana.idToken(alice, { kid }) });
        expect(res.statusCode).toBe(401);
      }
      expect(t.grafana.jwksFetches).toBe(1);
    } finally {
      await t.close();
    }
  });
});

describe('identity fallback without ID tokens', () => {
  it('uses X-Grafana-Context behind the secret only when TRUST_GRAFANA_CONTEXT_IDENTITY is on', async () => {
    const t = await createTestSidecar('pglite', { TRUST_GRAFANA_CONTEXT_IDENTITY: 'true' });
    try {
      expect((await t.call(alice, '/api/v1/projects', { idToken: null })).statusCode).toBe(200);
      expect((await t.call(alice, '/api/v1/projects', { idToken: null, secret: ORG_SECRETS[2] })).statusCode).toBe(401);
      expect((await t.call(alice, '/api/v1/projects', { idToken: null, secret: null })).statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});
