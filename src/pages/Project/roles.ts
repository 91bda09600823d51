import type { SelectableValue } from '@grafana/data';
import type { ProjectRoleName } from '../../api';
import { keysOf } from '../../utils/exhaustive';

/** Keyed strongest first, as the sidecar ranks the roles: PROJECT_ROLES takes its order from here. */
const ROLE_DESCRIPTIONS: Record<ProjectRoleName, string> = {
  owner: 'Everything an admin may do, and grants owner',
  admin: 'Manages the project, its members and integrations',
  engineer: 'Works on incidents',
  viewer: 'Reads only',
};

/** Project roles, strongest first (as the sidecar ranks them). */
export const PROJECT_ROLES: ProjectRoleName[] = keysOf(ROLE_DESCRIPTIONS);

const rank = (role: ProjectRoleName) => PROJECT_ROLES.indexOf(role);

/**
 * Whether `granter` may set, change or remove `target`: admins up to admin, only owners touch owner. The sidecar
 * decides (its canGrantRole); this only keeps the UI from offering what it would refuse.
 */
export function canGrantRole(granter: ProjectRoleName, target: ProjectRoleName): boolean {
  return target === 'owner' ? granter === 'owner' : rank(granter) <= rank('admin');
}

/** The roles `granter` may hand out, as radio options. */
export function grantableRoleOptions(granter: ProjectRoleName): Array<SelectableValue<ProjectRoleName>> {
  return PROJECT_ROLES.filter((role) => canGrantRole(granter, role)).map((role) => ({
    value: role,
    label: role,
    description: ROLE_DESCRIPTIONS[role],
  }));
}
