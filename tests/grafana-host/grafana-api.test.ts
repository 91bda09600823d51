import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultFixture } from './fixture.ts';
import { startGrafanaHost, type GrafanaHost } from './server.ts';
import { call } from './test-helpers.ts';

const APP = 'sre-copilot-app';
const SETTINGS = `/api/plugins/${APP}/settings`;
const ORG1_TOKEN = 'glsa_org1_standin_0123456789abcdef';
const ORG2_TOKEN = 'glsa_org2_standin_0123456789abcdef';

describe('stand-in Grafana HTTP API', () => {
  let host: GrafanaHost;

  beforeAll(async () => {
    const fixture = defaultFixture();
    fixture.pluginSettings = [
      {
        orgId: 1,
        pluginId: APP,
        enabled: true,
        jsonData: { sidecarUrl: 'http://sidecar.org1' },
        secureJsonData: { sidecarSecret: 'org-1-provisioned-secret' },
      },
      { orgId: 2, pluginId: APP, enabled: true, jsonData: { sidecarUrl: 'http://sidecar.org2' } },
    ];
    host = await startGrafanaHost({ fixture });
  });

  afterAll(async () => {
    await host?.close();
  });

  describe('plugin settings', () => {
    test('GET returns the org’s jsonData and the names of the secure fields, never their values', async () => {
      const res = await call(host, SETTINGS, { as: ['carol', 1] });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({
        id: APP,
        type: 'app',
        enabled: true,
        module: `public/plugins/${APP}/module.js`,
        jsonData: { sidecarUrl: 'http://sidecar.org1' },
        secureJsonFields: { sidecarSecret: true },
      });
      expect(res.text).not.toContain('org-1-provisioned-secret');
      expect(res.json()).not.toHaveProperty('secureJsonData');
      // Org 2's settings are its own.
      const org2 = (await call(host, SETTINGS, { as: ['dave', 2] })).json();
      expect(org2).toMatchObject({ jsonData: { sidecarUrl: 'http://sidecar.org2' }, secureJsonFields: {} });
    });

    test('only an org Admin may write them', async () => {
      for (const login of ['bob', 'carol'] as const) {
        const res = await call(host, SETTINGS, {
          method: 'POST',
          as: [login, 1],
          body: { enabled: true, jsonData: { sidecarUrl: 'http://evil' }, secureJsonData: { sidecarSecret: 'x' } },
        });
        expect(res.status).toBe(403);
      }
      expect(host.getPluginSettings(1)?.jsonData).toEqual({ sidecarUrl: 'http://sidecar.org1' });
    });

    test('POST replaces jsonData, merges secure fields (a field not sent is kept) and touches only the caller’s org', async () => {
      const keep = await call(host, SETTINGS, {
        method: 'POST',
        as: ['alice', 1],
        body: { enabled: true, pinned: false, jsonData: { sidecarUrl: 'http://sidecar.new' } },
      });
      expect(keep.status).toBe(200);
      expect(keep.json()).toEqual({ message: 'Plugin settings updated' });
      expect(host.getPluginSettings(1)).toMatchObject({
        jsonData: { sidecarUrl: 'http://sidecar.new' },
        secureJsonData: { sidecarSecret: 'org-1-provisioned-secret' },
      });

      await call(host, SETTINGS, {
        method: 'POST',
        as: ['alice', 1],
        body: {
          enabled: true,
          jsonData: { sidecarUrl: 'http://sidecar.new' },
          secureJsonData: { sidecarSecret: 'rotated' },
        },
      });
      expect(host.getPluginSettings(1)?.secureJsonData).toEqual({ sidecarSecret: 'rotated' });
      expect(host.getPluginSettings(2)).toMatchObject({
        jsonData: { sidecarUrl: 'http://sidecar.org2' },
        secureJsonData: {},
      });
    });

    test('an Admin of one org cannot read or write another org’s settings', async () => {
      const read = await call(host, SETTINGS, { as: ['dave', 2], headers: { 'X-Grafana-Org-Id': '1' } });
      expect(read.status).toBe(403);
      const write = await call(host, `${SETTINGS}?orgId=1`, {
        method: 'POST',
        as: ['dave', 2],
        body: { enabled: true, jsonData: { sidecarUrl: 'http://evil' } },
      });
      expect(write.status).toBe(403);
      expect(host.getPluginSettings(1)?.jsonData).not.toEqual({ sidecarUrl: 'http://evil' });
    });

    test('an unknown plugin is 404; a signed-out caller is 401', async () => {
      expect((await call(host, '/api/plugins/nope-app/settings', { as: ['alice', 1] })).status).toBe(404);
      expect((await call(host, SETTINGS)).status).toBe(401);
    });
  });

  describe('sign-in and pages', () => {
    test('GET /login sets a session cookie; pages then carry the user’s boot data', async () => {
      const login = await call(host, '/login?user=alice&org=2&redirectTo=/a/sre-copilot-app/home');
      expect(login.status).toBe(302);
      expect(login.headers.location).toBe('/a/sre-copilot-app/home');
      const cookie = String(login.headers['set-cookie']?.[0]).split(';')[0]!;
      const page = await call(host, '/a/sre-copilot-app/home', { headers: { cookie } });
      expect(page.status).toBe(200);
      const bootData = JSON.parse(/window\.grafanaBootData = (.*);\n/.exec(page.text)![1]!);
      expect(bootData.user).toMatchObject({ login: 'alice', orgId: 2, orgRole: 'Viewer', orgName: 'Second Org.' });
      expect(bootData.settings).toMatchObject({
        appUrl: `${host.url}/`,
        appSubUrl: '',
        buildInfo: { version: '12.4.10' },
      });
      expect(page.text).toContain("window.__grafana_public_path__ = '/public/'");
    });

    test('a signed-out page visit goes to /login; sign-in into a foreign org is refused', async () => {
      const page = await call(host, '/a/sre-copilot-app/home');
      expect(page.status).toBe(302);
      expect(page.headers.location).toMatch(/^\/login\?redirectTo=/);
      expect((await call(host, '/login?user=bob&org=2')).status).toBe(403);
      const switchOrg = await call(host, '/a/sre-copilot-app/home?orgId=2', { as: ['bob', 1] });
      expect(switchOrg.status).toBe(403);
    });

    test('the nav tree lists the app’s pages the user may see, and Administration only for Admins', async () => {
      const bootOf = async (login: string, org: number) =>
        JSON.parse(/window\.grafanaBootData = (.*);\n/.exec((await call(host, '/', { as: [login, org] })).text)![1]!);
      const admin = await bootOf('alice', 1);
      const viewer = await bootOf('carol', 1);
      const ids = (boot: { navTree: Array<{ id: string }> }) => boot.navTree.map((item) => item.id);
      expect(ids(admin)).toEqual(['home', 'apps', 'cfg']);
      expect(ids(viewer)).toEqual(['home', 'apps']);
      const app = admin.navTree[1].children[0];
      expect(app).toMatchObject({ id: `plugin-page-${APP}`, text: 'SRE Copilot' });
      expect(app.children.map((c: { url: string }) => c.url)).toContain(`/a/${APP}/home`);
    });

    test('/api/user and /api/user/teams describe the session user in the current org', async () => {
      const user = (await call(host, '/api/user', { as: ['bob', 1] })).json();
      expect(user).toMatchObject({ id: 3, login: 'bob', orgId: 1 });
      const teams = (await call(host, '/api/user/teams', { as: ['bob', 1] })).json() as Array<{ id: number }>;
      expect(teams.map((t) => t.id).sort()).toEqual([1, 2]);
      const aliceOrg2 = (await call(host, '/api/user/teams', { as: ['alice', 2] })).json() as Array<{ id: number }>;
      expect(aliceOrg2.map((t) => t.id)).toEqual([3]);
    });
  });

  describe('signing keys', () => {
    test('the JWKS is public and holds one ES256 P-256 key', async () => {
      const res = await call(host, '/api/signing-keys/keys');
      expect(res.status).toBe(200);
      const { keys } = res.json() as { keys: Array<Record<string, string>> };
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: host.signer.kid });
      expect(keys[0]).not.toHaveProperty('d');
    });
  });

  describe('teams API for service-account tokens', () => {
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

    test('search pages through the org’s teams in Grafana’s shape', async () => {
      const first = (await call(host, '/api/teams/search?perpage=1&page=1', { headers: bearer(ORG1_TOKEN) })).json();
      expect(first).toMatchObject({
        totalCount: 2,
        page: 1,
        perPage: 1,
        teams: [{ id: 1, orgId: 1, name: 'Payments' }],
      });
      const second = (await call(host, '/api/teams/search?perpage=1&page=2', { headers: bearer(ORG1_TOKEN) })).json();
      expect(second).toMatchObject({ totalCount: 2, teams: [{ id: 2, name: 'Checkout' }] });
      const org2 = (await call(host, '/api/teams/search?perpage=500&page=1', { headers: bearer(ORG2_TOKEN) })).json();
      expect(org2).toMatchObject({ totalCount: 1, teams: [{ id: 3, orgId: 2, name: 'Platform' }] });
    });

    test('a team and its members with their permission (0 member, 4 admin)', async () => {
      const team = await call(host, '/api/teams/1', { headers: bearer(ORG1_TOKEN) });
      expect(team.json()).toMatchObject({ id: 1, orgId: 1, name: 'Payments', memberCount: 2 });
      const members = (await call(host, '/api/teams/1/members', { headers: bearer(ORG1_TOKEN) })).json();
      expect(members).toEqual([
        expect.objectContaining({ teamId: 1, userId: 3, login: 'bob', permission: 0 }),
        expect.objectContaining({ teamId: 1, userId: 4, login: 'carol', permission: 4 }),
      ]);
    });

    test('a token sees only its own org; a bad token or another org is refused', async () => {
      expect((await call(host, '/api/teams/3', { headers: bearer(ORG1_TOKEN) })).status).toBe(404);
      expect((await call(host, '/api/teams/3/members', { headers: bearer(ORG1_TOKEN) })).status).toBe(404);
      expect((await call(host, '/api/teams/search', { headers: bearer('glsa_unknown') })).status).toBe(401);
      const otherOrg = await call(host, '/api/teams/search', {
        headers: { ...bearer(ORG1_TOKEN), 'X-Grafana-Org-Id': '2' },
      });
      expect(otherOrg.status).toBe(401);
    });

    test('users: team members list their own teams; reading members needs org Admin or team Admin', async () => {
      const bobTeams = (await call(host, '/api/teams/search', { as: ['bob', 1] })).json() as {
        teams: Array<{ id: number }>;
      };
      expect(bobTeams.teams.map((t) => t.id).sort()).toEqual([1, 2]);
      // carol is a Viewer but Admin of Payments.
      expect((await call(host, '/api/teams/1/members', { as: ['carol', 1] })).status).toBe(200);
      expect((await call(host, '/api/teams/2/members', { as: ['bob', 1] })).status).toBe(200);
      expect((await call(host, '/api/teams/1/members', { as: ['bob', 1] })).status).toBe(403);
    });
  });
});
