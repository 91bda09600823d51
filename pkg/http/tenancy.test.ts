import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration, Project, ProjectList } from '../contract/index.ts';
import type { TestUser } from '../testing/grafana-identity.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { ORG_SECRETS, createTestSidecar, type CallOptions, type TestSidecar } from '../testing/test-sidecar.ts';

// Org 1: projects X (team 100) and Y (team 200).
const admin1: TestUser = { orgId: 1, userId: 1, login: 'admin1', orgRole: 'Admin', teams: [] };
const xAdmin: TestUser = { orgId: 1, userId: 5, login: 'xadmin', orgRole: 'Editor', teams: [] }; // admin of X (override)
const alice: TestUser = { orgId: 1, userId: 10, login: 'alice', orgRole: 'Editor', teams: [100] }; // engineer of X
const victor: TestUser = { orgId: 1, userId: 11, login: 'victor', orgRole: 'Viewer', teams: [100] }; // viewer of X
const bob: TestUser = { orgId: 1, userId: 12, login: 'bob', orgRole: 'Editor', teams: [200] }; // admin of Y (override)
// Org 2: project Z is team 100 too, and its users have the same user ids as org 1's, on purpose.
const admin2: TestUser = { orgId: 2, userId: 1, login: 'admin2', orgRole: 'Admin', teams: [] };
const zAdmin: TestUser = { orgId: 2, userId: 5, login: 'zadmin', orgRole: 'Editor', teams: [] }; // admin of Z (override)
const carol: TestUser = { orgId: 2, userId: 10, login: 'carol', orgRole: 'Editor', teams: [100] }; // engineer of Z

/** Secret values stored in the integrations; no response may ever contain one. */
const SECRETS = {
  x: `x-password-${randomUUID()}`,
  y: `y-password-${randomUUID()}`,
  z: `z-password-${randomUUID()}`,
  org1: `org1-bearer-${randomUUID()}`,
  org2: `org2-bearer-${randomUUID()}`,
  attacker: `attacker-password-${randomUUID()}`,
};

/** One project of one org, with data in it: what an attacker goes after. */
interface Tenant {
  orgId: number;
  project: string;
  teamId: number;
  /** A project integration with a secret. */
  integration: string;
  /** The org-level integration of the project's org, with a secret. */
  orgIntegration: string;
  /** A user id with a role override in the project. */
  member: number;
  /** Reads the project's snapshot. */
  admin: TestUser;
  orgAdmin: TestUser;
}

interface Attacker {
  user: TestUser;
  /** A project where the attacker has a role (sent as X-Project-Id next to the victim's ids in the path). */
  ownProject: string;
}

interface Attempt {
  label: string;
  url: string;
  projectId?: string;
  body?: unknown;
  /** `denied`: must be refused with one of `statuses`; `own`: succeeds, but only with the caller's own data. */
  expect: 'denied' | 'own';
  statuses: number[];
  /** Compare with the same request on ids that do not exist: a refusal must not reveal that the victim exists. */
  ghost: boolean;
}

interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As registered in fastify. */
  path: string;
  /** Changes data when it succeeds. */
  write: boolean;
  attempts: (victim: Tenant, attacker: Attacker) => Attempt[];
}

const denied = (label: string, url: string, more: Partial<Attempt> = {}): Attempt => ({
  label,
  url,
  expect: 'denied',
  statuses: [403, 404],
  ghost: true,
  ...more,
});
const own = (label: string, url: string, more: Partial<Attempt> = {}): Attempt => ({
  label,
  url,
  expect: 'own',
  statuses: [200],
  ghost: false,
  ...more,
});
/** `scope=org` reads: an org Admin gets their own org's data, anyone else 403. */
const orgRead = (a: Attacker, label: string, url: string): Attempt =>
  a.user.orgRole === 'Admin' ? own(label, url) : denied(label, url, { statuses: [403] });

const evilIntegration = { type: 'prometheus', name: 'evil', config: { mode: 'direct', url: 'https://evil.example' } };
const evilPatch = { name: 'pwned', config: { url: 'https://evil.example' }, secrets: { password: SECRETS.attacker } };

