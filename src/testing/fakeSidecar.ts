/** Test helpers: answers for a mocked `getBackendSrv().fetch`, in the shapes Grafana's backend service uses. */
import type { BackendSrvRequest } from '@grafana/runtime';
import { Observable, of, throwError } from 'rxjs';
import {
  API_BASE_URL,
  type ErrorCode,
  type Permissions,
  type Project,
  type ProjectContext,
  type ProjectRoleName,
} from '../api';

type Responder = (request: BackendSrvRequest) => Observable<unknown>;

/** A successful answer with `data` as the body. */
export const answer =
  (data: unknown): Responder =>
  () =>
    of({ data, status: 200, ok: true });

/** The sidecar's error body with its status. */
export const sidecarError =
  (status: number, code: ErrorCode, message: string, requestId = 'req-test'): Responder =>
  (request) =>
    throwError(() => ({ status, statusText: '', data: { error: { code, message, requestId } }, config: request }));

/**
 * A fetch implementation that answers by `"METHOD /path"` (the path below /api/v1, without the query); anything
 * else is a 404 as the sidecar would give it.
 */
export function routeSidecar(routes: Record<string, Responder>) {
  return (request: BackendSrvRequest) => {
    const key = `${request.method ?? 'GET'} ${request.url.replace(API_BASE_URL, '')}`;
    const respond = routes[key] ?? sidecarError(404, 'not_found', `no route ${key}`);
    return respond(request);
  };
}

let projectCount = 0;

export function makeProject(overrides: Partial<Project> = {}): Project {
  projectCount += 1;
  const n = projectCount;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    orgId: 1,
    teamId: 10 + n,
    name: `Project ${n}`,
    slug: `project-${n}`,
    description: '',
    isActive: true,
    role: 'viewer',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const PERMISSIONS: Record<ProjectRoleName, Permissions> = {
  owner: { read: true, write: true, manageProject: true, manageMembers: true, manageIntegrations: true },
  admin: { read: true, write: true, manageProject: true, manageMembers: true, manageIntegrations: true },
  engineer: { read: true, write: true, manageProject: false, manageMembers: false, manageIntegrations: false },
  viewer: { read: true, write: false, manageProject: false, manageMembers: false, manageIntegrations: false },
};

/** What POST /auth/switch-project answers for `project`. */
export function makeProjectContext(project: Project): ProjectContext {
  return {
    project,
    role: project.role,
    permissions: PERMISSIONS[project.role],
    user: { id: 7, login: 'alice', name: 'Alice', orgId: project.orgId, orgRole: 'Editor' },
  };
}

/** Routes for GET /projects and POST /auth/switch-project over `projects`. */
export function projectRoutes(projects: Project[]): Record<string, Responder> {
  return {
    'GET /projects': answer({ items: projects }),
    'POST /auth/switch-project': (request) => {
      const project = projects.find((p) => p.id === request.data?.projectId);
      return project
        ? answer(makeProjectContext(project))(request)
        : sidecarError(404, 'not_found', 'project not found')(request);
    },
  };
}
