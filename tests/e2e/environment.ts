/**
 * The users, teams and orgs that the project and audit specs need in the real Grafana, created through Grafana's
 * HTTP API as the server admin (basic auth, admin:admin, as the docker-compose Grafana allows). Every step first
 * looks for what it would create, so the setup can run again against the same Grafana.
 *
 * What the specs expect of the environment (`npm run server`, i.e. docker-compose.yaml with provisioning/):
 * - Grafana with the built plugin (dist/), the `idForwarding` feature toggle on (Grafana signs X-Grafana-Id for
 *   every proxied request, which the sidecar verifies), basic auth enabled and the admin:admin server admin.
 * - The sidecar running next to it, reachable from Grafana at E2E_SIDECAR_URL (default http://sidecar:8787, the
 *   compose service) and holding org 1's secret, SIDECAR_SECRET (default: docker-compose.yaml's default). Its
 *   ORG_SECRETS has no entry for the second org created here.
 * - The sidecar reads team names and team admins from Grafana's teams API with a service-account token; the setup
 *   creates that service account and registers its token with the sidecar (org 1's `grafana` integration).
 *
 * Who is who (org 1 unless said otherwise):
 * - Checkout (project X): e2e-bob is its team Admin (project admin), e2e-frank a member with org Editor (engineer).
 * - Payments (project Y): e2e-carol is its team Admin with org Viewer (project admin, in Payments only),
 *   e2e-frank a member (engineer), e2e-grace a member with org Viewer (viewer).
 * - e2e-erin is an Editor of the second org only.
 */
import type { APIRequestContext, APIResponse } from '@playwright/test';
import type { Project, ProjectList } from '../../src/api/types';
import pluginJson from '../../src/plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const SIDECAR_API = `/api/plugin-proxy/${PLUGIN_ID}/api/v1`;

const SIDECAR_URL = process.env.E2E_SIDECAR_URL ?? 'http://sidecar:8787';
const SIDECAR_SECRET = process.env.SIDECAR_SECRET ?? 'change-me-0123456789abcdef';
const ADMIN = {
  login: process.env.GRAFANA_ADMIN_USER ?? 'admin',
  password: process.env.GRAFANA_ADMIN_PASSWORD ?? 'admin',
};

/** The password of every user the setup creates. */
export const PASSWORD = 'e2e-password-0123456789';

type OrgRole = 'Admin' | 'Editor' | 'Viewer';

export interface E2EUser {
  login: string;
  name: string;
}

export const USERS = {
  frank: { login: 'e2e-frank', name: 'Frank Engineer' },
  bob: { login: 'e2e-bob', name: 'Bob Checkout Admin' },
  carol: { login: 'e2e-carol', name: 'Carol Payments Admin' },
  grace: { login: 'e2e-grace', name: 'Grace Viewer' },
  erin: { login: 'e2e-erin', name: 'Erin Second Org' },
} satisfies Record<string, E2EUser>;

export const SECOND_ORG_NAME = 'SRE Copilot e2e second org';

export interface Environment {
  /** Checkout. */
  X: Project;
  /** Payments. */
  Y: Project;
  secondOrgId: number;
}

const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

/** Headers that act as `user` (or the server admin) in `orgId`. */
export function authAs(user: E2EUser | 'admin', orgId?: number): Record<string, string> {
  const headers: Record<string, string> = {
    Authorization: user === 'admin' ? basic(ADMIN.login, ADMIN.password) : basic(user.login, PASSWORD),
  };
  if (orgId !== undefined) {
    headers['X-Grafana-Org-Id'] = String(orgId);
  }
  return headers;
}

async function json<T>(response: APIResponse, what: string): Promise<T> {
  if (!response.ok()) {
    throw new Error(`${what}: ${response.status()} ${await response.text()}`);
  }
  return (await response.json()) as T;
}

/** Grafana's HTTP API as the server admin, in one org. */
class GrafanaAdmin {
  constructor(
    private readonly request: APIRequestContext,
    private readonly orgId = 1
  ) {}

  inOrg(orgId: number): GrafanaAdmin {
    return new GrafanaAdmin(this.request, orgId);
  }

  private headers() {
    return authAs('admin', this.orgId);
  }

  async get(path: string): Promise<APIResponse> {
    return this.request.get(path, { headers: this.headers() });
  }

  async send<T>(method: 'POST' | 'PUT' | 'PATCH', path: string, data: unknown): Promise<T> {
    return json<T>(await this.request.fetch(path, { method, headers: this.headers(), data }), `${method} ${path}`);
  }

  async ensureOrg(name: string): Promise<number> {
    const found = await this.get(`/api/orgs/name/${encodeURIComponent(name)}`);
    if (found.ok()) {
      return ((await found.json()) as { id: number }).id;
    }
    return (await this.send<{ orgId: number }>('POST', '/api/orgs', { name })).orgId;
  }

  /** The user, created in `orgId` (and only there) if missing, with `role` in that org. */
  async ensureUser(user: E2EUser, orgId: number, role: OrgRole): Promise<number> {
    const found = await this.get(`/api/users/lookup?loginOrEmail=${encodeURIComponent(user.login)}`);
    const id = found.ok()
      ? ((await found.json()) as { id: number }).id
      : (
          await this.send<{ id: number }>('POST', '/api/admin/users', {
            login: user.login,
            name: user.name,
            email: `${user.login}@example.com`,
            password: PASSWORD,
            OrgId: orgId,
          })
        ).id;
    await this.send('PATCH', `/api/orgs/${orgId}/users/${id}`, { role });
    return id;
  }

