import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project, ProjectList } from '../contract/index.ts';
import type { TestUser } from '../testing/grafana-identity.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin } from '../testing/test-users.ts';

const lead: TestUser = { orgId: 1, userId: 20, login: 'lead', orgRole: 'Viewer', teams: [7] };
const dev: TestUser = { orgId: 1, userId: 21, login: 'dev', orgRole: 'Editor', teams: [7] };
const colead: TestUser = { orgId: 1, userId: 22, login: 'colead', orgRole: 'Editor', teams: [7] };
const SA_TOKEN = 'glsa_org1_service_account_token';

describe.each(TEST_DIALECTS)('Grafana teams through the org service account on %s', (dialect) => {
  let t: TestSidecar;
  beforeAll(async () => {
    t = await createTestSidecar(dialect);
    t.grafana.serviceAccounts.set(SA_TOKEN, 1);
    t.grafana.teams.set(1, [
      {
        id: 7,
        name: 'Payments SRE',
        members: [
          { userId: 20, login: 'lead', permission: 4 },
          { userId: 21, login: 'dev', permission: 0 },
          { userId: 22, login: 'colead', permission: 4 },
        ],
      },
      { id: 8, name: 'Search', members: [{ userId: 21, login: 'dev', permission: 0 }] },
    ]);
    const res = await t.call(admin, '/api/v1/integrations', {
      method: 'POST',
      body: {
        type: 'grafana',
        scope: 'org',
        name: 'grafana',
        config: { url: t.grafana.url },
        secrets: { token: SA_TOKEN },
      },
    });
    expect(res.statusCode).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('names auto-registered projects after their team and makes team Admins project admins', async () => {
    const projects = (await t.call(lead, '/api/v1/projects')).json<ProjectList>().items;
    expect(projects.map((p) => [p.name, p.slug, p.role])).toEqual([['Payments SRE', 'payments-sre', 'admin']]);
    const asDev = (await t.call(dev, '/api/v1/projects')).json<ProjectList>().items;
    expect(asDev.find((p) => p.teamId === 7)?.role).toBe('engineer');
  });

  it('lets a project admin change only members below them, so no peer can be demoted for good', async () => {
    const project = (await t.call(lead, '/api/v1/projects')).json<ProjectList>().items.find((p) => p.teamId === 7)!;
    const member = (userId: number) => `/api/v1/projects/${project.id}/members/${userId}`;
    const roleOf = async (user: TestUser) =>
      (await t.call(user, `/api/v1/projects/${project.id}`)).json<Project>().role;
    const refused = async (res: Awaited<ReturnType<TestSidecar['call']>>, message: RegExp) => {
      expect(res.statusCode, res.payload).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(message) });
    };

    // a team Admin cannot demote the other team Admin through an override
    await refused(
      await t.call(lead, member(22), { method: 'PUT', body: { role: 'viewer', login: 'colead' } }),
      /can change only members below it; this member is admin/
    );
    expect(await roleOf(colead)).toBe('admin');

    // members below an admin stay theirs to change; once raised to admin, only a higher role changes them
    expect((await t.call(lead, member(21), { method: 'PUT', body: { role: 'viewer' } })).statusCode).toBe(200);
    expect(await roleOf(dev)).toBe('viewer');
    expect((await t.call(lead, member(21), { method: 'PUT', body: { role: 'admin' } })).statusCode).toBe(200);
    expect(await roleOf(dev)).toBe('admin');
    await refused(
      await t.call(colead, member(21), { method: 'PUT', body: { role: 'viewer' } }),
      /this member is admin/
    );
    await refused(await t.call(lead, member(21), { method: 'DELETE' }), /this member is admin/);
    expect(await roleOf(dev)).toBe('admin');
    expect((await t.call(admin, member(21), { method: 'DELETE' })).statusCode).toBe(204);
    expect(await roleOf(dev)).toBe('engineer');

    // an org Admin may demote a team Admin; a peer cannot then override or undo it, the org Admin can
    expect((await t.call(admin, member(22), { method: 'PUT', body: { role: 'viewer' } })).statusCode).toBe(200);
    expect(await roleOf(colead)).toBe('viewer');
    await refused(await t.call(lead, member(22), { method: 'DELETE' }), /admin through Grafana \(team Admin\)/);
    await refused(
      await t.call(lead, member(22), { method: 'PUT', body: { role: 'engineer' } }),
      /admin through Grafana \(team Admin\)/
    );
    expect(await roleOf(colead)).toBe('viewer');
    expect((await t.call(admin, member(22), { method: 'DELETE' })).statusCode).toBe(204);
    expect(await roleOf(colead)).toBe('admin');
  });

  it('resolves team membership from the teams API when Grafana sends no team ids', async () => {
    const context = JSON.stringify({ UserID: 21, OrgID: 1, OrgRole: 'Editor', Login: 'dev', Teams: null });
    const projects = (await t.call(dev, '/api/v1/projects', { context })).json<ProjectList>().items;
    expect(projects.map((p) => p.teamId).sort()).toEqual([7, 8]);
  });

  it('lets a team Admin register their team, and refuses unknown teams and non-admins', async () => {
    t.grafana.teams.get(1)!.push({
      id: 9,
      name: 'Edge',
      members: [
        { userId: 20, login: 'lead', permission: 4 },
        { userId: 21, login: 'dev', permission: 0 },
      ],
    });
    const byDev = await t.call(dev, '/api/v1/projects', { method: 'POST', body: { teamId: 9 } });
    expect(byDev.statusCode).toBe(403);
    const byLead = await t.call(lead, '/api/v1/projects', {
      method: 'POST',
      body: { teamId: 9, description: 'edge proxies' },
    });
    expect(byLead.statusCode).toBe(201);
    expect(byLead.json<Project>()).toMatchObject({ name: 'Edge', description: 'edge proxies', role: 'admin' });
    const again = await t.call(admin, '/api/v1/projects', { method: 'POST', body: { teamId: 9 } });
    expect(again.statusCode).toBe(409);
    const unknown = await t.call(admin, '/api/v1/projects', { method: 'POST', body: { teamId: 999 } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toContain('no team 999');
  });

  it('answers 503 with a clear message when Grafana’s API fails, and never a 500', async () => {
    t.grafana.apiDown = true;
    try {
      const res = await t.call(admin, '/api/v1/projects', { method: 'POST', body: { teamId: 12345 } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({
        code: 'unavailable',
        message: `Grafana at ${new URL(t.grafana.url).host} could not be reached or did not answer as Grafana; try again shortly`,
      });
    } finally {
      t.grafana.apiDown = false;
    }
  });
});
