import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { PLUGIN_ID } from '../constants';
import { toApiError } from './errors';
import type {
  AuditListQuery,
  AuditLogPage,
  AuditVerifyResult,
  CreatedIngestToken,
  CreateIncidentBody,
  CreateIngestTokenBody,
  CreateIntegrationBody,
  Incident,
  IncidentDetail,
  IncidentEvent,
  IncidentListQuery,
  IncidentPage,
  IngestTokenList,
  Integration,
  IntegrationList,
  IntegrationTestResult,
  Project,
  ProjectContext,
  ProjectHeader,
  ProjectList,
  ProjectMember,
  ProjectMemberList,
  PutMemberBody,
  QueryTemplateList,
  QueryTemplatesBody,
  TransitionBody,
  UpdateIncidentBody,
  UpdateIntegrationBody,
  UpdateProjectBody,
  WhoAmI,
} from './types';

/** The sidecar's API as the browser reaches it: through Grafana's app plugin proxy (the route in plugin.json). */
export const API_BASE_URL = `/api/plugin-proxy/${PLUGIN_ID}/api/v1`;

/** `x-project-id` as `X-Project-Id`: each dash-separated word capitalised, as HTTP headers are usually written. */
type HeaderCase<Name extends string> = Name extends `${infer Word}-${infer Rest}`
  ? `${Capitalize<Word>}-${HeaderCase<Rest>}`
  : Capitalize<Name>;

/**
 * The header that names the project of a project-scoped call: the contract's PROJECT_HEADER, mirrored because only
 * types may be imported from the sidecar. Its type is derived from the contract's, so a renamed header fails the
 * build here.
 */
export const PROJECT_ID_HEADER: HeaderCase<ProjectHeader> = 'X-Project-Id';

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

const incidentPath = (incidentId: string) => `/incidents/${encodeURIComponent(incidentId)}`;

/** One page of the project's incidents, newest first; pass the previous page's `nextCursor` as `cursor`. */
export function listIncidents(projectId: string, query: IncidentListQuery = {}): Promise<IncidentPage> {
  const { status, severity, ...rest } = query;
  // The sidecar takes lists as comma-separated text; an empty list means no filter and is dropped.
  return request('/incidents', {
    projectId,
    params: { ...rest, status: status?.join(','), severity: severity?.join(',') },
  });
}

/** The incident with its signals and timeline (oldest event first). */
export function getIncident(projectId: string, incidentId: string): Promise<IncidentDetail> {
  return request(incidentPath(incidentId), { projectId });
}

/** Declares an incident by hand; it starts as triggered. */
export function createIncident(projectId: string, body: CreateIncidentBody): Promise<Incident> {
  return request('/incidents', { method: 'POST', projectId, data: body });
}

/** Changes title, description, severity or service (null clears the service). */
export function updateIncident(projectId: string, incidentId: string, changes: UpdateIncidentBody): Promise<Incident> {
  return request(incidentPath(incidentId), { method: 'PATCH', projectId, data: changes });
}

/** Moves the incident to `body.to`, one of its `allowedTransitions`; the note goes into the timeline. */
export function transitionIncident(projectId: string, incidentId: string, body: TransitionBody): Promise<Incident> {
  return request(`${incidentPath(incidentId)}/transitions`, { method: 'POST', projectId, data: body });
}

/** Adds a comment to the incident's timeline and returns the new timeline event. */
export function commentOnIncident(projectId: string, incidentId: string, body: string): Promise<IncidentEvent> {
  return request(`${incidentPath(incidentId)}/comments`, { method: 'POST', projectId, data: { body } });
}

/** The project's ingest tokens, revoked ones included; the tokens themselves are never returned. */
export function listIngestTokens(projectId: string): Promise<IngestTokenList> {
  return request('/ingest-tokens', { projectId });
}

/** Creates an ingest token; the answer carries the token, which the sidecar does not show again. */
export function createIngestToken(projectId: string, body: CreateIngestTokenBody): Promise<CreatedIngestToken> {
  return request('/ingest-tokens', { method: 'POST', projectId, data: body });
}

/** Revokes an ingest token: senders that use it are refused from then on. */
export async function revokeIngestToken(projectId: string, tokenId: string): Promise<void> {
  await request(`/ingest-tokens/${encodeURIComponent(tokenId)}`, { method: 'DELETE', projectId });
}

const integrationPath = (integrationId: string) => `/integrations/${encodeURIComponent(integrationId)}`;

/** The project's integrations (Prometheus and others); secrets only as the names in `secretFields`. */
export function listIntegrations(projectId: string): Promise<IntegrationList> {
  return request('/integrations', { projectId });
}

/** Creates a project integration (project admins); the sidecar checks the config for the type. */
export function createIntegration(projectId: string, body: CreateIntegrationBody): Promise<Integration> {
  return request('/integrations', { method: 'POST', projectId, data: body });
}

/** Changes name, config (replaced as a whole) or secrets (a value sets one, null removes it, others stay). */
export function updateIntegration(
  projectId: string,
  integrationId: string,
  changes: UpdateIntegrationBody
): Promise<Integration> {
  return request(integrationPath(integrationId), { method: 'PATCH', projectId, data: changes });
}

export async function deleteIntegration(projectId: string, integrationId: string): Promise<void> {
  await request(integrationPath(integrationId), { method: 'DELETE', projectId });
}

/** Asks the integration's Prometheus for its version and the `up` series, with the saved settings. */
export function testIntegration(projectId: string, integrationId: string): Promise<IntegrationTestResult> {
  return request(`${integrationPath(integrationId)}/test`, { method: 'POST', projectId });
}

/** The project's PromQL templates: its own, or the defaults (`source`), with the interval each runs at. */
export function getQueryTemplates(projectId: string): Promise<QueryTemplateList> {
  return request('/query-templates', { projectId });
}

/** Replaces the project's templates (project admins); the sidecar validates them. */
export function putQueryTemplates(projectId: string, body: QueryTemplatesBody): Promise<QueryTemplateList> {
  return request('/query-templates', { method: 'PUT', projectId, data: body });
}

/** Drops the project's own templates: the defaults apply again. */
export function resetQueryTemplates(projectId: string): Promise<QueryTemplateList> {
  return request('/query-templates', { method: 'DELETE', projectId });
}
