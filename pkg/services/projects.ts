import type { CreateProjectBody, Project, ProjectContext, ProjectMember, PutMemberBody, UpdateProjectBody } from '../contract/index.ts';
import { canGrantRole, deriveProjectRole, hasProjectRole, projectPermissions, slugify, type ProjectRole } from '../core/project-role.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import { appendAudit } from './audit.ts';
import { actorOf, type Caller } from './caller.ts';
import { badRequest, conflict, forbidden, notFound } from './errors.ts';
import type { TeamDirectory } from './team-directory.ts';

interface ProjectRow {
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

const COLUMNS = `id, org_id::int8 AS org_id, team_id::int8 AS team_id, name, slug, description, is_active, created_at, updated_at`;

export interface ProjectAccess {
  project: Project;
  role: ProjectRole;
}

/**
 * Projects are Grafana teams. A caller's projects are their teams (registered on first sight) and the projects
 * where they have a role override; an org Admin sees every project of the org.
 */
export class ProjectsService {
  private readonly db: Database;
  private readonly teams: TeamDirectory;
  private readonly clock: () => Date;

  constructor(deps: { db: Database; teams: TeamDirectory; clock: () => Date }) {
    this.db = deps.db;
    this.teams = deps.teams;
    this.clock = deps.clock;
  }

  async listForCaller(caller: Caller): Promise<Project[]> {
    const teamIds = await this.teams.teamIdsOf(caller);
    const known = await this.db.withTenant({ orgId: caller.orgId, projectId: null }, async (tx) =>
      new Set(
        (await tx.query<{ team_id: number }>('SELECT team_id::int8 AS team_id FROM projects WHERE org_id = $1', [caller.orgId]))
          .rows.map((r) => r.team_id)
      )
    );
    // Team names come from Grafana, outside any transaction; then the new teams are registered.
    const newTeams: Array<{ teamId: number; name: string }> = [];
    for (const teamId of teamIds.filter((t) => !known.has(t))) {
      const team = await this.teams.team(caller.orgId, teamId);
      if (team !== null) {
        newTeams.push({ teamId, name: team?.name ?? `Team ${teamId}` });
      }
    }
    const { rows, overrides } = await this.db.withTenant({ orgId: caller.orgId, projectId: null }, async (tx) => {
      for (const { teamId, name } of newTeams) {
        await this.insertProject(tx, caller, teamId, name, '', true);
      }
      const overrides = new Map(
        (
          await tx.query<MemberRow>('SELECT project_id, role FROM project_members WHERE org_id = $1 AND user_id = $2', [
            caller.orgId,
            caller.userId,
          ])
        ).rows.map((r) => [r.project_id, r.role])
      );
      const rows = (
        await tx.query<ProjectRow>(`SELECT ${COLUMNS} FROM projects WHERE org_id = $1 ORDER BY name, id`, [caller.orgId])
      ).rows;
      return { rows, overrides };
    });
    const result: Project[] = [];
    for (const row of rows) {
      const role = await this.roleFor(caller, row, teamIds, overrides.get(row.id) ?? null);
      if (role && (row.is_active || hasProjectRole(role, 'admin'))) {
        result.push(present(row, role));
      }
    }
    return result;
  }

  /** The project if the caller may see it (404 otherwise, so existence does not leak), with their role. */
  async access(caller: Caller, projectId: string, required: ProjectRole = 'viewer'): Promise<ProjectAccess> {
    const found = await this.db.withTenant({ orgId: caller.orgId, projectId }, async (tx) => {
      const row = (
        await tx.query<ProjectRow>(`SELECT ${COLUMNS} FROM projects WHERE id = $1 AND org_id = $2`, [projectId, caller.orgId])
      ).rows[0];
      const override = (
        await tx.query<MemberRow>('SELECT role FROM project_members WHERE project_id = $1 AND org_id = $2 AND user_id = $3', [
          projectId,
          caller.orgId,
          caller.userId,
        ])
      ).rows[0];
      return row ? { row, override: override?.role ?? null } : null;
    });
    if (!found) {
      throw notFound('project');
    }
    const teamIds = await this.teams.teamIdsOf(caller);
    const role = await this.roleFor(caller, found.row, teamIds, found.override);
    if (!role || (!found.row.is_active && !hasProjectRole(role, 'admin'))) {
      throw notFound('project');
    }
    if (!hasProjectRole(role, required)) {
      throw forbidden(`this needs the ${required} role in the project; yours is ${role}`);
    }
    return { project: present(found.row, role), role };
  }

