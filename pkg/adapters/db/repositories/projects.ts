import type { Project, ProjectMember } from '../../../contract/index.ts';
import type { ProjectRole } from '../../../core/project-role.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { Queryable } from '../database.ts';

export interface ProjectRow {
  id: string;
  org_id: number;
  team_id: number;
  name: string;
  slug: string;
  description: string;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
}

interface MemberRow {
  project_id: string;
  user_id: number;
  login: string;
  role: ProjectRole;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

/** A project as registered: the Grafana team it stands for, its name, unique slug and description. */
export interface NewProject {
  teamId: number;
  name: string;
  slug: string;
  description: string;
}

/** The fields of a project to change; an absent one keeps its value. */
export interface ProjectChanges {
  name?: string;
  description?: string;
  isActive?: boolean;
}

/** A role override of one user in a project. */
export interface MemberOverride {
  userId: number;
  login: string;
  role: ProjectRole;
  createdBy: string;
}

const COLUMNS = `id, org_id::int8 AS org_id, team_id::int8 AS team_id, name, slug, description, is_active, created_at, updated_at`;
const MEMBER_COLUMNS = 'project_id, user_id::int8 AS user_id, login, role, created_by, created_at, updated_at';

/** The ids of the Grafana teams of the org that are registered as projects. */
export async function listProjectTeamIds(tx: Queryable, orgId: number): Promise<number[]> {
  const result = await tx.query<{ team_id: number }>(
    'SELECT team_id::int8 AS team_id FROM projects WHERE org_id = $1',
    [orgId]
  );
  return result.rows.map((r) => r.team_id);
}

/** Every project of the org, by name. */
export async function listProjects(tx: Queryable, orgId: number): Promise<ProjectRow[]> {
  return (await tx.query<ProjectRow>(`SELECT ${COLUMNS} FROM projects WHERE org_id = $1 ORDER BY name, id`, [orgId]))
    .rows;
}

/** The project, or undefined when the org has none with this id. */
export async function findProject(tx: Queryable, scope: TenantScope<string>): Promise<ProjectRow | undefined> {
  return (
    await tx.query<ProjectRow>(`SELECT ${COLUMNS} FROM projects WHERE id = $1 AND org_id = $2`, [
      scope.projectId,
      scope.orgId,
    ])
  ).rows[0];
}

/** How many projects of the org have this slug (0 or 1). */
export async function countProjectsWithSlug(tx: Queryable, orgId: number, slug: string): Promise<number> {
  return (
    await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM projects WHERE org_id = $1 AND slug = $2', [
      orgId,
      slug,
    ])
  ).rows[0]!.n;
}

/** Registers a team as a project of the org; null when the team (or the slug) is already taken. */
export async function insertProject(tx: Queryable, orgId: number, project: NewProject): Promise<ProjectRow | null> {
  const row = (
    await tx.query<ProjectRow>(
      `INSERT INTO projects (org_id, team_id, name, slug, description) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [orgId, project.teamId, project.name, project.slug, project.description]
    )
  ).rows[0];
  return row ?? null;
}

/** Applies the changes given; undefined when there is no such project. */
export async function updateProject(
  tx: Queryable,
  scope: TenantScope<string>,
  changes: ProjectChanges
): Promise<ProjectRow | undefined> {
  return (
    await tx.query<ProjectRow>(
      `UPDATE projects SET name = coalesce($3, name), description = coalesce($4, description),
              is_active = coalesce($5, is_active), updated_at = now()
        WHERE id = $1 AND org_id = $2 RETURNING ${COLUMNS}`,
      [scope.projectId, scope.orgId, changes.name ?? null, changes.description ?? null, changes.isActive ?? null]
    )
  ).rows[0];
}

/**
 * Points the transaction's tenant context at one project, so that rows of that project (its audit chain) can be
 * written while the transaction runs at org level; `leaveProjectContext` returns to the org.
 */
export async function enterProjectContext(tx: Queryable, projectId: string): Promise<void> {
  await tx.query(`SELECT set_config('app.project_id', $1, true)`, [projectId]);
}

/** Returns the transaction's tenant context to org level (no project). */
export async function leaveProjectContext(tx: Queryable): Promise<void> {
  await tx.query(`SELECT set_config('app.project_id', '', true)`);
}

/** The user's role overrides in the org's projects, by project id. */
export async function listMemberRolesOfUser(
  tx: Queryable,
  orgId: number,
  userId: number
): Promise<Map<string, ProjectRole>> {
  const result = await tx.query<MemberRow>(
    'SELECT project_id, role FROM project_members WHERE org_id = $1 AND user_id = $2',
    [orgId, userId]
  );
  return new Map(result.rows.map((r) => [r.project_id, r.role]));
}

/** The user's role override in the project, or null when there is none. */
export async function findMemberRole(
  tx: Queryable,
  scope: TenantScope<string>,
  userId: number
): Promise<ProjectRole | null> {
  const row = (
    await tx.query<MemberRow>(
      'SELECT role FROM project_members WHERE project_id = $1 AND org_id = $2 AND user_id = $3',
      [scope.projectId, scope.orgId, userId]
    )
  ).rows[0];
  return row?.role ?? null;
}

/** The project's role overrides, by login. */
export async function listMembers(tx: Queryable, scope: TenantScope<string>): Promise<ProjectMember[]> {
  const result = await tx.query<MemberRow>(
    `SELECT ${MEMBER_COLUMNS}
       FROM project_members WHERE project_id = $1 AND org_id = $2 ORDER BY login, user_id`,
    [scope.projectId, scope.orgId]
  );
  return result.rows.map(presentMember);
}

/** Sets a user's role override; an empty login keeps the one stored. */
export async function upsertMember(
  tx: Queryable,
  scope: TenantScope<string>,
  member: MemberOverride
): Promise<ProjectMember> {
  const row = (
    await tx.query<MemberRow>(
      `INSERT INTO project_members (org_id, project_id, user_id, login, role, created_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (project_id, user_id) DO UPDATE
         SET role = EXCLUDED.role, login = coalesce(nullif(EXCLUDED.login, ''), project_members.login), updated_at = now()
       RETURNING ${MEMBER_COLUMNS}`,
      [scope.orgId, scope.projectId, member.userId, member.login, member.role, member.createdBy]
    )
  ).rows[0]!;
  return presentMember(row);
}

/** Removes a user's role override from the project. */
export async function deleteMember(tx: Queryable, scope: TenantScope<string>, userId: number): Promise<void> {
  await tx.query('DELETE FROM project_members WHERE project_id = $1 AND org_id = $2 AND user_id = $3', [
    scope.projectId,
    scope.orgId,
    userId,
  ]);
}

/** A project as the API shows it to a caller with `role`. */
export function presentProject(row: ProjectRow, role: ProjectRole): Project {
  return {
    id: row.id,
    orgId: row.org_id,
    teamId: row.team_id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    isActive: row.is_active,
    role,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function presentMember(row: MemberRow): ProjectMember {
  return {
    userId: row.user_id,
    login: row.login,
    role: row.role,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