  /** The team (in this admin's org), with these members; `admins` get Grafana's team Admin permission (4). */
  async ensureTeam(name: string, members: number[], admins: number[]): Promise<number> {
    const search = await json<{ teams: Array<{ id: number; name: string }> }>(
      await this.get(`/api/teams/search?name=${encodeURIComponent(name)}`),
      `searching team ${name}`
    );
    const teamId =
      search.teams.find((t) => t.name === name)?.id ??
      (await this.send<{ teamId: number }>('POST', '/api/teams', { name })).teamId;
    const current = await json<Array<{ userId: number; permission: number }>>(
      await this.get(`/api/teams/${teamId}/members`),
      `members of ${name}`
    );
    for (const userId of [...members, ...admins]) {
      if (!current.some((m) => m.userId === userId)) {
        await this.send('POST', `/api/teams/${teamId}/members`, { userId });
      }
    }
    for (const userId of admins) {
      if (!current.some((m) => m.userId === userId && m.permission === 4)) {
        await this.send('PUT', `/api/teams/${teamId}/members/${userId}`, { permission: 4 });
      }
    }
    return teamId;
  }

  /** The app's settings in this org: the sidecar's URL and the secret the proxy sends to it. */
  async configureApp(secret: string): Promise<void> {
    await this.send('POST', `/api/plugins/${PLUGIN_ID}/settings`, {
      enabled: true,
      pinned: true,
      jsonData: { sidecarUrl: SIDECAR_URL },
      secureJsonData: { sidecarSecret: secret },
    });
  }

  /**
   * Registers a service-account token of this org with the sidecar (its org-level `grafana` integration, through
   * the plugin proxy as the org Admin), so that the sidecar reads team names and team admins. Once per org.
   */
  async connectTeamsApi(): Promise<void> {
    const existing = await json<{ items: Array<{ type: string }> }>(
      await this.get(`${SIDECAR_API}/integrations?scope=org`),
      "the sidecar's org integrations"
    );
    if (existing.items.some((i) => i.type === 'grafana')) {
      return;
    }
    const name = 'sre-copilot-e2e';
    const search = await json<{ serviceAccounts: Array<{ id: number; name: string }> }>(
      await this.get(`/api/serviceaccounts/search?query=${name}`),
      'searching service accounts'
    );
    const accountId =
      search.serviceAccounts.find((sa) => sa.name === name)?.id ??
      (await this.send<{ id: number }>('POST', '/api/serviceaccounts', { name, role: 'Admin' })).id;
    const { key } = await this.send<{ key: string }>('POST', `/api/serviceaccounts/${accountId}/tokens`, {
      name: `${name}-${Date.now()}`,
    });
    await this.send('POST', `${SIDECAR_API}/integrations`, {
      type: 'grafana',
      scope: 'org',
      name: 'grafana',
      secrets: { token: key },
    });
  }
}

/** A call to the sidecar through the plugin proxy as `user` (basic auth), for the current project if given. */
export async function callSidecar(
  request: APIRequestContext,
  user: E2EUser,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: { project?: Project; data?: unknown; orgId?: number } = {}
): Promise<APIResponse> {
  return request.fetch(`${SIDECAR_API}${path}`, {
    method,
    headers: { ...authAs(user, options.orgId), ...(options.project ? { 'X-Project-Id': options.project.id } : {}) },
    data: options.data,
  });
}

let environment: Promise<Environment> | undefined;

/** Sets up (once per worker) and returns the environment; the app settings of org 1 are written every time. */
export async function ensureEnvironment(request: APIRequestContext): Promise<Environment> {
  const admin = new GrafanaAdmin(request);
  // Other specs change org 1's settings on the config page: put back the ones these specs need.
  await admin.configureApp(SIDECAR_SECRET);
  environment ??= setUp(request, admin).catch((error) => {
    environment = undefined;
    throw error;
  });
  return environment;
}

async function setUp(request: APIRequestContext, admin: GrafanaAdmin): Promise<Environment> {
  const secondOrgId = await admin.ensureOrg(SECOND_ORG_NAME);
  const ids = {
    frank: await admin.ensureUser(USERS.frank, 1, 'Editor'),
    bob: await admin.ensureUser(USERS.bob, 1, 'Editor'),
    carol: await admin.ensureUser(USERS.carol, 1, 'Viewer'),
    grace: await admin.ensureUser(USERS.grace, 1, 'Viewer'),
    erin: await admin.ensureUser(USERS.erin, secondOrgId, 'Editor'),
  };
  // Team names become project names when a member first lists projects: connect the teams API before that.
  await admin.connectTeamsApi();
  await admin.ensureTeam('Checkout', [ids.frank], [ids.bob]);
  await admin.ensureTeam('Payments', [ids.frank, ids.grace], [ids.carol]);
  // The second org presents org 1's secret, the only one this sidecar knows: it must get nothing of org 1.
  await admin.inOrg(secondOrgId).configureApp(SIDECAR_SECRET);

  const { items } = await json<ProjectList>(
    await callSidecar(request, USERS.frank, 'GET', '/projects'),
    "frank's projects"
  );
  const X = items.find((p) => p.name === 'Checkout');
  const Y = items.find((p) => p.name === 'Payments');
  if (!X || !Y) {
    throw new Error(`expected frank's projects Checkout and Payments, got ${items.map((p) => p.name).join(', ')}`);
  }
  return { X, Y, secondOrgId };
}