  async switchTo(caller: Caller, projectId: string): Promise<ProjectContext> {
    const { project, role } = await this.access(caller, projectId);
    return {
      project,
      role,
      permissions: projectPermissions(role),
      user: { id: caller.userId, login: caller.login, name: caller.name, orgId: caller.orgId, orgRole: caller.orgRole },
    };
  }

  /** Registers a team as a project: org Admins, and team Admins of that team. */
  async create(caller: Caller, body: CreateProjectBody): Promise<Project> {
    const team = await this.teams.team(caller.orgId, body.teamId);
    if (team === null) {
      throw badRequest(`teamId: Grafana has no team ${body.teamId} in this org`);
    }
    if (caller.orgRole !== 'Admin') {
      const isAdmin = await this.teams.isTeamAdmin(caller.orgId, body.teamId, caller.userId);
      if (!isAdmin) {
        throw forbidden('registering a team as a project needs org Admin, or Admin of that team');
      }
    }
    const name = body.name ?? team?.name ?? `Team ${body.teamId}`;
    const row = await this.db.withTenant({ orgId: caller.orgId, projectId: null }, async (tx) => {
      const created = await this.insertProject(tx, caller, body.teamId, name, body.description ?? '', false);
      if (!created) {
        throw conflict(`team ${body.teamId} is already a project`);
      }
      return created;
    });
    return present(row, caller.orgRole === 'Admin' ? 'owner' : 'admin');
  }

  async update(caller: Caller, projectId: string, body: UpdateProjectBody): Promise<Project> {
    const { role } = await this.access(caller, projectId, 'admin');
    const row = await this.db.withTenant({ orgId: caller.orgId, projectId }, async (tx) => {
      const updated = (
        await tx.query<ProjectRow>(
          `UPDATE projects SET name = coalesce($3, name), description = coalesce($4, description),
                  is_active = coalesce($5, is_active), updated_at = now()
            WHERE id = $1 AND org_id = $2 RETURNING ${COLUMNS}`,
          [projectId, caller.orgId, body.name ?? null, body.description ?? null, body.isActive ?? null]
        )
      ).rows[0];
      if (!updated) {
        throw notFound('project');
      }
      await appendAudit(
        tx,
        { orgId: caller.orgId, projectId },
        actorOf(caller),
        { action: 'project.updated', resourceType: 'project', resourceId: projectId, details: { changes: body } },
        this.clock()
      );
      return updated;
    });
    return present(row, role);
  }

  async listMembers(caller: Caller, projectId: string): Promise<ProjectMember[]> {
    await this.access(caller, projectId);
    const rows = await this.db.withTenant({ orgId: caller.orgId, projectId }, async (tx) =>
      (
        await tx.query<MemberRow>(
          `SELECT project_id, user_id::int8 AS user_id, login, role, created_by, created_at, updated_at
             FROM project_members WHERE project_id = $1 AND org_id = $2 ORDER BY login, user_id`,
          [projectId, caller.orgId]
        )
      ).rows
    );
    return rows.map(presentMember);
  }

