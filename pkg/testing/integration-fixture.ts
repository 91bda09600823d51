import type { ProjectList } from '../contract/index.ts';
import type { TestUser } from './grafana-identity.ts';
import type { TestSidecar } from './test-sidecar.ts';

/** The org of the integration tests: project X (team 100) and project Y (team 200) in org 1, and org 2's admin. */
export const admin1: TestUser = { orgId: 1, userId: 1, login: 'admin1', orgRole: 'Admin', teams: [] };
/** Admin of X through a role override (no team). */
export const xAdmin: TestUser = { orgId: 1, userId: 5, login: 'xadmin', orgRole: 'Editor', teams: [] };
/** Engineer of X. */
export const alice: TestUser = { orgId: 1, userId: 10, login: 'alice', orgRole: 'Editor', teams: [100] };
/** Viewer of X. */
export const victor: TestUser = { orgId: 1, userId: 11, login: 'victor', orgRole: 'Viewer', teams: [100] };
/** Engineer of Y. */
export const bob: TestUser = { orgId: 1, userId: 12, login: 'bob', orgRole: 'Editor', teams: [200] };
export const admin2: TestUser = { orgId: 2, userId: 1, login: 'admin2', orgRole: 'Admin', teams: [] };

/** Grafana's teams for org 1, projects X and Y registered on first sight, and xAdmin made admin of X. */
export async function seedProjects(t: TestSidecar): Promise<{ X: string; Y: string }> {
  t.grafana.teams.set(1, [
    {
      id: 100,
      name: 'Team 100',
      members: [
        { userId: alice.userId, login: 'alice', permission: 0 },
        { userId: victor.userId, login: 'victor', permission: 0 },
      ],
    },
    { id: 200, name: 'Team 200', members: [{ userId: bob.userId, login: 'bob', permission: 0 }] },
  ]);
  const X = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items[0]!.id;
  const Y = (await t.call(bob, '/api/v1/projects')).json<ProjectList>().items[0]!.id;
  const member = await t.call(admin1, `/api/v1/projects/${X}/members/${xAdmin.userId}`, {
    method: 'PUT',
    body: { role: 'admin', login: 'xadmin' },
  });
  if (member.statusCode !== 200) {
    throw new Error(`could not make xadmin admin of X: ${member.statusCode} ${member.payload}`);
  }
  return { X, Y };
}
