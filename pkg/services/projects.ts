import type {
  CreateProjectBody,
  Project,
  ProjectContext,
  ProjectMember,
  PutMemberBody,
  UpdateProjectBody,
} from '../contract/index.ts';
import {
  canGrantRole,
  deriveProjectRole,
  hasProjectRole,
  memberChangeRefusal,
  projectPermissions,
  slugify,
  type MemberStanding,
  type ProjectRole,
} from '../core/project-role.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import {
  countProjectsWithSlug,
  deleteMember,
  enterProjectContext,
  findMemberRole,
  findProject,
  insertProject,
  leaveProjectContext,
  listMemberRolesOfUser,
  listMembers,
  listProjects,
  listProjectTeamIds,
  presentProject,
  updateProject,
  upsertMember,
  type ProjectRow,
} from '../adapters/db/repositories/projects.ts';
import type { AuditService } from './audit.ts';
import { actorOf, type Caller } from './caller.ts';
import { badRequest, conflict, forbidden, notFound } from './errors.ts';
import type { TeamDirectory } from './team-directory.ts';

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
  private readonly audit: AuditService;

  constructor(deps: { db: Database; teams: TeamDirectory; clock: () => Date; audit: AuditService }) {
    this.db = deps.db;
    this.teams = deps.teams;
    this.clock = deps.clock;
    this.audit = deps.audit;
  }

  async listForCaller(caller: Caller): Promise<Project[]> {
    const teamIds = await this.teams.teamIdsOf(caller);
    const known = await this.db.withTenant(
      { orgId: caller.orgId, projectId: null },
      async (tx) => new Set(await listProjectTeamIds(tx, caller.orgId))
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
      const overrides = await listMemberRolesOfUser(tx, caller.orgId, caller.userId);
      const rows = await listProjects(tx, caller.orgId);
      return { rows, overrides };
    });
    const result: Project[] = [];
    for (const row of rows) {
      const role = await this.roleFor(caller, row, teamIds, overrides.get(row.id) ?? null);
      if (role && (row.is_active || hasProjectRole(role, 'admin'))) {
        result.push(presentProject(row, role));
      }
    }
    return result;
  }

  /** The project if the caller may see it (404 otherwise, so existence does not leak), with their role. */
  async access(caller: Caller, projectId: string, required: ProjectRole = 'viewer'): Promise<ProjectAccess> {
    const scope = { orgId: caller.orgId, projectId };
    const found = await this.db.withTenant(scope, async (tx) => {
      const row = await findProject(tx, scope);
      const override = await findMemberRole(tx, scope, caller.userId);
      return row ? { row, override } : null;
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
    return { project: presentProject(found.row, role), role };
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
    return presentProject(row, caller.orgRole === 'Admin' ? 'owner' : 'admin');
  }

  async update(caller: Caller, projectId: string, body: UpdateProjectBody): Promise<Project> {
    const { role } = await this.access(caller, projectId, 'admin');
    const scope = { orgId: caller.orgId, projectId };
    const row = await this.db.withTenant(scope, async (tx) => {
      const updated = await updateProject(tx, scope, body);
      if (!updated) {
        throw notFound('project');
      }
      await this.audit.append(
        tx,
        scope,
        actorOf(caller),
        { action: 'project.updated', resourceType: 'project', resourceId: projectId, details: { changes: body } },
        this.clock()
      );
      return updated;
    });
    return presentProject(row, role);
  }

  async listMembers(caller: Caller, projectId: string): Promise<ProjectMember[]> {
    await this.access(caller, projectId);
    const scope = { orgId: caller.orgId, projectId };
    return this.db.withTenant(scope, (tx) => listMembers(tx, scope));
  }

  async putMember(caller: Caller, projectId: string, userId: number, body: PutMemberBody): Promise<ProjectMember> {
    const { project, role } = await this.access(caller, projectId, 'admin');
    if (!canGrantRole(role, body.role)) {
      throw forbidden(`your role (${role}) cannot grant ${body.role}`);
    }
    const derived = await this.derivedRoleOf(caller, project.teamId, userId);
    const scope = { orgId: caller.orgId, projectId };
    return this.db.withTenant(scope, async (tx) => {
      const existing = await findMemberRole(tx, scope, userId);
      this.assertMayChange(caller, role, { effective: existing ?? derived, derived }, body.role);
      const saved = await upsertMember(tx, scope, {
        userId,
        login: body.login ?? '',
        role: body.role,
        createdBy: actorOf(caller).id,
      });
      await this.audit.append(
        tx,
        scope,
        actorOf(caller),
        {
          action: existing ? 'member.updated' : 'member.added',
          resourceType: 'project_member',
          resourceId: String(userId),
          details: { role: body.role, previousRole: existing },
        },
        this.clock()
      );
      return saved;
    });
  }

  async removeMember(caller: Caller, projectId: string, userId: number): Promise<void> {
    const { project, role } = await this.access(caller, projectId, 'admin');
    const derived = await this.derivedRoleOf(caller, project.teamId, userId);
    const scope = { orgId: caller.orgId, projectId };
    await this.db.withTenant(scope, async (tx) => {
      const existing = await findMemberRole(tx, scope, userId);
      if (!existing) {
        throw notFound('member override');
      }
      this.assertMayChange(caller, role, { effective: existing, derived }, null);
      await deleteMember(tx, scope, userId);
      await this.audit.append(
        tx,
        scope,
        actorOf(caller),
        {
          action: 'member.removed',
          resourceType: 'project_member',
          resourceId: String(userId),
          details: { role: existing },
        },
        this.clock()
      );
    });
  }

  /**
   * The role Grafana gives a member of the project's team without an override, as far as a granter needs it: admin
   * for a team Admin, else null. Asked outside any transaction; an org Admin's changes need no answer.
   */
  private async derivedRoleOf(caller: Caller, teamId: number, userId: number): Promise<ProjectRole | null> {
    if (caller.orgRole === 'Admin') {
      return null;
    }
    return (await this.teams.isTeamAdmin(caller.orgId, teamId, userId)) ? 'admin' : null;
  }

  private assertMayChange(caller: Caller, role: ProjectRole, member: MemberStanding, next: ProjectRole | null): void {
    const refusal = memberChangeRefusal({ role, isOrgAdmin: caller.orgRole === 'Admin' }, member, next);
    if (refusal) {
      throw forbidden(refusal);
    }
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
    const taken = await countProjectsWithSlug(tx, caller.orgId, base);
    const slug = taken ? `${base.slice(0, 50)}-${teamId}` : base;
    const row = await insertProject(tx, caller.orgId, { teamId, name: name.slice(0, 200), slug, description });
    if (!row) {
      return null;
    }
    // The audit row belongs to the new project's chain: switch the transaction's project context to it.
    await enterProjectContext(tx, row.id);
    await this.audit.append(
      tx,
      { orgId: caller.orgId, projectId: row.id },
      actorOf(caller),
      {
        action: 'project.registered',
        resourceType: 'project',
        resourceId: row.id,
        details: { teamId, name, automatic },
      },
      this.clock()
    );
    await leaveProjectContext(tx);
    return row;
  }
}
