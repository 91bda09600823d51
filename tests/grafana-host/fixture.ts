/**
 * Who exists in the stand-in Grafana: orgs, users with their org roles, teams, service accounts and the app's
 * provisioned settings. Plain data, so a test can start the host with its own fixture.
 */

export type OrgRole = 'Admin' | 'Editor' | 'Viewer';

export interface FixtureOrg {
  id: number;
  name: string;
}

export interface FixtureUser {
  id: number;
  uid: string;
  login: string;
  name: string;
  email: string;
  isGrafanaAdmin?: boolean;
  /** The orgs the user belongs to and the role in each; the first is where sign-in lands by default. */
  orgs: Array<{ orgId: number; role: OrgRole }>;
}

export interface FixtureTeam {
  id: number;
  uid: string;
  orgId: number;
  name: string;
  email?: string;
  /** Grafana's team permission: 0 = Member, 4 = Admin. */
  members: Array<{ userId: number; permission: 0 | 4 }>;
}

export interface FixtureServiceAccount {
  id: number;
  uid: string;
  orgId: number;
  name: string;
  login: string;
  role: OrgRole;
  /** Tokens (`glsa_…`) that authenticate as this service account, in its org only. */
  tokens: string[];
}

/** What `provisioning/plugins/*.yaml` sets for one org (`apps: [{type, org_id, disabled, jsonData, secureJsonData}]`). */
export interface FixturePluginSettings {
  orgId: number;
  pluginId: string;
  enabled: boolean;
  pinned?: boolean;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
}

/**
 * A data source of one org, as Grafana stores it. Only Prometheus: the host proxies to `url` and does not run the
 * data source plugin itself.
 */
export interface FixtureDatasource {
  uid: string;
  orgId: number;
  name: string;
  type: 'prometheus';
  /** Where the datasource proxy sends requests, e.g. a real Prometheus started by the test. */
  url: string;
  /** The org's default data source (at most one per org). */
  isDefault?: boolean;
}

export interface GrafanaFixture {
  orgs: FixtureOrg[];
  users: FixtureUser[];
  teams: FixtureTeam[];
  serviceAccounts: FixtureServiceAccount[];
  pluginSettings: FixturePluginSettings[];
  /** Data sources per org; none when omitted. */
  datasources?: FixtureDatasource[];
}

export const PLUGIN_ID = 'sre-copilot-app';

/** Port 9 (discard) on loopback: nothing answers there, so a request fails fast with "connection refused". */
const UNREACHABLE_URL = 'http://127.0.0.1:9';

/**
 * Two orgs with a spread of roles:
 * - alice: Admin of org 1 and Viewer in org 2; bob: Editor in org 1; carol: Viewer in org 1;
 *   dave: Admin of org 2 only; erin: Editor in org 2; admin: the server admin, Admin of org 1.
 * - org 1 teams: Payments (bob member, carol admin), Checkout (alice member, bob admin); org 2: Platform (erin admin, alice member).
 * - one Admin service account per org with one token each.
 * - the app is enabled in both orgs and not yet configured (no sidecar URL, no secret).
 * - one default Prometheus data source per org, at an address where nothing listens (tests that query it point
 *   `url` at their own Prometheus: `fixture.datasources[i].url = …` before starting the host).
 */
export function defaultFixture(): GrafanaFixture {
  return {
    orgs: [
      { id: 1, name: 'Main Org.' },
      { id: 2, name: 'Second Org.' },
    ],
    users: [
      user(1, 'admin', 'Grafana Admin', [{ orgId: 1, role: 'Admin' }], true),
      user(2, 'alice', 'Alice Admin', [
        { orgId: 1, role: 'Admin' },
        { orgId: 2, role: 'Viewer' },
      ]),
      user(3, 'bob', 'Bob Editor', [{ orgId: 1, role: 'Editor' }]),
      user(4, 'carol', 'Carol Viewer', [{ orgId: 1, role: 'Viewer' }]),
      user(5, 'dave', 'Dave Admin', [{ orgId: 2, role: 'Admin' }]),
      user(6, 'erin', 'Erin Editor', [{ orgId: 2, role: 'Editor' }]),
    ],
    teams: [
      {
        id: 1,
        uid: 'team-payments',
        orgId: 1,
        name: 'Payments',
        members: [
          { userId: 3, permission: 0 },
          { userId: 4, permission: 4 },
        ],
      },
      {
        id: 2,
        uid: 'team-checkout',
        orgId: 1,
        name: 'Checkout',
        members: [
          { userId: 2, permission: 0 },
          { userId: 3, permission: 4 },
        ],
      },
      {
        id: 3,
        uid: 'team-platform',
        orgId: 2,
        name: 'Platform',
        members: [
          { userId: 6, permission: 4 },
          { userId: 2, permission: 0 },
        ],
      },
    ],
    serviceAccounts: [
      {
        id: 101,
        uid: 'sa-org1',
        orgId: 1,
        name: 'sre-copilot',
        login: 'sa-1-sre-copilot',
        role: 'Admin',
        tokens: ['glsa_org1_standin_0123456789abcdef'],
      },
      {
        id: 102,
        uid: 'sa-org2',
        orgId: 2,
        name: 'sre-copilot',
        login: 'sa-2-sre-copilot',
        role: 'Admin',
        tokens: ['glsa_org2_standin_0123456789abcdef'],
      },
    ],
    pluginSettings: [
      { orgId: 1, pluginId: PLUGIN_ID, enabled: true, jsonData: {} },
      { orgId: 2, pluginId: PLUGIN_ID, enabled: true, jsonData: {} },
    ],
    datasources: [
      { uid: 'prom-main', orgId: 1, name: 'Prometheus', type: 'prometheus', url: UNREACHABLE_URL, isDefault: true },
      { uid: 'prom-second', orgId: 2, name: 'Prometheus', type: 'prometheus', url: UNREACHABLE_URL, isDefault: true },
    ],
  };
}

function user(id: number, login: string, name: string, orgs: FixtureUser['orgs'], isGrafanaAdmin = false): FixtureUser {
  return { id, uid: `u-${login}`, login, name, email: `${login}@example.com`, isGrafanaAdmin, orgs };
}