/** Every route of the app, and how an attacker tries to reach the victim's data through it. */
const ROUTES: RouteCase[] = [
  { method: 'GET', path: '/health', write: false, attempts: () => [own('carries no tenant data', '/health')] },
  {
    method: 'GET',
    path: '/api/v1/projects',
    write: false,
    attempts: (v) => [own('list, naming the victim in X-Project-Id', '/api/v1/projects', { projectId: v.project })],
  },
  {
    method: 'GET',
    path: '/api/v1/whoami',
    write: false,
    attempts: (v) => [own('who am I, naming the victim in X-Project-Id', '/api/v1/whoami', { projectId: v.project })],
  },
  {
    method: 'POST',
    path: '/api/v1/projects',
    write: true,
    attempts: (v) => [
      // in the attacker's own org: refused (not a team admin) or taken (team 100 is a project there too)
      denied('register the victim team id', '/api/v1/projects', {
        body: { teamId: v.teamId },
        statuses: [403, 409],
        ghost: false,
      }),
      denied('register it, naming the victim project', '/api/v1/projects', {
        body: { teamId: v.teamId },
        projectId: v.project,
        statuses: [403, 409],
        ghost: false,
      }),
      denied('smuggle the victim org into the body', '/api/v1/projects', {
        body: { teamId: v.teamId, orgId: v.orgId },
        statuses: [400],
        ghost: false,
      }),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/projects/:id',
    write: false,
    attempts: (v, a) => [
      denied('read the project', `/api/v1/projects/${v.project}`),
      denied('read it with an own project header', `/api/v1/projects/${v.project}`, { projectId: a.ownProject }),
    ],
  },
  {
    method: 'PATCH',
    path: '/api/v1/projects/:id',
    write: true,
    attempts: (v, a) => [
      denied('rename the project', `/api/v1/projects/${v.project}`, { body: { name: 'pwned' } }),
      denied('deactivate the project', `/api/v1/projects/${v.project}`, {
        body: { isActive: false },
        projectId: v.project,
      }),
      denied('rename it with an own project header', `/api/v1/projects/${v.project}`, {
        body: { description: 'pwned' },
        projectId: a.ownProject,
      }),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/projects/:id/members',
    write: false,
    attempts: (v, a) => [
      denied('list the members', `/api/v1/projects/${v.project}/members`),
      denied('list them with an own project header', `/api/v1/projects/${v.project}/members`, {
        projectId: a.ownProject,
      }),
    ],
  },
  {
    method: 'PUT',
    path: '/api/v1/projects/:id/members/:userId',
    write: true,
    attempts: (v, a) => [
      denied('make oneself owner', `/api/v1/projects/${v.project}/members/${a.user.userId}`, {
        body: { role: 'owner', login: a.user.login },
      }),
      denied('make oneself admin', `/api/v1/projects/${v.project}/members/${a.user.userId}`, {
        body: { role: 'admin' },
        projectId: v.project,
      }),
      denied('demote a member', `/api/v1/projects/${v.project}/members/${v.member}`, { body: { role: 'viewer' } }),
    ],
  },
  {
    method: 'DELETE',
    path: '/api/v1/projects/:id/members/:userId',
    write: true,
    attempts: (v, a) => [
      denied('remove a member', `/api/v1/projects/${v.project}/members/${v.member}`),
      denied('remove one with an own project header', `/api/v1/projects/${v.project}/members/${v.member}`, {
        projectId: a.ownProject,
      }),
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/switch-project',
    write: false,
    attempts: (v, a) => [
      denied('switch into the project', '/api/v1/auth/switch-project', { body: { projectId: v.project } }),
      denied('switch, naming it in the header too', '/api/v1/auth/switch-project', {
        body: { projectId: v.project },
        projectId: v.project,
      }),
      denied('switch from an own project', '/api/v1/auth/switch-project', {
        body: { projectId: v.project },
        projectId: a.ownProject,
      }),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/integrations',
    write: false,
    attempts: (v, a) => [
      denied('list the project integrations', '/api/v1/integrations', { projectId: v.project }),
      denied('list them with scope=project', '/api/v1/integrations?scope=project', { projectId: v.project }),
      own('list an own project', '/api/v1/integrations', { projectId: a.ownProject }),
      orgRead(a, 'list the org integrations', '/api/v1/integrations?scope=org'),
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/integrations',
    write: true,
    attempts: (v) => [
      denied('create an integration in the project', '/api/v1/integrations', {
        body: evilIntegration,
        projectId: v.project,
      }),
      denied('create one with scope=project', '/api/v1/integrations', {
        body: { ...evilIntegration, scope: 'project', secrets: { password: SECRETS.attacker } },
        projectId: v.project,
      }),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/integrations/:id',
    write: false,
    attempts: (v, a) => [
      denied('read a project integration', `/api/v1/integrations/${v.integration}`, { projectId: v.project }),
      denied('read it through an own project', `/api/v1/integrations/${v.integration}`, { projectId: a.ownProject }),
      denied('read it with scope=org', `/api/v1/integrations/${v.integration}?scope=org`),
      denied('read the org integration with scope=org', `/api/v1/integrations/${v.orgIntegration}?scope=org`),
      denied('read the org integration through the project', `/api/v1/integrations/${v.orgIntegration}`, {
        projectId: v.project,
      }),
    ],
  },
  {
    method: 'PATCH',
    path: '/api/v1/integrations/:id',
    write: true,
    attempts: (v, a) => [
      denied('change a project integration', `/api/v1/integrations/${v.integration}`, {
        body: evilPatch,
        projectId: v.project,
      }),
      denied('change it through an own project', `/api/v1/integrations/${v.integration}`, {
        body: evilPatch,
        projectId: a.ownProject,
      }),
      denied('change it with scope=org', `/api/v1/integrations/${v.integration}?scope=org`, { body: evilPatch }),
      denied('change the org integration', `/api/v1/integrations/${v.orgIntegration}?scope=org`, { body: evilPatch }),
      denied('change the org integration through an own project', `/api/v1/integrations/${v.orgIntegration}`, {
        body: evilPatch,
        projectId: a.ownProject,
      }),
    ],
  },
  {
    method: 'DELETE',
    path: '/api/v1/integrations/:id',
    write: true,
    attempts: (v, a) => [
      denied('delete a project integration', `/api/v1/integrations/${v.integration}`, { projectId: v.project }),
      denied('delete it through an own project', `/api/v1/integrations/${v.integration}`, { projectId: a.ownProject }),
      denied('delete it with scope=org', `/api/v1/integrations/${v.integration}?scope=org`),
      denied('delete the org integration', `/api/v1/integrations/${v.orgIntegration}?scope=org`),
      denied('delete the org integration through an own project', `/api/v1/integrations/${v.orgIntegration}`, {
        projectId: a.ownProject,
      }),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/audit',
    write: false,
    attempts: (v, a) => [
      denied('read the project audit log', '/api/v1/audit', { projectId: v.project }),
      denied('read its integration entries', `/api/v1/audit?resourceType=integration&resourceId=${v.integration}`, {
        projectId: v.project,
      }),
      own('filter an own audit log by the victim project', `/api/v1/audit?resourceId=${v.project}`, {
        projectId: a.ownProject,
      }),
      orgRead(a, 'read the org audit log', '/api/v1/audit?scope=org&limit=200'),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/audit/verify',
    write: false,
    attempts: (v, a) => [
      denied('verify the project chain', '/api/v1/audit/verify', { projectId: v.project }),
      orgRead(a, 'verify the org chain', '/api/v1/audit/verify?scope=org'),
    ],
  },
];

/** The same tenant with ids that exist nowhere. */
const ghostOf = (v: Tenant): Tenant => ({
  ...v,
  project: randomUUID(),
  integration: randomUUID(),
  orgIntegration: randomUUID(),
  member: 987_654,
});

const ERROR_CODE_OF: Record<number, string> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
};

/** `METHOD path` of every route the app has, parsed from `printRoutes({ commonPrefix: false })`. */
function registeredRoutes(app: FastifyInstance): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    if (!line.trim()) {
      continue;
    }
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) {
      throw new Error(`cannot parse printRoutes line: ${JSON.stringify(line)}`);
    }
    const depth = m[1]!.length / 4;
    const path = (depth > 0 ? stack[depth - 1]! : '') + m[2]!;
    stack.length = depth;
    stack.push(path);
    for (const method of m[3]?.split(', ') ?? []) {
      routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}

describe.each(TEST_DIALECTS)('tenant isolation on %s', (dialect) => {
  let t: TestSidecar;
  let X: Tenant;
  let Y: Tenant;
  let Z: Tenant;
  /** Every response body of this file; none may hold a secret value. */
  const bodies: string[] = [];

  async function call(user: TestUser, url: string, options: CallOptions = {}) {
    const res = await t.call(user, url, options);
    bodies.push(res.payload);
    return res;
  }

  async function ok<T>(res: Promise<LightMyRequestResponse>, status = 200): Promise<T> {
    const r = await res;
    expect(r.statusCode, r.payload).toBe(status);
    return r.json<T>();
  }

  async function projectOf(user: TestUser, teamId: number): Promise<Project> {
    const list = await ok<ProjectList>(call(user, '/api/v1/projects'));
    const project = list.items.find((p) => p.teamId === teamId);
    expect(project, `team ${teamId} is a project of ${user.login}`).toBeDefined();
    return project!;
  }

  async function createIntegration(user: TestUser, projectId: string | undefined, body: unknown): Promise<string> {
    return (await ok<Integration>(call(user, '/api/v1/integrations', { method: 'POST', body, projectId }), 201)).id;
  }

  /** The victim's data as its admins see it through the API, and every row of the database. */
  async function snapshot(v: Tenant) {
    const read = (user: TestUser, url: string, projectId?: string) => ok<unknown>(call(user, url, { projectId }));
    const api = {
      project: await read(v.admin, `/api/v1/projects/${v.project}`),
      members: await read(v.admin, `/api/v1/projects/${v.project}/members`),
      integrations: await read(v.admin, '/api/v1/integrations', v.project),
      integration: await read(v.admin, `/api/v1/integrations/${v.integration}`, v.project),
      audit: await read(v.admin, '/api/v1/audit?limit=200', v.project),
      verify: await read(v.admin, '/api/v1/audit/verify', v.project),
      orgIntegrations: await read(v.orgAdmin, '/api/v1/integrations?scope=org'),
      orgAudit: await read(v.orgAdmin, '/api/v1/audit?scope=org&limit=200'),
      orgVerify: await read(v.orgAdmin, '/api/v1/audit/verify?scope=org'),
    };
    const database = await t.sidecar.db.withOwner(async (tx) => {
      const rows: Record<string, string[]> = {};
      for (const table of ['organizations', 'projects', 'project_members', 'integrations', 'audit_logs']) {
        rows[table] = (
          await tx.query<{ r: string }>(`SELECT row_to_json(x)::text AS r FROM ${table} x ORDER BY 1`)
        ).rows.map((r) => r.r);
      }
      return rows;
    });
    return { api, database };
  }

  /** Markers of the victim's data that must not show up in anything the attacker gets. */
  function markersOf(v: Tenant, a: Attacker): string[] {
    const markers = [v.project, v.integration, ...Object.values(SECRETS)];
    // org-level integrations are visible to every project of their own org, by design
    return a.user.orgId === v.orgId ? markers : [...markers, v.orgIntegration];
  }

  interface Outcome {
    route: RouteCase;
    attempt: Attempt;
    method: string;
    status: number;
  }

  /** Runs every attempt of every route (GET routes also as HEAD) and returns the outcomes and what went wrong. */
  async function attack(attacker: Attacker, victim: Tenant, only?: (route: RouteCase) => boolean) {
    const ghost = ghostOf(victim);
    const markers = markersOf(victim, attacker);
    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    for (const route of ROUTES.filter((r) => !only || only(r))) {
      const attempts = route.attempts(victim, attacker);
      const ghostAttempts = route.attempts(ghost, attacker);
      expect(ghostAttempts.length).toBe(attempts.length);
      for (const [i, attempt] of attempts.entries()) {
        for (const method of route.method === 'GET' ? (['GET', 'HEAD'] as const) : [route.method]) {
          const what = `${attacker.user.login}@org${attacker.user.orgId} ${method} ${route.path} — ${attempt.label}`;
          const send = (a: Attempt) =>
            call(attacker.user, a.url, {
              method: method as InjectOptions['method'],
              body: a.body,
              projectId: a.projectId,
            });
          const res = await send(attempt);
          outcomes.push({ route, attempt, method, status: res.statusCode });
          const leaked = markers.filter((m) => res.payload.includes(m));
          if (leaked.length > 0) {
            failures.push(`${what}: the response holds victim data ${leaked.join(', ')}`);
          }
          if (attempt.expect === 'own') {
            if (res.statusCode < 200 || res.statusCode > 299) {
              failures.push(`${what}: expected the caller's own data, got ${res.statusCode} ${res.payload}`);
            }
            continue;
          }
          if (!attempt.statuses.includes(res.statusCode)) {
            failures.push(`${what}: expected ${attempt.statuses.join(' or ')}, got ${res.statusCode} ${res.payload}`);
            continue;
          }
          if (method === 'HEAD') {
            continue;
          }
          const error = res.json<{ error: { code: string; message: string } }>().error;
          if (error?.code !== ERROR_CODE_OF[res.statusCode]) {
            failures.push(`${what}: error code ${error?.code} for ${res.statusCode}`);
          }
          if (attempt.ghost) {
            const other = await send(ghostAttempts[i]!);
            const otherError = other.json<{ error?: { code: string; message: string } }>().error;
            if (other.statusCode !== res.statusCode || otherError?.message !== error.message) {
              failures.push(
                `${what}: distinguishable from a nonexistent id (${res.statusCode} "${error.message}" vs ${other.statusCode} "${otherError?.message}")`
              );
            }
          }
        }
      }
    }
    return { outcomes, failures };
  }

  beforeAll(async () => {
    t = await createTestSidecar(dialect, {
      RATE_LIMIT_USER_PER_MINUTE: '100000',
      RATE_LIMIT_PROJECT_PER_MINUTE: '100000',
    });

    // org 1: X and Y are registered by their team members
    const x = await projectOf(alice, 100);
    const y = await projectOf(bob, 200);
    await ok(
      call(admin1, `/api/v1/projects/${x.id}/members/${xAdmin.userId}`, {
        method: 'PUT',
        body: { role: 'admin', login: 'xadmin' },
      })
    );
    await ok(
      call(admin1, `/api/v1/projects/${x.id}/members/30`, { method: 'PUT', body: { role: 'engineer', login: 'dave' } })
    );
    await ok(
      call(admin1, `/api/v1/projects/${y.id}/members/${bob.userId}`, {
        method: 'PUT',
        body: { role: 'admin', login: 'bob' },
      })
    );
    await ok(call(xAdmin, `/api/v1/projects/${x.id}`, { method: 'PATCH', body: { description: 'the X project' } }));
    const xIntegration = await createIntegration(xAdmin, x.id, {
      type: 'prometheus',
      name: 'prom-x',
      config: { mode: 'direct', url: 'https://prom-x.example' },
      secrets: { password: SECRETS.x },
    });
    const yIntegration = await createIntegration(bob, y.id, {
      type: 'prometheus',
      name: 'prom-y',
      secrets: { password: SECRETS.y },
    });
    const org1Integration = await createIntegration(admin1, undefined, {
      type: 'alertmanager',
      scope: 'org',
      name: 'am-org-1',
      config: { url: 'https://am-1.example' },
      secrets: { bearerToken: SECRETS.org1 },
    });

    // org 2: Z is team 100 as well
    const z = await projectOf(carol, 100);
    expect(z.id).not.toBe(x.id);
    expect([x.orgId, z.orgId]).toEqual([1, 2]);
    await ok(
      call(admin2, `/api/v1/projects/${z.id}/members/${zAdmin.userId}`, {
        method: 'PUT',
        body: { role: 'admin', login: 'zadmin' },
      })
    );
    await ok(
      call(admin2, `/api/v1/projects/${z.id}/members/30`, { method: 'PUT', body: { role: 'engineer', login: 'erin' } })
    );
    const zIntegration = await createIntegration(zAdmin, z.id, {
      type: 'prometheus',
      name: 'prom-z',
      secrets: { password: SECRETS.z },
    });
    const org2Integration = await createIntegration(admin2, undefined, {
      type: 'alertmanager',
      scope: 'org',
      name: 'am-org-2',
      secrets: { bearerToken: SECRETS.org2 },
    });

    X = {
      orgId: 1,
      project: x.id,
      teamId: 100,
      integration: xIntegration,
      orgIntegration: org1Integration,
      member: 30,
      admin: xAdmin,
      orgAdmin: admin1,
    };
    Y = {
      orgId: 1,
      project: y.id,
      teamId: 200,
      integration: yIntegration,
      orgIntegration: org1Integration,
      member: bob.userId,
      admin: bob,
      orgAdmin: admin1,
    };
    Z = {
      orgId: 2,
      project: z.id,
      teamId: 100,
      integration: zIntegration,
      orgIntegration: org2Integration,
      member: 30,
      admin: zAdmin,
      orgAdmin: admin2,
    };
  });

  afterAll(async () => {
    await t?.close();
  });

  it('the route table covers every route the app has', async () => {
    const registered = registeredRoutes(t.sidecar.app);
    for (const route of registered) {
      const [method, url] = route.split(' ') as [InjectOptions['method'], string];
      expect(t.sidecar.app.hasRoute({ method: method!, url }), route).toBe(true);
    }
    const covered = ROUTES.flatMap((r) =>
      r.method === 'GET' ? [`GET ${r.path}`, `HEAD ${r.path}`] : [`${r.method} ${r.path}`]
    );
    expect(new Set(covered).size).toBe(covered.length);
    // A route added to the app without a row here fails this test: add the row and its attempts.
    expect(registered).toEqual(covered.sort());
    for (const route of ROUTES) {
      expect(
        route.attempts(X, { user: bob, ownProject: Y.project }).length,
        `${route.method} ${route.path}`
      ).toBeGreaterThan(0);
    }
  });

  it('the victims have data worth stealing', async () => {
    for (const v of [X, Y, Z]) {
      const { api } = await snapshot(v);
      expect((api.members as { items: Array<{ userId: number }> }).items.map((m) => m.userId)).toContain(v.member);
      const integrations = (api.integrations as { items: Integration[] }).items;
      expect(integrations.map((i) => i.id).sort()).toEqual([v.integration, v.orgIntegration].sort());
      expect(integrations.every((i) => i.secretFields.length === 1)).toBe(true);
      expect((api.audit as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(3);
      expect(api.verify).toMatchObject({ ok: true });
      expect((api.orgAudit as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(1);
    }
  });

  it.each([
    ['an org 2 Admin', () => ({ user: admin2, ownProject: Z.project })],
    ['an org 2 member of team 100', () => ({ user: carol, ownProject: Z.project })],
    ['an org 2 admin of project Z', () => ({ user: zAdmin, ownProject: Z.project })],
    ['the admin of project Y in org 1', () => ({ user: bob, ownProject: Y.project })],
  ])('%s can neither read nor change anything of project X', async (_name, attackerOf) => {
    const before = await snapshot(X);
    const { outcomes, failures } = await attack(attackerOf(), X);
    expect(failures).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(40);
    expect(await snapshot(X)).toEqual(before);
  });

  it('an org 1 Admin cannot act in org 2: org 2’s ids with an org 1 token are not found', async () => {
    const before = await snapshot(Z);
    const { outcomes, failures } = await attack({ user: admin1, ownProject: X.project }, Z);
    expect(failures).toEqual([]);
    // an org Admin is owner of every project in their org, so only "not found" is left, never "forbidden"
    const refusals = outcomes.filter((o) => o.attempt.expect === 'denied' && !o.attempt.statuses.includes(400));
    expect(refusals.length).toBeGreaterThan(25);
    for (const o of refusals) {
      const expected = o.route.path === '/api/v1/projects' ? 409 : 404; // team 100 is a project in org 1 too
      expect(o.status, `${o.method} ${o.route.path} — ${o.attempt.label}`).toBe(expected);
    }
    expect(await snapshot(Z)).toEqual(before);
  });

  it('refuses a token of one org with the secret or the context of another (401), on every route', async () => {
    const before = await snapshot(X);
    const failures: string[] = [];
    let checked = 0;
    const ctxOrg1 = t.grafana.context(admin1); // same user id as admin2, but org 1
    const variants: Array<[string, TestUser, Tenant, CallOptions]> = [
      ['org 1 token + org 2 secret', admin1, X, { secret: ORG_SECRETS[2] }],
      ['org 2 token + org 1 secret', admin2, X, { secret: ORG_SECRETS[1] }],
      ['org 2 token + org 1 secret + org 1 context', admin2, X, { secret: ORG_SECRETS[1], context: ctxOrg1 }],
      ['org 2 token + org 2 secret + org 1 context', admin2, X, { context: ctxOrg1 }],
      ['org 1 token + org 1 context + no secret', admin1, X, { secret: null }],
    ];
    for (const [name, user, victim, extra] of variants) {
      for (const route of ROUTES.filter((r) => r.path.startsWith('/api/v1/'))) {
        for (const attempt of route.attempts(victim, { user, ownProject: X.project })) {
          const res = await call(user, attempt.url, {
            method: route.method,
            body: attempt.body,
            projectId: attempt.projectId,
            ...extra,
          });
          checked += 1;
          if (res.statusCode !== 401 || res.json().error?.code !== 'unauthorized') {
            failures.push(
              `${name}: ${route.method} ${attempt.url} (${attempt.label}) → ${res.statusCode} ${res.payload}`
            );
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(150);
    expect(await snapshot(X)).toEqual(before);
  });

  it.each([
    ['a viewer', victor],
    ['an engineer', alice],
  ])('%s of X cannot do any write on X (403)', async (_role, user) => {
    // they can read X: every refusal below is about the role, not about visibility
    expect((await call(user, `/api/v1/projects/${X.project}`)).statusCode).toBe(200);
    const before = await snapshot(X);
    const failures: string[] = [];
    let checked = 0;
    for (const route of ROUTES.filter((r) => r.write)) {
      for (const attempt of route.attempts(X, { user, ownProject: X.project })) {
        const expected = attempt.statuses.includes(403) ? [403] : attempt.statuses;
        const res = await call(user, attempt.url, {
          method: route.method,
          body: attempt.body,
          projectId: attempt.projectId,
        });
        checked += 1;
        if (!expected.includes(res.statusCode)) {
          failures.push(
            `${route.method} ${attempt.url} (${attempt.label}): expected ${expected.join('/')}, got ${res.statusCode} ${res.payload}`
          );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(15);
    expect(await snapshot(X)).toEqual(before);
  });

  it('no response of this file ever held a secret value', () => {
    expect(bodies.length).toBeGreaterThan(500);
    for (const secret of Object.values(SECRETS)) {
      expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
    }
  });
});

describe.each(TEST_DIALECTS)('per-project rate limits on %s', (dialect) => {
  let t: TestSidecar;
  let x: string;
  beforeAll(async () => {
    t = await createTestSidecar(dialect, { RATE_LIMIT_PROJECT_PER_MINUTE: '3', RATE_LIMIT_USER_PER_MINUTE: '1000' });
    const list = (await t.call(alice, '/api/v1/projects')).json<ProjectList>();
    x = list.items[0]!.id;
    await t.call(bob, '/api/v1/projects');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('another org naming project X does not use up X’s request budget', async () => {
    for (let i = 0; i < 5; i++) {
      // org 2 has no project X: refused, whichever limit answers (org 2's own count for the id)
      expect([404, 429]).toContain((await t.call(admin2, '/api/v1/integrations', { projectId: x })).statusCode);
    }
    expect((await t.call(alice, '/api/v1/integrations', { projectId: x })).statusCode).toBe(200);
  });

  it('a user outside project X does not use up X’s request budget', async () => {
    for (let i = 0; i < 5; i++) {
      // bob cannot see X: refused, whichever limit answers
      expect([404, 429]).toContain((await t.call(bob, '/api/v1/integrations', { projectId: x })).statusCode);
    }
    // X's budget is charged only after access to X is established.
    const res = await t.call(alice, '/api/v1/integrations', { projectId: x });
    expect(res.statusCode, res.payload).toBe(200);
  });
});
