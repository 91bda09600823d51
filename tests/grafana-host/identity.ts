import type { FixtureOrg, FixtureServiceAccount, FixtureTeam, FixtureUser, OrgRole } from './fixture.ts';

/** The signed-in identity of one request, in one org: a user (session cookie) or a service account (token). */
export interface SignedInIdentity {
  kind: 'user' | 'service-account';
  id: number;
  uid: string;
  login: string;
  name: string;
  email: string;
  orgId: number;
  orgName: string;
  orgRole: OrgRole;
  isGrafanaAdmin: boolean;
  /** Team ids in this org. */
  teams: number[];
}

export function userIdentity(user: FixtureUser, org: FixtureOrg, teams: FixtureTeam[]): SignedInIdentity | null {
  const membership = user.orgs.find((o) => o.orgId === org.id);
  if (!membership) {
    return null;
  }
  return {
    kind: 'user',
    id: user.id,
    uid: user.uid,
    login: user.login,
    name: user.name,
    email: user.email,
    orgId: org.id,
    orgName: org.name,
    orgRole: membership.role,
    isGrafanaAdmin: Boolean(user.isGrafanaAdmin),
    teams: teams.filter((t) => t.orgId === org.id && t.members.some((m) => m.userId === user.id)).map((t) => t.id),
  };
}

export function serviceAccountIdentity(sa: FixtureServiceAccount, org: FixtureOrg): SignedInIdentity {
  return {
    kind: 'service-account',
    id: sa.id,
    uid: sa.uid,
    login: sa.login,
    name: sa.name,
    email: '',
    orgId: org.id,
    orgName: org.name,
    orgRole: sa.role,
    isGrafanaAdmin: false,
    teams: [],
  };
}

const ROLE_RANK: Record<string, number> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };

/** Grafana's `RoleType.Includes`: Admin includes Editor includes Viewer includes None. */
export function roleIncludes(role: string, required: string): boolean {
  return (ROLE_RANK[role] ?? -1) >= (ROLE_RANK[required] ?? Number.POSITIVE_INFINITY);
}

export function isValidRole(role: unknown): role is 'None' | OrgRole {
  return typeof role === 'string' && role in ROLE_RANK;
}

/** Namespace of an org as Grafana names it in ID tokens and API paths. */
export function namespaceOf(orgId: number): string {
  return orgId === 1 ? 'default' : `org-${orgId}`;
}

/**
 * The `X-Grafana-Context` header: Grafana marshals its SignedInUser struct to JSON (Go field names, unsigned).
 */
export function grafanaContextHeader(identity: SignedInIdentity): string {
  return JSON.stringify({
    UserID: identity.id,
    UserUID: identity.uid,
    OrgID: identity.orgId,
    OrgName: identity.orgName,
    OrgRole: identity.orgRole,
    Login: identity.login,
    Name: identity.name,
    Email: identity.email,
    EmailVerified: false,
    AuthID: '',
    AuthenticatedBy: identity.kind === 'user' ? 'password' : 'apikey',
    ApiKeyID: 0,
    IsServiceAccount: identity.kind === 'service-account',
    IsGrafanaAdmin: identity.isGrafanaAdmin,
    IsAnonymous: false,
    IsDisabled: false,
    HelpFlags1: 0,
    LastSeenAt: new Date().toISOString(),
    Teams: identity.teams,
  });
}
