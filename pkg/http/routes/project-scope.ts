import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PROJECT_HEADER } from '../../contract/index.ts';
import type { ProjectRole } from '../../core/project-role.ts';
import type { TenantScope } from '../../core/tenant-scope.ts';
import { badRequest, forbidden } from '../../services/errors.ts';
import type { ProjectsService } from '../../services/projects.ts';
import { header } from '../request-headers.ts';

const projectId = z.uuid();

/**
 * The scope a project-scoped call acts in: the project named by the X-Project-Id header (the caller needs
 * `required` there, and the call counts against the project's rate limit), or with `scope=org` the org itself
 * (org Admins only).
 */
export async function resolveScope(
  request: FastifyRequest,
  projects: ProjectsService,
  scope: 'project' | 'org',
  required: ProjectRole
): Promise<TenantScope> {
  const caller = request.caller;
  if (scope === 'org') {
    if (caller.orgRole !== 'Admin') {
      throw forbidden('org-level resources need the org Admin role');
    }
    return { orgId: caller.orgId, projectId: null };
  }
  const given = header(request, PROJECT_HEADER);
  if (!given) {
    throw badRequest(`${PROJECT_HEADER}: header required (the project from POST /api/v1/auth/switch-project)`);
  }
  if (!projectId.safeParse(given).success) {
    throw badRequest(`${PROJECT_HEADER}: must be a UUID`);
  }
  await projects.access(caller, given, required);
  request.chargeProject(given);
  return { orgId: caller.orgId, projectId: given };
}
