import type { TestUser } from './grafana-identity.ts';

/**
 * The Grafana users most tests act as, in org 1. Teams are projects: team 100 is the project most tests work in,
 * with alice as its engineer (Editor) and victor as its viewer; bob is an Editor of another team (200), so he sees
 * none of team 100's project. A test that needs a user with other attributes defines its own.
 */
export const admin: TestUser = { orgId: 1, userId: 1, login: 'admin', orgRole: 'Admin', teams: [] };
export const alice: TestUser = { orgId: 1, userId: 10, login: 'alice', orgRole: 'Editor', teams: [100] };
export const victor: TestUser = { orgId: 1, userId: 11, login: 'victor', orgRole: 'Viewer', teams: [100] };
export const bob: TestUser = { orgId: 1, userId: 12, login: 'bob', orgRole: 'Editor', teams: [200] };
