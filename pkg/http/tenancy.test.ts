import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CreatedIngestToken,
  Incident,
  IncidentDetail,
  IncidentPage,
  IngestResult,
  IngestTokenList,
  Integration,
  LiveEvent,
  Project,
  ProjectList,
} from '../contract/index.ts';
import { alertmanagerPayload, grafanaPayload } from '../testing/alert-payloads.ts';
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
  /** Opens incidents by hand and comments on them. */
  engineer: TestUser;
  /** In the titles, services and comments of the project's incidents: never in another tenant's answer. */
  tag: string;
  /** An incident opened by correlation of the project's own webhook deliveries (acknowledged, with a comment). */
  incident: string;
  /** A list cursor that points at `incident` (the API's own cursor format). */
  incidentCursor: string;
  /** An incident opened by hand (with a comment). */
  manualIncident: string;
  /** An active ingest token: its id, and the token itself. */
  ingestToken: string;
  token: string;
  /** A token that was used once (so it was cached) and then revoked. */
  revokedToken: string;
  /** The dedup key of a firing alert of the project; a deployment was recorded with the same service and time. */
  alert: SignalKey;
}

/** What makes two signals the same (fingerprint + start), and the service they name. */
interface SignalKey {
  fingerprint: string;
  startsAt: string;
  service: string;
}

interface Attacker {
  user: TestUser;
  /** A project where the attacker has a role (sent as X-Project-Id next to the victim's ids in the path). */
  ownProject: string;
  /** The attacker's role there (default: admin or above). */
  ownRole?: 'owner' | 'admin' | 'engineer' | 'viewer';
  /** The attacker's own tenant, whose ingest token they hold. */
  own?: Tenant;
}