  async putMember(caller: Caller, projectId: string, userId: number, body: PutMemberBody): Promise<ProjectMember> {
    const { role } = await this.access(caller, projectId, 'admin');
    if (!canGrantRole(role, body.role)) {
      throw forbidden(`your role (${role}) cannot grant ${body.role}`);
    }
    const row = await this.db.withTenant({ orgId: caller.orgId, projectId }, async (tx) => {
      const existing = await this.loadMember(tx, caller.orgId, projectId, userId);
      if (existing && !canGrantRole(role, existing.role)) {
        throw forbidden(`your role (${role}) cannot change a ${existing.role}`);
      }
      const saved = (
        await tx.query<MemberRow>(
          `INSERT INTO project_members (org_id, project_id, user_id, login, role, created_by)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (project_id, user_id) DO UPDATE
             SET role = EXCLUDED.role, login = coalesce(nullif(EXCLUDED.login, ''), project_members.login), updated_at = now()
           RETURNING project_id, user_id::int8 AS user_id, login, role, created_by, created_at, updated_at`,
          [caller.orgId, projectId, userId, body.login ?? '', body.role, actorOf(caller).id]
        )
      ).rows[0]!;
      await appendAudit(
        tx,
        { orgId: caller.orgId, projectId },
        actorOf(caller),
        {
          action: existing ? 'member.updated' : 'member.added',
          resourceType: 'project_member',
          resourceId: String(userId),
          details: { role: body.role, previousRole: existing?.role ?? null },
        },
        this.clock()
      );
      return saved;
    });
    return presentMember(row);
  }

  async removeMember(caller: Caller, projectId: string, userId: number): Promise<void> {
    const { role } = await this.access(caller, projectId, 'admin');
    await this.db.withTenant({ orgId: caller.orgId, projectId }, async (tx) => {
      const existing = await this.loadMember(tx, caller.orgId, projectId, userId);
      if (!existing) {
        throw notFound('member override');
      }
      if (!canGrantRole(role, existing.role)) {
        throw forbidden(`your role (${role}) cannot remove a ${existing.role}`);
      }
      await tx.query('DELETE FROM project_members WHERE project_id = $1 AND org_id = $2 AND user_id = $3', [
        projectId,
        caller.orgId,
        userId,
      ]);
      await appendAudit(
        tx,
        { orgId: caller.orgId, projectId },
        actorOf(caller),
        { action: 'member.removed', resourceType: 'project_member', resourceId: String(userId), details: { role: existing.role } },
        this.clock()
      );
    });
  }

  private async roleFor(
    caller: Caller,
    row: ProjectRow,
    teamIds: number[],
    override: ProjectRole | null
  ): Promise<ProjectRole | null> {
    const isTeamMember = teamIds.includes(row.team_id);
    const needsAdminCheck = isTeamMember && caller.orgRole !== 'Admin' && override === null;
    return deriveProjectRole({
      orgRole: caller.orgRole,
      isTeamMember,
      isTeamAdmin: needsAdminCheck ? await this.teams.isTeamAdmin(caller.orgId, row.team_id, caller.userId) : null,
      override,
    });
  }

  private async loadMember(tx: Queryable, orgId: number, projectId: string, userId: number) {
    return (
      await tx.query<MemberRow>('SELECT role FROM project_members WHERE project_id = $1 AND org_id = $2 AND user_id = $3', [
        projectId,
        orgId,
        userId,
      ])
    ).rows[0];
  }

  /** Inserts a project and audits it in its own chain; null when the team is already a project. */
  private async insertProject(
    tx: Queryable,
    caller: Caller,
    teamId: number,
    name: string,
    description: string,
    automatic: boolean
  ): Promise<ProjectRow | null> {
    const base = slugify(name, `team-${teamId}`);
    const taken = (
      await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM projects WHERE org_id = $1 AND slug = $2', [caller.orgId, base])
    ).rows[0]!.n;
    const slug = taken ? `${base.slice(0, 50)}-${teamId}` : base;
    const row = (
      await tx.query<ProjectRow>(
        `INSERT INTO projects (org_id, team_id, name, slug, description) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
        [caller.orgId, teamId, name.slice(0, 200), slug, description]
      )
    ).rows[0];
    if (!row) {
      return null;
    }
    // The audit row belongs to the new project's chain: switch the transaction's project context to it.
    await tx.query(`SELECT set_config('app.project_id', $1, true)`, [row.id]);
    await appendAudit(
      tx,
      { orgId: caller.orgId, projectId: row.id },
      actorOf(caller),
      { action: 'project.registered', resourceType: 'project', resourceId: row.id, details: { teamId, name, automatic } },
      this.clock()
    );
    await tx.query(`SELECT set_config('app.project_id', '', true)`);
    return row;
  }
}

function present(row: ProjectRow, role: ProjectRole): Project {
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
