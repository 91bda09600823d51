import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { PLUGIN_ID } from '../constants';
import { toApiError } from './errors';
import type {
  AuditListQuery,
  AuditLogPage,
  AuditVerifyResult,
  Project,
  ProjectContext,
  ProjectList,
  ProjectMember,
  ProjectMemberList,
  PutMemberBody,
  UpdateProjectBody,
  WhoAmI,
} from './types';

/** The sidecar's API as the browser reaches it: through Grafana's app plugin proxy (the route in plugin.json). */
export const API_BASE_URL = `/api/plugin-proxy/${PLUGIN_ID}/api/v1`;

/**
 * The header that names the project of a project-scoped call (the contract's PROJECT_HEADER; mirrored because
 * only types may be imported from the sidecar).
 */
export const PROJECT_ID_HEADER = 'X-Project-Id';

type QueryValue = string | number | undefined;

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as X-Project-Id. */
  projectId?: string;
  params?: Record<string, QueryValue>;
  data?: unknown;
}

/** Drops unset and empty parameters, so that the sidecar sees only the filters that were given. */
function cleanParams(params: Record<string, QueryValue> | undefined): Record<string, string | number> | undefined {
  if (!params) {
    return undefined;
  }
  const clean: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      clean[key] = value;
    }
  }
  return clean;
}

async function request<T>(path: string, { method = 'GET', projectId, params, data }: RequestOptions = {}): Promise<T> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: `${API_BASE_URL}${path}`,
        method,
        params: cleanParams(params),
        data,
        headers: projectId ? { [PROJECT_ID_HEADER]: projectId } : undefined,
        // The pages show errors where they happen; Grafana's toasts would repeat them out of context.
        showErrorAlert: false,
        showSuccessAlert: false,
        // Ids go into paths: refuse anything that would walk out of the API's path.
        validatePath: true,
      })
    );
    return response.data;
  } catch (error) {
    throw toApiError(error);
  }
}

const projectPath = (projectId: string) => `/projects/${encodeURIComponent(projectId)}`;

/** Who the sidecar takes the caller for; the configuration page's connection test. */
export function whoami(): Promise<WhoAmI> {
  return request('/whoami');
}

/** The caller's projects (their Grafana teams; every project for org Admins), each with the caller's role. */
export function listProjects(): Promise<ProjectList> {
  return request('/projects');
}

/** Makes `projectId` the current project: its details, the caller's role and what that role may do. */
export function switchProject(projectId: string): Promise<ProjectContext> {
  return request('/auth/switch-project', { method: 'POST', data: { projectId } });
}

export function getProject(projectId: string): Promise<Project> {
  return request(projectPath(projectId), { projectId });
}

export function updateProject(projectId: string, changes: UpdateProjectBody): Promise<Project> {
  return request(projectPath(projectId), { method: 'PATCH', projectId, data: changes });
}

/** The project's role overrides: users whose role is set here rather than derived from their team and org role. */
export function listMembers(projectId: string): Promise<ProjectMemberList> {
  return request(`${projectPath(projectId)}/members`, { projectId });
}

/** Sets (adds or changes) a user's role override. */
export function putMember(projectId: string, userId: number, body: PutMemberBody): Promise<ProjectMember> {
  return request(`${projectPath(projectId)}/members/${userId}`, { method: 'PUT', projectId, data: body });
}

export async function removeMember(projectId: string, userId: number): Promise<void> {
  await request(`${projectPath(projectId)}/members/${userId}`, { method: 'DELETE', projectId });
}

/** One page of the project's audit log, newest first; pass the previous page's `nextCursor` as `cursor`. */
export function listAudit(projectId: string, query: AuditListQuery = {}): Promise<AuditLogPage> {
  return request('/audit', { projectId, params: { ...query } });
}

/** Walks the project's audit hash chain and reports the first broken link. */
export function verifyAudit(projectId: string): Promise<AuditVerifyResult> {
  return request('/audit/verify', { projectId });
}