interface Attempt {
  label: string;
  url: string;
  projectId?: string;
  body?: unknown;
  /** More request headers (an Authorization for the ingest routes). */
  headers?: Record<string, string>;
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
  /** The least project role its writes need, when it is less than admin. */
  needs?: 'engineer';
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
/** Admin-only reads of the attacker's own project: their own data, or 403 for an engineer or viewer there. */
const ownAdminRead = (a: Attacker, label: string, url: string, more: Partial<Attempt>): Attempt =>
  a.ownRole === 'engineer' || a.ownRole === 'viewer'
    ? denied(label, url, { statuses: [403], ghost: false, ...more })
    : own(label, url, more);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
const newToken = () => `sct_${randomBytes(32).toString('base64url')}`;
const cursorOf = (incident: Pick<Incident, 'createdAt' | 'id'>) =>
  Buffer.from(`${incident.createdAt}|${incident.id}`).toString('base64url');

/** Labels that name a tenant every way a sender could: none of it may steer a delivery. */
const namingLabels = (v: Tenant) => ({
  project: v.project,
  project_id: v.project,
  projectId: v.project,
  org_id: String(v.orgId),
  grafana_org: String(v.orgId),
  team_id: String(v.teamId),
  incident: v.incident,
  tenant: v.tag,
});

const INGEST_ROUTES = ['webhooks/alertmanager', 'webhooks/grafana', 'signals', 'deployments'] as const;
type IngestRoute = (typeof INGEST_ROUTES)[number];

/**
 * A delivery to an ingest route for the signal `key` (a deployment: of `key.service` at `key.startsAt`, version
 * 1.0.0 to prod), naming tenant `about` everywhere the format lets a sender write something.
 */
function ingestPayload(route: IngestRoute, key: SignalKey, about: Tenant, status: 'firing' | 'resolved'): unknown {
  const alert = { name: 'HighErrorRate', status, labels: namingLabels(about), ...key };
  switch (route) {
    case 'webhooks/alertmanager':
      return {
        ...alertmanagerPayload([alert], `{}:{project="${about.project}"}`),
        orgId: about.orgId,
        projectId: about.project,
      };
    case 'webhooks/grafana':
      return { ...grafanaPayload([alert]), orgId: about.orgId, projectId: about.project, title: about.project };
    case 'signals':
      return {
        signals: [
          {
            title: 'HighErrorRate',
            source: 'slo',
            status,
            description: `for project ${about.project} of org ${about.orgId}`,
            labels: namingLabels(about),
            ...key,
          },
        ],
      };
    case 'deployments':
      return {
        service: key.service,
        version: '1.0.0',
        environment: 'prod',
        time: key.startsAt,
        author: about.project,
        description: `for project ${about.project} of org ${about.orgId}`,
      };
  }
}

/**
 * A machine ingest route: the attacker's Grafana credentials are no ingest token, and guessing at the victim's token
 * (its id, a revoked one) is refused alike; the attacker's own token delivers only into the attacker's own project,
 * whatever the request names (a replay of an own signal there, so nothing changes).
 */
const ingestRoute = (route: IngestRoute): RouteCase => ({
  method: 'POST',
  path: `/api/v1/${route}`,
  write: true,
  attempts: (v, a) => {
    const url = `/api/v1/${route}`;
    // the victim's own signal, resolved: what an attacker would like to close
    const body = ingestPayload(route, v.alert, v, 'resolved');
    const unauthorized = { body, statuses: [401] };
    return [
      denied('deliver with Grafana credentials, naming the victim', url, { ...unauthorized, projectId: v.project }),
      denied('deliver with the victim token id as the bearer', url, {
        ...unauthorized,
        headers: bearer(v.ingestToken),
      }),
      denied('deliver with the victim revoked token', url, { ...unauthorized, headers: bearer(v.revokedToken) }),
      denied('deliver with basic auth naming the victim project', url, {
        ...unauthorized,
        headers: basic(v.project, v.ingestToken),
        projectId: v.project,
      }),
      ...(a.own
        ? [
            own('deliver with an own token, naming the victim everywhere', url, {
              body: ingestPayload(route, a.own.alert, v, 'firing'),
              projectId: v.project,
              headers: bearer(a.own.token),
            }),
          ]
        : []),
    ];
  },
});

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
    method: 'POST',
    path: '/api/v1/integrations/:id/test',
    write: false,
    attempts: (v, a) => [
      denied('test a project integration', `/api/v1/integrations/${v.integration}/test`, { projectId: v.project }),
      denied('test it through an own project', `/api/v1/integrations/${v.integration}/test`, {
        projectId: a.ownProject,
      }),
      denied('test it with scope=org', `/api/v1/integrations/${v.integration}/test?scope=org`),
      denied('test the org integration', `/api/v1/integrations/${v.orgIntegration}/test?scope=org`),
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
  {
    method: 'POST',
    path: '/api/v1/audit/verify',
    write: false,
    attempts: (v, a) => [
      denied('verify the project chain with a body', '/api/v1/audit/verify', { projectId: v.project, body: {} }),
      { ...orgRead(a, 'verify the org chain with a body', '/api/v1/audit/verify'), body: { scope: 'org' } },
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/audit/checkpoints',
    write: false,
    attempts: (v, a) => [
      denied('list the project checkpoints', '/api/v1/audit/checkpoints', { projectId: v.project }),
      orgRead(a, 'list the org checkpoints', '/api/v1/audit/checkpoints?scope=org'),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/incidents',
    write: false,
    attempts: (v, a) => [
      denied('list the incidents', '/api/v1/incidents', { projectId: v.project }),
      denied('search them for the victim’s titles', `/api/v1/incidents?q=${v.tag}&status=triggered,acknowledged`, {
        projectId: v.project,
      }),
      own('list an own project, filtered by the victim’s service', `/api/v1/incidents?service=checkout-${v.tag}`, {
        projectId: a.ownProject,
      }),
      own('page an own list from a cursor at the victim’s incident', `/api/v1/incidents?cursor=${v.incidentCursor}`, {
        projectId: a.ownProject,
      }),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/incidents/:id',
    write: false,
    attempts: (v, a) => [
      denied('read an incident', `/api/v1/incidents/${v.incident}`, { projectId: v.project }),
      denied('read it through an own project', `/api/v1/incidents/${v.incident}`, { projectId: a.ownProject }),
      denied('read the manual incident through an own project', `/api/v1/incidents/${v.manualIncident}`, {
        projectId: a.ownProject,
      }),
      denied('read it with no project', `/api/v1/incidents/${v.incident}`, { statuses: [400] }),
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/incidents',
    write: true,
    needs: 'engineer',
    attempts: (v, a) => [
      denied('open an incident in the project', '/api/v1/incidents', {
        body: { title: 'pwned', severity: 'critical' },
        projectId: v.project,
      }),
      denied('smuggle the victim project into the body', '/api/v1/incidents', {
        body: { title: 'pwned', projectId: v.project },
        projectId: a.ownProject,
        statuses: [400],
        ghost: false,
      }),
      denied('smuggle the victim org into the body', '/api/v1/incidents', {
        body: { title: 'pwned', orgId: v.orgId },
        projectId: a.ownProject,
        statuses: [400],
        ghost: false,
      }),
    ],
  },
  {
    method: 'PATCH',
    path: '/api/v1/incidents/:id',
    write: true,
    needs: 'engineer',
    attempts: (v, a) => [
      denied('rename an incident', `/api/v1/incidents/${v.incident}`, {
        body: { title: 'pwned' },
        projectId: v.project,
      }),
      denied('rename it through an own project', `/api/v1/incidents/${v.incident}`, {
        body: { title: 'pwned' },
        projectId: a.ownProject,
      }),
      denied('downgrade the manual incident through an own project', `/api/v1/incidents/${v.manualIncident}`, {
        body: { severity: 'info', service: null },
        projectId: a.ownProject,
      }),
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/incidents/:id/transitions',
    write: true,
    needs: 'engineer',
    attempts: (v, a) => [
      denied('resolve an incident', `/api/v1/incidents/${v.incident}/transitions`, {
        body: { to: 'resolved', note: 'pwned' },
        projectId: v.project,
      }),
      denied('resolve it through an own project', `/api/v1/incidents/${v.incident}/transitions`, {
        body: { to: 'resolved' },
        projectId: a.ownProject,
      }),
      denied(
        'acknowledge the manual incident through an own project',
        `/api/v1/incidents/${v.manualIncident}/transitions`,
        {
          body: { to: 'acknowledged' },
          projectId: a.ownProject,
        }
      ),
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/incidents/:id/comments',
    write: true,
    needs: 'engineer',
    attempts: (v, a) => [
      denied('comment on an incident', `/api/v1/incidents/${v.incident}/comments`, {
        body: { body: 'pwned' },
        projectId: v.project,
      }),
      denied('comment through an own project', `/api/v1/incidents/${v.manualIncident}/comments`, {
        body: { body: 'pwned' },
        projectId: a.ownProject,
      }),
    ],
  },
  {
    // Refused attempts only: an accepted one would never end (inject would hang; `call` gives up after 10 s).
    method: 'GET',
    path: '/api/v1/stream',
    write: false,
    attempts: (v, a) => [
      denied('open the project’s event stream', `/api/v1/stream?projectId=${v.project}`),
      denied('open it with an own project header', `/api/v1/stream?projectId=${v.project}`, {
        projectId: a.ownProject,
      }),
      denied('open it naming the victim twice', `/api/v1/stream?projectId=${v.project}`, { projectId: v.project }),
      denied('open it with the victim in the header only', '/api/v1/stream', {
        projectId: v.project,
        statuses: [400],
      }),
      denied(
        'open it with an own project next to the victim’s',
        `/api/v1/stream?projectId=${v.project}&projectId=${a.ownProject}`,
        {
          statuses: [400],
        }
      ),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/ingest-tokens',
    write: false,
    attempts: (v, a) => [
      denied('list the ingest tokens', '/api/v1/ingest-tokens', { projectId: v.project }),
      ownAdminRead(
        a,
        'list own tokens, naming the victim in the query',
        `/api/v1/ingest-tokens?projectId=${v.project}`,
        {
          projectId: a.ownProject,
        }
      ),
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/ingest-tokens',
    write: true,
    attempts: (v, a) => [
      denied('create an ingest token in the project', '/api/v1/ingest-tokens', {
        body: { name: 'evil' },
        projectId: v.project,
      }),
      denied('create one with an HMAC secret', '/api/v1/ingest-tokens', {
        body: { name: 'evil', hmacSecret: SECRETS.attacker },
        projectId: v.project,
      }),
      denied('smuggle the victim project into the body', '/api/v1/ingest-tokens', {
        body: { name: 'evil', projectId: v.project },
        projectId: a.ownProject,
        statuses: [400],
        ghost: false,
      }),
    ],
  },
  {
    method: 'DELETE',
    path: '/api/v1/ingest-tokens/:id',
    write: true,
    attempts: (v, a) => [
      denied('revoke the ingest token', `/api/v1/ingest-tokens/${v.ingestToken}`, { projectId: v.project }),
      denied('revoke it through an own project', `/api/v1/ingest-tokens/${v.ingestToken}`, { projectId: a.ownProject }),
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/query-templates',
    write: false,
    attempts: (v, a) => [
      denied("read the project's PromQL templates", '/api/v1/query-templates', { projectId: v.project }),
      own('read own templates, naming the victim in the query', `/api/v1/query-templates?projectId=${v.project}`, {
        projectId: a.ownProject,
      }),
    ],
  },
  {
    method: 'PUT',
    path: '/api/v1/query-templates',
    write: true,
    attempts: (v) => [
      denied("replace the project's templates", '/api/v1/query-templates', {
        body: { templates: [{ name: 'evil', query: 'up' }] },
        projectId: v.project,
      }),
    ],
  },
  {
    method: 'DELETE',
    path: '/api/v1/query-templates',
    write: true,
    attempts: (v) => [denied("reset the project's templates", '/api/v1/query-templates', { projectId: v.project })],
  },
  ...INGEST_ROUTES.map(ingestRoute),
  { method: 'GET', path: '/metrics', write: false, attempts: () => [own('carries no tenant data', '/metrics')] },
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    write: false,
    attempts: () => [own('carries no tenant data', '/api/v1/openapi.json')],
  },
];

/** The answer to a request, or a failure after `ms`: a request that never ends (an event stream) must not hang the file. */
async function answerWithin<T>(answer: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no complete answer within ${ms} ms (did a stream open?)`)), ms);
  });
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same tenant with ids that exist nowhere. */
const ghostOf = (v: Tenant): Tenant => ({
  ...v,
  project: randomUUID(),
  integration: randomUUID(),
  orgIntegration: randomUUID(),
  member: 987_654,
  tag: `tag-${randomUUID()}`,
  incident: randomUUID(),
  incidentCursor: cursorOf({ createdAt: new Date().toISOString(), id: randomUUID() }),
  manualIncident: randomUUID(),
  ingestToken: randomUUID(),
  token: newToken(),
  revokedToken: newToken(),
  alert: { ...v.alert, fingerprint: `fp-${randomUUID()}` },
});

const ERROR_CODE_OF: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
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
    const res = await answerWithin(t.call(user, url, options), `${options.method ?? 'GET'} ${url}`);
    bodies.push(res.payload);
    return res;
  }

  /** A POST to an ingest route as a machine sender: only the given headers, no Grafana credentials. */
  async function deliver(token: string | null, url: string, payload: unknown, headers: Record<string, string> = {}) {
    const res = await t.sidecar.app.inject({
      method: 'POST',
      url,
      headers: { ...(token ? bearer(token) : {}), ...headers },
      payload: payload as InjectOptions['payload'],
    });
    bodies.push(res.payload);
    return res;
  }

  async function delivered(res: Promise<LightMyRequestResponse>): Promise<IngestResult> {
    return ok<IngestResult>(res);
  }

  const am = '/api/v1/webhooks/alertmanager';

  /** Connected event-stream clients, from the sidecar's own gauge. */
  async function sseClients(): Promise<number> {
    return (await t.sidecar.metrics.sseClients.get()).values[0]?.value ?? 0;
  }

  /** Where signals with the fingerprint are, as `X:firing`, `Y:resolved`, …, sorted. */
  async function signalsWith(fingerprint: string): Promise<string[]> {
    const names = new Map([
      [X.project, 'X'],
      [Y.project, 'Y'],
      [Z.project, 'Z'],
    ]);
    const rows = await t.inspect.withOwner(
      async (tx) =>
        (
          await tx.query<{ project_id: string; status: string }>(
            'SELECT project_id, status FROM signals WHERE fingerprint = $1',
            [fingerprint]
          )
        ).rows
    );
    return rows.map((r) => `${names.get(r.project_id) ?? r.project_id}:${r.status}`).sort();
  }

  let baseUrl: string | undefined;

  interface LiveMessage {
    event: string;
    data: LiveEvent;
  }

  interface EventStream {
    status: number;
    contentType: string;
    /** The whole body of a refused request; what has come so far of a stream. */
    text: () => string;
    events: LiveMessage[];
    waitFor(match: (m: LiveMessage) => boolean, what: string): Promise<void>;
    close(): Promise<void>;
  }

  /** GET /api/v1/stream over a real socket, as Grafana's proxy would send it for the user. */
  async function openStream(user: TestUser, projectId: string, headerProject?: string): Promise<EventStream> {
    baseUrl ??= await t.sidecar.app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const res = await answerWithin(
      fetch(`${baseUrl}/api/v1/stream?projectId=${projectId}`, {
        headers: await proxyHeaders(user, headerProject),
        signal: controller.signal,
      }),
      `${user.login}'s stream`
    );
    const contentType = res.headers.get('content-type') ?? '';
    const events: LiveMessage[] = [];
    let text = '';
    let pump: Promise<void> = Promise.resolve();
    if (contentType.startsWith('text/event-stream') && res.body) {
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let pending = '';
      pump = (async () => {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) {
              return;
            }
            const chunk = decoder.decode(value, { stream: true });
            text += chunk;
            pending += chunk;
            for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n')) {
              const lines = pending.slice(0, end).split('\n');
              pending = pending.slice(end + 2);
              const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
              const [event, data] = [field('event'), field('data')];
              if (event !== undefined && data !== undefined) {
                events.push({ event, data: JSON.parse(data) as LiveEvent });
              }
            }
          }
        } catch {
          // close() aborted the request
        }
      })();
    } else {
      text = await answerWithin(res.text(), `${user.login}'s refused stream`);
      bodies.push(text);
    }
    return {
      status: res.status,
      contentType,
      text: () => text,
      events,
      async waitFor(match, what) {
        const deadline = Date.now() + 5000;
        while (!events.some(match)) {
          if (Date.now() > deadline) {
            throw new Error(`${user.login}'s stream: no ${what} within 5 s; got ${JSON.stringify(events)}`);
          }
          await sleep(10);
        }
      },
      async close() {
        controller.abort();
        await pump;
      },
    };
  }

  /** The headers Grafana's plugin proxy sends for the user (for requests over a real socket). */
  async function proxyHeaders(user: TestUser, projectId?: string): Promise<Record<string, string>> {
    return {
      'x-sre-copilot-secret': ORG_SECRETS[user.orgId as 1 | 2],
      'x-grafana-id': await t.grafana.idToken(user),
      'x-grafana-context': t.grafana.context(user),
      ...(projectId ? { 'x-project-id': projectId } : {}),
    };
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

  type Seeded = Pick<
    Tenant,
    | 'engineer'
    | 'tag'
    | 'incident'
    | 'incidentCursor'
    | 'manualIncident'
    | 'ingestToken'
    | 'token'
    | 'revokedToken'
    | 'alert'
  >;

  /**
   * Incidents of a project the way they come about: ingest tokens made by the project admin, webhook deliveries
   * with the project's own token (correlated), one incident by hand, comments, an acknowledgement; and a token
   * that was used once and then revoked.
   */
  async function seedIncidents(projectId: string, admin: TestUser, engineer: TestUser): Promise<Seeded> {
    const tag = `tag-${randomUUID()}`;
    const createToken = (name: string) =>
      ok<CreatedIngestToken>(
        call(admin, '/api/v1/ingest-tokens', { method: 'POST', projectId, body: { name: `${name} ${tag}` } }),
        201
      );
    const active = await createToken('alertmanager');
    const retired = await createToken('retired');
    const alert: SignalKey = {
      fingerprint: `fp-${randomUUID()}`,
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      service: `checkout-${tag}`,
    };
    const am = '/api/v1/webhooks/alertmanager';
    expect(
      await delivered(deliver(retired.token, am, alertmanagerPayload([{ name: 'DiskFull', service: `search-${tag}` }])))
    ).toMatchObject({ created: 1 });
    const revoked = await call(admin, `/api/v1/ingest-tokens/${retired.id}`, { method: 'DELETE', projectId });
    expect(revoked.statusCode, revoked.payload).toBe(204);
    expect(
      await delivered(deliver(active.token, am, alertmanagerPayload([{ name: 'HighErrorRate', ...alert }])))
    ).toMatchObject({ created: 1 });
    const signal = {
      title: `Error budget burn ${tag}`,
      service: `payments-${tag}`,
      severity: 'high',
      source: 'slo',
      fingerprint: `fp-${randomUUID()}`,
      startsAt: alert.startsAt,
    };
    expect(await delivered(deliver(active.token, '/api/v1/signals', { signals: [signal] }))).toMatchObject({
      created: 1,
    });
    // the form of ingestPayload('deployments', alert, …): a replay of it is a duplicate
    const deployment = { service: alert.service, version: '1.0.0', environment: 'prod', time: alert.startsAt };
    expect(await delivered(deliver(active.token, '/api/v1/deployments', deployment))).toMatchObject({ created: 1 });

    const list = await ok<IncidentPage>(call(admin, '/api/v1/incidents', { projectId }));
    const incident = list.items.find((i) => i.service === alert.service);
    expect(incident, `the delivery of ${admin.login} opened an incident`).toBeDefined();
    const manual = await ok<Incident>(
      call(engineer, '/api/v1/incidents', {
        method: 'POST',
        projectId,
        body: { title: `Customers report failures ${tag}`, severity: 'high', service: `web-${tag}` },
      }),
      201
    );
    for (const id of [incident!.id, manual.id]) {
      await ok(
        call(engineer, `/api/v1/incidents/${id}/comments`, {
          method: 'POST',
          projectId,
          body: { body: `looking into it ${tag}` },
        }),
        201
      );
    }
    await ok(
      call(engineer, `/api/v1/incidents/${incident!.id}/transitions`, {
        method: 'POST',
        projectId,
        body: { to: 'acknowledged', note: `on it ${tag}` },
      })
    );
    return {
      engineer,
      tag,
      incident: incident!.id,
      incidentCursor: cursorOf(incident!),
      manualIncident: manual.id,
      ingestToken: active.id,
      token: active.token,
      revokedToken: retired.token,
      alert,
    };
  }

  /**
   * The victim's data as its admins see it through the API, and every row of every table of the database (`all`),
   * or only the rows of the victim's project and of its org's org-level chain (`tenant`).
   */
  async function snapshot(v: Tenant, rows: 'all' | 'tenant' = 'all') {
    const read = (user: TestUser, url: string, projectId?: string) => ok<unknown>(call(user, url, { projectId }));
    const api = {
      incidents: await read(v.admin, '/api/v1/incidents?limit=200', v.project),
      incident: await read(v.admin, `/api/v1/incidents/${v.incident}`, v.project),
      manualIncident: await read(v.admin, `/api/v1/incidents/${v.manualIncident}`, v.project),
      ingestTokens: await read(v.admin, '/api/v1/ingest-tokens', v.project),
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
    const database = await t.inspect.withOwner(async (tx) => {
      const tables = (
        await tx.query<{ name: string; tenant: boolean }>(
          `SELECT c.relname AS name,
                  EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'project_id') AS tenant
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`
        )
      ).rows;
      const all: Record<string, string[]> = {};
      for (const { name, tenant } of tables) {
        const [where, params]: [string, unknown[]] =
          rows === 'all'
            ? ['true', []]
            : name === 'organizations'
              ? ['id = $1', [v.orgId]]
              : name === 'projects'
                ? ['id = $1', [v.project]]
                : tenant
                  ? ['project_id = $1 OR (project_id IS NULL AND org_id = $2)', [v.project, v.orgId]]
                  : ['false', []];
        all[name] = (
          await tx.query<{ r: string }>(
            `SELECT row_to_json(x)::text AS r FROM ${name} x WHERE ${where} ORDER BY 1`,
            params
          )
        ).rows.map((r) => r.r);
      }
      return all;
    });
    return { api, database };
  }

  /** Markers of the victim's data that must not show up in anything the attacker gets. */
  function markersOf(v: Tenant, a: Attacker): string[] {
    const markers = [
      v.project,
      v.integration,
      v.tag,
      v.incident,
      v.manualIncident,
      v.ingestToken,
      v.token,
      v.revokedToken,
      ...Object.values(SECRETS),
    ];
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
              headers: a.headers,
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
      PROMETHEUS_ALLOWED_HOSTS: 'prom-x.example',
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
      config: { datasourceUid: 'prom' },
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
      config: { datasourceUid: 'prom' },
      name: 'prom-z',
      secrets: { password: SECRETS.z },
    });
    const org2Integration = await createIntegration(admin2, undefined, {
      type: 'alertmanager',
      scope: 'org',
      name: 'am-org-2',
      secrets: { bearerToken: SECRETS.org2 },
    });

    const xSeed = await seedIncidents(x.id, xAdmin, alice);
    const ySeed = await seedIncidents(y.id, bob, bob);
    const zSeed = await seedIncidents(z.id, zAdmin, carol);

    X = {
      ...xSeed,
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
      ...ySeed,
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
      ...zSeed,
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

      const incidents = (api.incidents as IncidentPage).items;
      expect(incidents.map((i) => i.id)).toEqual(expect.arrayContaining([v.incident, v.manualIncident]));
      expect(new Set(incidents.map((i) => i.origin))).toEqual(new Set(['correlation', 'manual']));
      const detail = api.incident as IncidentDetail;
      expect(detail.incident).toMatchObject({ status: 'acknowledged', service: v.alert.service });
      expect(detail.signals.map((sig) => sig.fingerprint)).toContain(v.alert.fingerprint);
      expect(detail.timeline.map((e) => e.kind)).toEqual(
        expect.arrayContaining(['created', 'comment', 'status_changed'])
      );
      expect((api.manualIncident as IncidentDetail).timeline.map((e) => e.kind)).toEqual(['created', 'comment']);
      const tokens = (api.ingestTokens as IngestTokenList).items;
      expect(tokens.map((tok) => tok.id)).toContain(v.ingestToken);
      expect(tokens.map((tok) => Boolean(tok.revokedAt)).sort()).toEqual([false, true]);
    }
    // every table is in the row comparison, the new ones with rows of each tenant
    const { database } = await snapshot(X);
    expect(Object.keys(database)).toEqual(
      expect.arrayContaining([
        'organizations',
        'projects',
        'project_members',
        'integrations',
        'audit_logs',
        'ingest_tokens',
        'signals',
        'incidents',
        'incident_events',
      ])
    );
    for (const table of ['ingest_tokens', 'signals', 'incidents', 'incident_events']) {
      for (const v of [X, Y, Z]) {
        expect(database[table]!.filter((row) => row.includes(v.project)).length, table).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it.each([
    ['an org 2 Admin', (): Attacker => ({ user: admin2, ownProject: Z.project, ownRole: 'owner', own: Z })],
    [
      'an org 2 member of team 100',
      (): Attacker => ({ user: carol, ownProject: Z.project, ownRole: 'engineer', own: Z }),
    ],
    [
      'an org 2 admin of project Z',
      (): Attacker => ({ user: zAdmin, ownProject: Z.project, ownRole: 'admin', own: Z }),
    ],
    [
      'the admin of project Y in org 1',
      (): Attacker => ({ user: bob, ownProject: Y.project, ownRole: 'admin', own: Y }),
    ],
  ])('%s can neither read nor change anything of project X', async (_name, attackerOf) => {
    const before = await snapshot(X);
    const { outcomes, failures } = await attack(attackerOf(), X);
    expect(failures).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(40);
    expect(await snapshot(X)).toEqual(before);
  });

  it('an org 1 Admin cannot act in org 2: org 2’s ids with an org 1 token are not found', async () => {
    const before = await snapshot(Z);
    const { outcomes, failures } = await attack({ user: admin1, ownProject: X.project, ownRole: 'owner', own: X }, Z);
    expect(failures).toEqual([]);
    // an org Admin is owner of every project in their org, so only "not found" is left, never "forbidden"
    const refusals = outcomes.filter((o) => o.attempt.expect === 'denied' && !o.attempt.statuses.includes(400));
    expect(refusals.length).toBeGreaterThan(25);
    for (const o of refusals) {
      // team 100 is a project in org 1 too; the ingest routes know no Grafana user
      const expected = o.route.path === '/api/v1/projects' ? 409 : o.attempt.statuses.includes(401) ? 401 : 404;
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
      // The OpenAPI document is public, like /health: it holds no tenant data.
      for (const route of ROUTES.filter((r) => r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json')) {
        for (const attempt of route.attempts(victim, { user, ownProject: X.project })) {
          const res = await call(user, attempt.url, {
            method: route.method,
            body: attempt.body,
            projectId: attempt.projectId,
            headers: attempt.headers,
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
    ['a viewer', victor, 'viewer'],
    ['an engineer', alice, 'engineer'],
  ] as const)('%s of X cannot do any write on X that needs more (403)', async (_role, user, role) => {
    // they can read X: every refusal below is about the role, not about visibility
    expect((await call(user, `/api/v1/projects/${X.project}`)).statusCode).toBe(200);
    const before = await snapshot(X);
    const failures: string[] = [];
    let checked = 0;
    // an engineer may work on incidents; the ingest routes take no Grafana user at all (401)
    for (const route of ROUTES.filter((r) => r.write && !(r.needs === 'engineer' && role === 'engineer'))) {
      for (const attempt of route.attempts(X, { user, ownProject: X.project, ownRole: role })) {
        const expected = attempt.statuses.includes(403) ? [403] : attempt.statuses;
        const res = await call(user, attempt.url, {
          method: route.method,
          body: attempt.body,
          projectId: attempt.projectId,
          headers: attempt.headers,
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

  it('a viewer of X gets 403 on every incident and ingest-token write, an engineer on every ingest-token route', async () => {
    // both can read X's incidents: every refusal below is about the role
    for (const user of [victor, alice]) {
      await ok(call(user, `/api/v1/incidents/${X.incident}`, { projectId: X.project }));
    }
    const before = await snapshot(X);
    type Call = [CallOptions['method'], string, unknown];
    // each of these is valid for X as it is (the transitions are allowed from the current states)
    const incidentWrites: Call[] = [
      ['POST', '/api/v1/incidents', { title: 'opened by a viewer', severity: 'critical' }],
      ['PATCH', `/api/v1/incidents/${X.incident}`, { title: 'renamed by a viewer' }],
      ['PATCH', `/api/v1/incidents/${X.manualIncident}`, { severity: 'info', service: null }],
      ['POST', `/api/v1/incidents/${X.incident}/transitions`, { to: 'resolved' }],
      ['POST', `/api/v1/incidents/${X.manualIncident}/transitions`, { to: 'acknowledged', note: 'mine' }],
      ['POST', `/api/v1/incidents/${X.incident}/comments`, { body: 'a viewer was here' }],
      ['POST', `/api/v1/incidents/${X.manualIncident}/comments`, { body: 'a viewer was here' }],
    ];
    const tokenRoutes: Call[] = [
      ['GET', '/api/v1/ingest-tokens', undefined],
      ['POST', '/api/v1/ingest-tokens', { name: 'mine' }],
      ['POST', '/api/v1/ingest-tokens', { name: 'mine', hmacSecret: SECRETS.attacker }],
      ['DELETE', `/api/v1/ingest-tokens/${X.ingestToken}`, undefined],
    ];
    const cases: Array<[TestUser, ...Call]> = [
      ...[...incidentWrites, ...tokenRoutes].map((c): [TestUser, ...Call] => [victor, ...c]),
      ...tokenRoutes.map((c): [TestUser, ...Call] => [alice, ...c]),
    ];
    const failures: string[] = [];
    for (const [user, method, url, body] of cases) {
      const res = await call(user, url, { method, body, projectId: X.project });
      if (res.statusCode !== 403 || res.json().error?.code !== 'forbidden') {
        failures.push(`${user.login} ${method} ${url}: ${res.statusCode} ${res.payload}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot(X)).toEqual(before);
  });

  it('the event stream: refused to outsiders before it starts, and silent about other projects', async () => {
    const clientsBefore = await sseClients();
    // outsiders naming X are refused exactly like a project that does not exist: a JSON 404, no stream
    const ghost = randomUUID();
    const outsiders: Array<[TestUser, string | undefined]> = [
      [bob, undefined],
      [bob, Y.project],
      [bob, X.project],
      [carol, undefined],
      [carol, Z.project],
      [admin2, Z.project],
    ];
    for (const [user, header] of outsiders) {
      const refused = await openStream(user, X.project, header);
      const nothing = await openStream(user, ghost, header);
      for (const r of [refused, nothing]) {
        expect(r.status, `${user.login}: ${r.text()}`).toBe(404);
        expect(r.contentType).toMatch(/^application\/json/);
        expect(r.text()).not.toMatch(/^retry:|^event:|^data:/m);
      }
      expect(JSON.parse(refused.text()).error).toMatchObject({
        code: 'not_found',
        message: JSON.parse(nothing.text()).error.message,
      });
      expect(refused.text()).not.toContain(X.project);
    }
    expect(await sseClients()).toBe(clientsBefore);

    const xStream = await openStream(victor, X.project); // a viewer of X
    const yStream = await openStream(bob, Y.project);
    const zStream = await openStream(carol, Z.project); // org 2, team 100, the same user id as alice
    try {
      for (const stream of [xStream, yStream, zStream]) {
        expect(stream.status, stream.text()).toBe(200);
        expect(stream.contentType).toMatch(/^text\/event-stream/);
      }
      expect(await sseClients()).toBe(clientsBefore + 3);

      // X changes: an incident by X's engineer, a comment on it, a delivery that correlates into X
      const created = await ok<Incident>(
        call(alice, '/api/v1/incidents', {
          method: 'POST',
          projectId: X.project,
          body: { title: 'Stream check', severity: 'info' },
        }),
        201
      );
      await xStream.waitFor(
        (m) => m.event === 'incident.created' && m.data.incidentId === created.id,
        'incident.created for the new incident'
      );
      await ok(
        call(alice, `/api/v1/incidents/${created.id}/comments`, {
          method: 'POST',
          projectId: X.project,
          body: { body: 'watching' },
        }),
        201
      );
      await xStream.waitFor(
        (m) => m.event === 'incident.updated' && m.data.incidentId === created.id,
        'incident.updated for the comment'
      );
      const alert = { name: 'HighLatency', service: X.alert.service, startsAt: new Date().toISOString() };
      expect(await delivered(deliver(X.token, am, alertmanagerPayload([alert])))).toMatchObject({ created: 1 });
      await xStream.waitFor((m) => m.data.incidentId !== created.id, 'event of the correlation');

      await sleep(300);
      for (const stream of [yStream, zStream]) {
        expect(stream.events).toEqual([]);
        expect(stream.text()).not.toMatch(/^event:|^data:/m);
      }

      // the other streams are live: their own project's changes reach them, and not X's subscriber
      const yIncident = await ok<Incident>(
        call(bob, '/api/v1/incidents', { method: 'POST', projectId: Y.project, body: { title: 'Stream check' } }),
        201
      );
      const zIncident = await ok<Incident>(
        call(carol, '/api/v1/incidents', { method: 'POST', projectId: Z.project, body: { title: 'Stream check' } }),
        201
      );
      await yStream.waitFor((m) => m.data.incidentId === yIncident.id, 'event of its own project');
      await zStream.waitFor((m) => m.data.incidentId === zIncident.id, 'event of its own project');
      await sleep(100);
      expect(yStream.events).toEqual([
        { event: 'incident.created', data: { type: 'incident.created', incidentId: yIncident.id } },
      ]);
      expect(zStream.events).toEqual([
        { event: 'incident.created', data: { type: 'incident.created', incidentId: zIncident.id } },
      ]);
      const seenByX = xStream.events.map((m) => m.data.incidentId);
      expect(seenByX).not.toContain(yIncident.id);
      expect(seenByX).not.toContain(zIncident.id);
    } finally {
      await Promise.all([xStream, yStream, zStream].map((stream) => stream.close()));
    }
    // a closed stream ends its subscription
    const deadline = Date.now() + 3000;
    while ((await sseClients()) !== clientsBefore && Date.now() < deadline) {
      await sleep(20);
    }
    expect(await sseClients()).toBe(clientsBefore);
  });

  it('an ingest token delivers only into its own project, whatever the request names', async () => {
    const before = { y: await snapshot(Y, 'tenant'), z: await snapshot(Z, 'tenant') };
    const inX = await snapshot(X, 'tenant');
    // X's token; Y's and Z's dedup keys, ids and Grafana credentials wherever a sender can put them
    const deliveries: Array<[IngestRoute, SignalKey, Tenant, TestUser]> = [
      ['webhooks/alertmanager', { ...Y.alert, service: 'spoofed' }, Y, bob],
      ['webhooks/grafana', { ...Z.alert, service: 'spoofed' }, Z, carol],
      ['signals', { ...Y.alert, fingerprint: `fp-${randomUUID()}`, service: 'spoofed' }, Y, bob],
      ['deployments', { ...Z.alert, service: 'spoofed-deploy' }, Z, zAdmin],
    ];
    for (const status of ['firing', 'resolved'] as const) {
      for (const [route, key, about, user] of deliveries) {
        const headers = { ...(await proxyHeaders(user, about.project)), 'x-grafana-org-id': String(about.orgId) };
        const result = await delivered(
          deliver(X.token, `/api/v1/${route}`, ingestPayload(route, key, about, status), headers)
        );
        // a new row of X's (never a duplicate of Y's or Z's row with the same key), then its resolve
        const expected =
          route === 'deployments'
            ? { created: status === 'firing' ? 1 : 0, resolved: 0 }
            : { created: status === 'firing' ? 1 : 0, resolved: status === 'resolved' ? 1 : 0 };
        expect(result, `${status} ${route}`).toMatchObject({ received: 1, ...expected });
      }
    }
    expect(await signalsWith(Y.alert.fingerprint)).toEqual(['X:resolved', 'Y:firing']);
    expect(await signalsWith(Z.alert.fingerprint)).toEqual(['X:resolved', 'Z:firing']);
    expect(await snapshot(Y, 'tenant')).toEqual(before.y);
    expect(await snapshot(Z, 'tenant')).toEqual(before.z);
    const after = await snapshot(X, 'tenant');
    expect(after.database.signals!.length).toBe(inX.database.signals!.length + 4);
  });

  it('another project’s token never touches X’s signals: the same key is its own row, its resolve resolves its own', async () => {
    const before = await snapshot(X, 'tenant');
    const others = await signalsWith(X.alert.fingerprint);
    expect(others).toContain('X:firing');
    const key = { ...X.alert, service: 'y-side' };
    const asX = await proxyHeaders(alice, X.project);
    // Y's token with X's dedup key and X's ids, in the same group commit as X's own replay (a duplicate in X)
    const [fromY, fromX] = await Promise.all([
      delivered(deliver(Y.token, am, ingestPayload('webhooks/alertmanager', key, X, 'firing'), asX)),
      delivered(deliver(X.token, am, ingestPayload('webhooks/alertmanager', X.alert, X, 'firing'))),
    ]);
    expect(fromY).toEqual({ received: 1, created: 1, resolved: 0, duplicates: 0 });
    expect(fromX).toEqual({ received: 1, created: 0, resolved: 0, duplicates: 1 });
    // Y's resolves of that key, on every alert route: the first resolves Y's own row, the others repeat it
    const resolves: IngestResult[] = [];
    for (const route of ['webhooks/alertmanager', 'webhooks/grafana', 'signals'] as const) {
      resolves.push(
        await delivered(deliver(Y.token, `/api/v1/${route}`, ingestPayload(route, key, X, 'resolved'), asX))
      );
    }
    expect(resolves.map((r) => [r.resolved, r.duplicates])).toEqual([
      [1, 0],
      [0, 1],
      [0, 1],
    ]);
    expect(await signalsWith(X.alert.fingerprint)).toEqual([...others, 'Y:resolved'].sort());
    expect(await snapshot(X, 'tenant')).toEqual(before);
    const detail = await ok<IncidentDetail>(call(xAdmin, `/api/v1/incidents/${X.incident}`, { projectId: X.project }));
    expect(detail.signals.find((sig) => sig.fingerprint === X.alert.fingerprint)).toMatchObject({
      status: 'firing',
      endsAt: null,
    });
  });

  it('a token of org 2 cannot reach org 1, whatever org 1 credentials and ids come with it', async () => {
    const before = { x: await snapshot(X, 'tenant'), y: await snapshot(Y, 'tenant') };
    const others = await signalsWith(X.alert.fingerprint);
    const key = { ...X.alert, service: 'z-side' };
    const asOrg1 = { ...(await proxyHeaders(admin1, X.project)), 'x-grafana-org-id': '1' };
    for (const route of INGEST_ROUTES) {
      const result = await delivered(
        deliver(Z.token, `/api/v1/${route}`, ingestPayload(route, key, X, 'firing'), asOrg1)
      );
      expect(result, route).toMatchObject({
        received: 1,
        created: route === 'webhooks/alertmanager' || route === 'deployments' ? 1 : 0,
      });
    }
    const resolved = await delivered(
      deliver(Z.token, am, ingestPayload('webhooks/alertmanager', key, X, 'resolved'), asOrg1)
    );
    expect(resolved).toMatchObject({ resolved: 1 });
    expect(await signalsWith(X.alert.fingerprint)).toEqual([...others, 'Z:resolved'].sort());
    expect(await snapshot(X, 'tenant')).toEqual(before.x);
    expect(await snapshot(Y, 'tenant')).toEqual(before.y);
    const inZ = await ok<IncidentPage>(call(zAdmin, '/api/v1/incidents?service=z-side', { projectId: Z.project }));
    expect(inZ.items).toHaveLength(1);
  });

  it('a revoked ingest token is refused (401) on every ingest route, like one never issued, and changes nothing', async () => {
    // one revoked just now, after it was used (so the resolve cache held it)
    const fresh = await ok<CreatedIngestToken>(
      call(xAdmin, '/api/v1/ingest-tokens', { method: 'POST', projectId: X.project, body: { name: 'short-lived' } }),
      201
    );
    const replay = ingestPayload('webhooks/alertmanager', X.alert, X, 'firing');
    expect(await delivered(deliver(fresh.token, am, replay))).toMatchObject({ duplicates: 1 });
    const revoke = await call(xAdmin, `/api/v1/ingest-tokens/${fresh.id}`, { method: 'DELETE', projectId: X.project });
    expect(revoke.statusCode, revoke.payload).toBe(204);

    const before = await snapshot(X);
    const failures: string[] = [];
    const tokens: Array<[string, string]> = [
      ['X’s token revoked just now', fresh.token],
      ['X’s revoked token', X.revokedToken],
      ['Y’s revoked token', Y.revokedToken],
      ['Z’s revoked token', Z.revokedToken],
    ];
    for (const route of INGEST_ROUTES) {
      const url = `/api/v1/${route}`;
      const body = ingestPayload(route, X.alert, X, 'resolved');
      const never = (await deliver(newToken(), url, body)).json<{ error: { message: string } }>().error.message;
      for (const [name, token] of tokens) {
        const res = await deliver(token, url, body);
        const error = res.json<{ error?: { code: string; message: string } }>().error;
        if (res.statusCode !== 401 || error?.code !== 'unauthorized' || error.message !== never) {
          failures.push(`${name} → ${url}: ${res.statusCode} ${res.payload}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot(X)).toEqual(before);
  });

  it('GET /metrics needs no credentials and holds no tenant id, token or secret', async () => {
    const res = await t.sidecar.app.inject({ method: 'GET', url: '/metrics' });
    bodies.push(res.payload);
    expect(res.statusCode).toBe(200);
    // the counters did count this file's deliveries
    expect(res.body).toMatch(/sre_copilot_signals_ingested_total\{source="alertmanager",type="alert"\} [1-9]/);
    expect(res.body).toMatch(/sre_copilot_incidents_opened_total\{origin="manual"\} [1-9]/);
    const tenantData = [X, Y, Z].flatMap((v) => [
      v.project,
      v.integration,
      v.orgIntegration,
      v.tag,
      v.incident,
      v.manualIncident,
      v.ingestToken,
      v.token,
      v.revokedToken,
      v.alert.fingerprint,
    ]);
    const secrets = [...Object.values(ORG_SECRETS), ...Object.values(SECRETS)];
    expect([...tenantData, ...secrets].filter((m) => res.body.includes(m))).toEqual([]);
    expect(res.body).not.toMatch(/[{,](org|project|tenant|team|user)(_?id)?="/i);
  });

  // The sender writes `source`; the unauthenticated /metrics labels with a fixed set only (bounded, nothing leaks).
  it('GET /metrics takes no label value from what a sender writes', async () => {
    const source = `prometheus-${X.project}`;
    const signal = { title: 'Probe', source, fingerprint: `fp-${randomUUID()}`, service: 'probe' };
    expect(await delivered(deliver(X.token, '/api/v1/signals', { signals: [signal] }))).toMatchObject({ created: 1 });
    const res = await t.sidecar.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body.split('\n').filter((line) => line.includes(X.project))).toEqual([]);
  });

  it('no response of this file ever held a secret value', () => {
    expect(bodies.length).toBeGreaterThan(500);
    for (const secret of Object.values(SECRETS)) {
      expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
    }
    // an ingest token is in one answer only, the one that created it; and in no log line
    for (const v of [X, Y, Z]) {
      for (const token of [v.token, v.revokedToken]) {
        expect(bodies.filter((b) => b.includes(token))).toHaveLength(1);
        expect(t.logs.filter((line) => line.includes(token))).toEqual([]);
      }
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
