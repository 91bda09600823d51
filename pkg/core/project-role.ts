/** Project roles, strongest first. */
export const PROJECT_ROLES = ['owner', 'admin', 'engineer', 'viewer'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

export type OrgRole = 'Admin' | 'Editor' | 'Viewer' | 'None';

export interface RoleFacts {
  orgRole: OrgRole;
  isTeamMember: boolean;
  /** Known only when the org's Grafana service account can read team members; null = unknown. */
  isTeamAdmin: boolean | null;
  /** A role set for this user on this project, if any. */
  override: ProjectRole | null;
}

/**
 * The caller's role in a project: org Admin → owner; an explicit override next; then team Admin → admin,
 * team member with org Editor → engineer, team member with org Viewer → viewer; anyone else → no access.
 */
export function deriveProjectRole(facts: RoleFacts): ProjectRole | null {
  if (facts.orgRole === 'Admin') {
    return 'owner';
  }
  if (facts.override) {
    return facts.override;
  }
  if (!facts.isTeamMember) {
    return null;
  }
  if (facts.isTeamAdmin) {
    return 'admin';
  }
  switch (facts.orgRole) {
    case 'Editor':
      return 'engineer';
    case 'Viewer':
      return 'viewer';
    default:
      return null;
  }
}

/** True when `role` is at least `required`. */
export function hasProjectRole(role: ProjectRole | null, required: ProjectRole): boolean {
  return role !== null && PROJECT_ROLES.indexOf(role) <= PROJECT_ROLES.indexOf(required);
}

/** What a role may do, for the UI to hide controls it cannot use. */
export function projectPermissions(role: ProjectRole) {
  return {
    read: true,
    write: hasProjectRole(role, 'engineer'),
    manageProject: hasProjectRole(role, 'admin'),
    manageMembers: hasProjectRole(role, 'admin'),
    manageIntegrations: hasProjectRole(role, 'admin'),
  };
}

/** Whether `granter` may set `target` on someone: admins up to admin, only owners grant owner. */
export function canGrantRole(granter: ProjectRole, target: ProjectRole): boolean {
  return target === 'owner' ? granter === 'owner' : hasProjectRole(granter, 'admin');
}

/** What is known of a member whose override is to be set or removed. */
export interface MemberStanding {
  /** The member's role in the project now: their override if they have one, else `derived`. */
  effective: ProjectRole | null;
  /**
   * The role Grafana gives them without an override, as far as it matters to a granter (who is at least admin):
   * `admin` for a team Admin, null for anything below or unknown. An org Admin is owner whatever the override says.
   */
  derived: ProjectRole | null;
}

/** True when `role` is strictly below `than` (no role is below every role). */
function isBelow(role: ProjectRole | null, than: ProjectRole): boolean {
  return role === null || PROJECT_ROLES.indexOf(role) > PROJECT_ROLES.indexOf(than);
}

/**
 * Why `granter` may not set `next` as a member's override (null: remove it), or null when they may. Besides
 * `canGrantRole`, a granter changes only members below their own role, and only members whose Grafana-given role is
 * below theirs: otherwise a project admin could demote a peer (a team Admin, or another admin) through an override
 * that the demoted peer could then not undo. An org Admin is exempt: their own role cannot be overridden, so they can
 * always repair what they set, and owners granted through overrides stay manageable by someone.
 */
export function memberChangeRefusal(
  granter: { role: ProjectRole; isOrgAdmin: boolean },
  member: MemberStanding,
  next: ProjectRole | null
): string | null {
  if (next !== null && !canGrantRole(granter.role, next)) {
    return `your role (${granter.role}) cannot grant ${next}`;
  }
  if (granter.isOrgAdmin) {
    return null;
  }
  if (!isBelow(member.effective, granter.role)) {
    return `your role (${granter.role}) can change only members below it; this member is ${member.effective}`;
  }
  if (!isBelow(member.derived, granter.role)) {
    return `this member is ${member.derived} through Grafana (team Admin); only a role above ${granter.role} can set or remove their override`;
  }
  return null;
}

/** A URL-safe slug for a project name. */
export function slugify(name: string, fallback: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // combining accents left by NFKD
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return slug || fallback;
}
