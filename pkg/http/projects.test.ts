import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectContext, ProjectList } from '../contract/index.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice, victor, bob } from '../testing/test-users.ts';

describe.each(TEST_DIALECTS)('projects on %s', (dialect) => {
  let t: TestSidecar;
  beforeAll(async () => {
    t = await createTestSidecar(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('registers a caller’s teams as projects on first sight, with roles from the org role', async () => {
    const res = await t.call(alice, '/api/v1/projects');
    expect(res.statusCode).toBe(200);
    const list = res.json<ProjectList>();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      teamId: 100,
      name: 'Team 100',
      slug: 'team-100',
      role: 'engineer',
      orgId: 1,
    });

    const asViewer = (await t.call(victor, '/api/v1/projects')).json<ProjectList>();
    expect(asViewer.items.map((p) => [p.teamId, p.role])).toEqual([[100, 'viewer']]);

    // bob's team is registered too; alice still sees only hers, the org admin sees both as owner
    await t.call(bob, '/api/v1/projects');
    expect((await t.call(alice, '/api/v1/projects')).json<ProjectList>().items.map((p) => p.teamId)).toEqual([100]);
    const all = (await t.call(admin, '/api/v1/projects')).json<ProjectList>().items;
    expect(all.map((p) => [p.teamId, p.role]).sort()).toEqual([
      [100, 'owner'],
      [200, 'owner'],
    ]);
  });

  it('switches project only where the caller has access and returns the permissions of the role', async () => {
    const [project] = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items;
    const ok = await t.call(victor, '/api/v1/auth/switch-project', {
      method: 'POST',
      body: { projectId: project!.id },
    });
    expect(ok.statusCode).toBe(200);
    const ctx = ok.json<ProjectContext>();
    expect(ctx.role).toBe('viewer');
    expect(ctx.permissions).toEqual({
      read: true,
      write: false,
      manageProject: false,
      manageMembers: false,
      manageIntegrations: false,
    });

    const denied = await t.call(bob, '/api/v1/auth/switch-project', {
      method: 'POST',
      body: { projectId: project!.id },
    });
    expect(denied.statusCode).toBe(404);
    expect(denied.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('lets an admin grant a role override that gives access and is audited', async () => {
    const [project] = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items;
    const put = await t.call(admin, `/api/v1/projects/${project!.id}/members/12`, {
      method: 'PUT',
      body: { role: 'viewer', login: 'bob' },
    });
    expect(put.statusCode).toBe(200);
    const bobsProjects = (await t.call(bob, '/api/v1/projects')).json<ProjectList>().items;
    expect(bobsProjects.map((p) => [p.teamId, p.role]).sort()).toEqual([
      [100, 'viewer'],
      [200, 'engineer'],
    ]);
    // an engineer cannot manage members
    const engineer = await t.call(alice, `/api/v1/projects/${project!.id}/members/11`, {
      method: 'PUT',
      body: { role: 'admin' },
    });
    expect(engineer.statusCode).toBe(403);
    // the viewer override can be removed again
    expect((await t.call(admin, `/api/v1/projects/${project!.id}/members/12`, { method: 'DELETE' })).statusCode).toBe(
      204
    );
    expect((await t.call(bob, `/api/v1/projects/${project!.id}`)).statusCode).toBe(404);
  });

  it('validates bodies with clear 400s', async () => {
    const [project] = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items;
    const bad = await t.call(admin, `/api/v1/projects/${project!.id}`, { method: 'PATCH', body: { name: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^name: /);
    const unknown = await t.call(admin, `/api/v1/projects/${project!.id}`, {
      method: 'PATCH',
      body: { colour: 'red' },
    });
    expect(unknown.statusCode).toBe(400);
    const notUuid = await t.call(admin, '/api/v1/projects/123');
    expect(notUuid.statusCode).toBe(400);
    const broken = await t.call(admin, '/api/v1/projects', {
      method: 'POST',
      body: '{"teamId": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.requestId).toBeTruthy();
  });
});
