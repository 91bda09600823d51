/**
 * The API's OpenAPI 3.1 document, generated from the contract's zod schemas. One table lists every route the
 * sidecar serves; request parameters and bodies are the schemas the routes parse with, so the document describes
 * what the sidecar accepts. Success answers name their contract type in the description: the contract declares them
 * as TypeScript interfaces, which have no runtime form to render. Every error answer is an ErrorBody, which has a
 * schema.
 */
import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import {
  alertmanagerWebhook,
  auditCheckpointsQuery,
  auditQuery,
  auditVerifyBody,
  auditVerifyQuery,
  commentBody,
  createIncidentBody,
  createIngestTokenBody,
  createIntegrationBody,
  createProjectBody,
  deploymentBody,
  errorBodySchema,
  grafanaWebhook,
  incidentListQuery,
  incidentParams,
  ingestTokenParams,
  labelSet,
  integrationParams,
  integrationScopeQuery,
  memberParams,
  PROJECT_HEADER,
  projectParams,
  putMemberBody,
  queryTemplatesBody,
  signalsBody,
  streamQuery,
  switchProjectBody,
  transitionBody,
  updateIncidentBody,
  updateIntegrationBody,
  updateProjectBody,
  type ErrorCode,
} from '../contract/index.ts';
import { STATUS_OF } from './errors.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type RequestSchema = z.ZodType<unknown, Record<string, unknown>>;

/**
 * How a route authenticates: `plugin` through Grafana's plugin proxy (the sidecar secret and the caller's Grafana
 * identity), `ingest` with a project's ingest token, `none` for what holds no tenant data.
 */
type Auth = 'plugin' | 'ingest' | 'none';

interface RouteDoc {
  method: Method;
  /** The full path in OpenAPI form, e.g. `/api/v1/projects/{id}`. */
  path: string;
  summary: string;
  tag: string;
  auth: Auth;
  /**
   * The project the call acts in, named by the X-Project-Id header: `required`, or `unless-org` where `scope=org`
   * (in the query, or in the body when creating an integration) acts in the org instead.
   */
  project?: 'required' | 'unless-org';
  params?: RequestSchema;
  query?: RequestSchema;
  body?: z.ZodType;
  /** The success status and what it answers. */
  status: 200 | 201 | 204;
  description: string;
  /** The success body's media type when it is not JSON. */
  contentType?: string;
  /** Error answers beyond the ones every route of its kind may give. */
  errors?: ErrorCode[];
}

const API = '/api/v1';

/** Every route of the sidecar. pkg/http/openapi.test.ts checks this table against the routes the server registers. */
const ROUTES: readonly RouteDoc[] = [
  // System
  {
    method: 'get',
    path: '/health',
    summary: 'Health of the sidecar, its database and the Prometheus integrations it polls',
    tag: 'system',
    auth: 'none',
    status: 200,
    description: 'The health report (Health); `status` is `degraded` when the database or a poll fails',
  },
  {
    method: 'get',
    path: '/metrics',
    summary: "The sidecar's own metrics",
    tag: 'system',
    auth: 'none',
    status: 200,
    description: 'Prometheus exposition format',
    contentType: 'text/plain',
  },
  {
    method: 'get',
    path: `${API}/openapi.json`,
    summary: 'This document',
    tag: 'system',
    auth: 'none',
    status: 200,
    description: 'The OpenAPI 3.1 document of the API',
  },
  {
    method: 'get',
    path: `${API}/whoami`,
    summary: 'Who the sidecar takes the caller for (the connection test of the config page)',
    tag: 'system',
    auth: 'plugin',
    status: 200,
    description: 'The caller (WhoAmI)',
  },

  // Projects
  {
    method: 'get',
    path: `${API}/projects`,
    summary: 'The projects the caller can see',
    tag: 'projects',
    auth: 'plugin',
    status: 200,
    description: 'The projects (ProjectList)',
  },
  {
    method: 'post',
    path: `${API}/projects`,
    summary: 'Create the project of a Grafana team',
    tag: 'projects',
    auth: 'plugin',
    body: createProjectBody,
    status: 201,
    description: 'The new project (Project)',
    errors: ['conflict'],
  },
  {
    method: 'get',
    path: `${API}/projects/{id}`,
    summary: 'One project',
    tag: 'projects',
    auth: 'plugin',
    params: projectParams,
    status: 200,
    description: 'The project (Project)',
  },
  {
    method: 'patch',
    path: `${API}/projects/{id}`,
    summary: "Change a project's name, description or whether it is active",
    tag: 'projects',
    auth: 'plugin',
    params: projectParams,
    body: updateProjectBody,
    status: 200,
    description: 'The changed project (Project)',
  },
  {
    method: 'get',
    path: `${API}/projects/{id}/members`,
    summary: 'The roles set for users of a project',
    tag: 'projects',
    auth: 'plugin',
    params: projectParams,
    status: 200,
    description: 'The members (ProjectMemberList)',
  },
  {
    method: 'put',
    path: `${API}/projects/{id}/members/{userId}`,
    summary: "Set a user's role in a project",
    tag: 'projects',
    auth: 'plugin',
    params: memberParams,
    body: putMemberBody,
    status: 200,
    description: 'The member (ProjectMember)',
  },
  {
    method: 'delete',
    path: `${API}/projects/{id}/members/{userId}`,
    summary: "Remove the role set for a user (the user's role is then derived from Grafana again)",
    tag: 'projects',
    auth: 'plugin',
    params: memberParams,
    status: 204,
    description: 'Removed',
  },
  {
    method: 'post',
    path: `${API}/auth/switch-project`,
    summary: 'Enter a project: the project, the role and what it permits',
    tag: 'projects',
    auth: 'plugin',
    body: switchProjectBody,
    status: 200,
    description: 'The project context (ProjectContext)',
  },

  // Integrations
  {
    method: 'get',
    path: `${API}/integrations`,
    summary: "The project's (or with scope=org the org's) integrations",
    tag: 'integrations',
    auth: 'plugin',
    project: 'unless-org',
    query: integrationScopeQuery,
    status: 200,
    description: 'The integrations, secrets by name only (IntegrationList)',
  },
  {
    method: 'post',
    path: `${API}/integrations`,
    summary: 'Create an integration',
    tag: 'integrations',
    auth: 'plugin',
    project: 'unless-org',
    body: createIntegrationBody,
    status: 201,
    description: 'The new integration (Integration)',
    errors: ['conflict'],
  },
  {
    method: 'get',
    path: `${API}/integrations/{id}`,
    summary: 'One integration',
    tag: 'integrations',
    auth: 'plugin',
    project: 'unless-org',
    params: integrationParams,
    query: integrationScopeQuery,
    status: 200,
    description: 'The integration (Integration)',
  },
  {
    method: 'patch',
    path: `${API}/integrations/{id}`,
    summary: "Change an integration's name, settings or secrets",
    tag: 'integrations',
    auth: 'plugin',
    project: 'unless-org',
    params: integrationParams,
    query: integrationScopeQuery,
    body: updateIntegrationBody,
    status: 200,
    description: 'The changed integration (Integration)',
    errors: ['conflict'],
  },
  {
    method: 'delete',
    path: `${API}/integrations/{id}`,
    summary: 'Delete an integration',
    tag: 'integrations',
    auth: 'plugin',
    project: 'unless-org',
    params: integrationParams,
    query: integrationScopeQuery,
    status: 204,
    description: 'Deleted',
  },
  {
    method: 'post',
    path: `${API}/integrations/{id}/test`,
    summary: 'Reach a Prometheus integration as polling would (build info and `up`)',
    tag: 'integrations',
    auth: 'plugin',
    project: 'unless-org',
    params: integrationParams,
    query: integrationScopeQuery,
    status: 200,
    description: 'What the Prometheus answered; a Prometheus that is down is ok=false (IntegrationTestResult)',
  },

  // Audit
  {
    method: 'get',
    path: `${API}/audit`,
    summary: "A page of the project's (or with scope=org the org's) audit log, newest first",
    tag: 'audit',
    auth: 'plugin',
    project: 'unless-org',
    query: auditQuery,
    status: 200,
    description: 'The page (AuditLogPage)',
  },
  {
    method: 'get',
    path: `${API}/audit/verify`,
    summary: "Verify the audit log's hash chain",
    tag: 'audit',
    auth: 'plugin',
    project: 'unless-org',
    query: auditVerifyQuery,
    status: 200,
    description:
      'Whether the chain is intact (hashes and MACs), and where it breaks; with `checkpoint` (a checkpoint in JSON) ' +
      'also whether rows after it were deleted (AuditVerifyResult)',
  },
  {
    method: 'post',
    path: `${API}/audit/verify`,
    summary: "Verify the audit log's hash chain against a checkpoint given in the body",
    tag: 'audit',
    auth: 'plugin',
    project: 'unless-org',
    body: auditVerifyBody,
    status: 200,
    description: 'Whether the chain is intact and still reaches the checkpoint (AuditVerifyResult)',
  },
  {
    method: 'get',
    path: `${API}/audit/checkpoints`,
    summary: "A page of the audit chain's signed checkpoints, newest first, for export (project admins, org Admins)",
    tag: 'audit',
    auth: 'plugin',
    project: 'unless-org',
    query: auditCheckpointsQuery,
    status: 200,
    description: 'The page (AuditCheckpointPage)',
  },

  // Incidents
  {
    method: 'get',
    path: `${API}/incidents`,
    summary: "A page of the project's incidents",
    tag: 'incidents',
    auth: 'plugin',
    project: 'required',
    query: incidentListQuery,
    status: 200,
    description: 'The page (IncidentPage)',
  },
  {
    method: 'post',
    path: `${API}/incidents`,
    summary: 'Declare an incident',
    tag: 'incidents',
    auth: 'plugin',
    project: 'required',
    body: createIncidentBody,
    status: 201,
    description: 'The new incident (Incident)',
  },
  {
    method: 'get',
    path: `${API}/incidents/{id}`,
    summary: 'One incident with its signals and timeline',
    tag: 'incidents',
    auth: 'plugin',
    project: 'required',
    params: incidentParams,
    status: 200,
    description: 'The incident (IncidentDetail)',
  },
  {
    method: 'patch',
    path: `${API}/incidents/{id}`,
    summary: "Change an incident's title, description, severity or service",
    tag: 'incidents',
    auth: 'plugin',
    project: 'required',
    params: incidentParams,
    body: updateIncidentBody,
    status: 200,
    description: 'The changed incident (Incident)',
  },
  {
    method: 'post',
    path: `${API}/incidents/{id}/transitions`,
    summary: 'Move an incident to another status',
    tag: 'incidents',
    auth: 'plugin',
    project: 'required',
    params: incidentParams,
    body: transitionBody,
    status: 200,
    description: 'The incident in its new status (Incident)',
    errors: ['conflict'],
  },
  {
    method: 'post',
    path: `${API}/incidents/{id}/comments`,
    summary: "Comment on an incident's timeline",
    tag: 'incidents',
    auth: 'plugin',
    project: 'required',
    params: incidentParams,
    body: commentBody,
    status: 201,
    description: 'The comment as a timeline event (IncidentEvent)',
  },
  {
    method: 'get',
    path: `${API}/stream`,
    summary: "The project's live events (the project in the query: EventSource cannot send headers)",
    tag: 'incidents',
    auth: 'plugin',
    query: streamQuery,
    status: 200,
    description:
      'Server-sent events, one LiveEvent each; clients fetch what changed. A user holds at most SSE_MAX_STREAMS_PER_USER streams per replica (429 beyond)',
    contentType: 'text/event-stream',
  },

  // Ingest tokens
  {
    method: 'get',
    path: `${API}/ingest-tokens`,
    summary: "The project's ingest tokens",
    tag: 'ingest-tokens',
    auth: 'plugin',
    project: 'required',
    status: 200,
    description: 'The tokens, without their secrets (IngestTokenList)',
  },
  {
    method: 'post',
    path: `${API}/ingest-tokens`,
    summary: 'Create an ingest token',
    tag: 'ingest-tokens',
    auth: 'plugin',
    project: 'required',
    body: createIngestTokenBody,
    status: 201,
    description: 'The new token with its secret, shown this once (CreatedIngestToken)',
  },
  {
    method: 'delete',
    path: `${API}/ingest-tokens/{id}`,
    summary: 'Revoke an ingest token',
    tag: 'ingest-tokens',
    auth: 'plugin',
    project: 'required',
    params: ingestTokenParams,
    status: 204,
    description: 'Revoked',
  },

  // Query templates
  {
    method: 'get',
    path: `${API}/query-templates`,
    summary: "The project's PromQL templates (the defaults until the project sets its own)",
    tag: 'query-templates',
    auth: 'plugin',
    project: 'required',
    status: 200,
    description: 'The templates (QueryTemplateList)',
  },
  {
    method: 'put',
    path: `${API}/query-templates`,
    summary: "Replace the project's PromQL templates",
    tag: 'query-templates',
    auth: 'plugin',
    project: 'required',
    body: queryTemplatesBody,
    status: 200,
    description: 'The templates now in force (QueryTemplateList)',
  },
  {
    method: 'delete',
    path: `${API}/query-templates`,
    summary: 'Go back to the default PromQL templates',
    tag: 'query-templates',
    auth: 'plugin',
    project: 'required',
    status: 200,
    description: 'The default templates (QueryTemplateList)',
  },

  // Ingestion
  {
    method: 'post',
    path: `${API}/webhooks/alertmanager`,
    summary: 'An Alertmanager webhook notification (refused for a token with an HMAC secret: Alertmanager cannot sign)',
    tag: 'ingest',
    auth: 'ingest',
    body: alertmanagerWebhook,
    status: 200,
    description: 'Committed (IngestResult)',
  },
  {
    method: 'post',
    path: `${API}/webhooks/grafana`,
    summary: 'A Grafana alerting webhook notification (signed when the token has an HMAC secret)',
    tag: 'ingest',
    auth: 'ingest',
    body: grafanaWebhook,
    status: 200,
    description: "Committed (IngestResult); Grafana's Test notification is recorded on the token, nothing stored",
  },
  {
    method: 'post',
    path: `${API}/signals`,
    summary: 'Signals from any other source (signed when the token has an HMAC secret)',
    tag: 'ingest',
    auth: 'ingest',
    body: signalsBody,
    status: 200,
    description: 'Committed (IngestResult)',
  },
  {
    method: 'post',
    path: `${API}/deployments`,
    summary:
      'A deployment, as a signal that incidents can be correlated with (signed when the token has an HMAC secret)',
    tag: 'ingest',
    auth: 'ingest',
    body: deploymentBody,
    status: 200,
    description: 'Committed (IngestResult)',
  },
];

/** What each error answer means, for the document's response descriptions. */
const ERROR_MEANING: Record<ErrorCode, string> = {
  bad_request: 'The request does not match the contract (the message names the field)',
  unauthorized: 'Not authenticated',
  forbidden: "The caller's role does not allow this",
  not_found: 'No such resource, or not visible to the caller',
  conflict: 'Conflicts with the current state',
  payload_too_large: 'The body is over the size limit',
  unsupported_media_type: 'The body is not application/json',
  rate_limited: 'Over the rate limit; retry after Retry-After',
  unavailable: 'Overloaded or a dependency is unavailable; retry after Retry-After where given',
  internal: 'Internal error; the request id identifies it in the sidecar log',
};

/** The errors any route of its kind may answer with; a body adds the size and media type checks. */
function errorCodesOf(route: RouteDoc): ErrorCode[] {
  const codes: ErrorCode[] =
    route.auth === 'plugin'
      ? ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'rate_limited', 'unavailable', 'internal']
      : route.auth === 'ingest'
        ? ['bad_request', 'unauthorized', 'unavailable', 'internal']
        : ['internal'];
  if (route.body) {
    codes.push('payload_too_large', 'unsupported_media_type');
  }
  codes.push(...(route.errors ?? []));
  return [...new Set(codes)].sort((a, b) => STATUS_OF[a] - STATUS_OF[b]);
}

/**
 * Plugin-proxied calls carry the sidecar secret Grafana's plugin route injects, and the caller's identity: the
 * ID token, or where the sidecar is configured to trust it, the request context alone.
 */
const SECURITY: Record<Auth, Array<Record<string, string[]>>> = {
  plugin: [
    { sidecarSecret: [], grafanaIdToken: [] },
    { sidecarSecret: [], grafanaContext: [] },
  ],
  ingest: [{ ingestToken: [] }],
  none: [],
};

/** What the contract's label set check enforces, in JSON Schema. */
const LABEL_SET = {
  type: 'object',
  propertyNames: { minLength: 1, maxLength: 256 },
  additionalProperties: { type: 'string', maxLength: 4096 },
  maxProperties: 256,
};

const projectHeader = z.uuid().meta({
  description: 'The project the call acts in (from POST /api/v1/auth/switch-project)',
});

/** `get /api/v1/projects/{id}/members` → `getProjectsIdMembers`. */
function operationIdOf(route: RouteDoc): string {
  const words = route.path
    .replace(API, '')
    .replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => next?.toUpperCase() ?? '');
  return `${route.method}${words}`;
}

function operationOf(route: RouteDoc): ZodOpenApiOperationObject {
  const header =
    route.project === 'required'
      ? z.object({ [PROJECT_HEADER]: projectHeader })
      : route.project === 'unless-org'
        ? z.object({ [PROJECT_HEADER]: projectHeader.optional() })
        : undefined;
  const success: ZodOpenApiResponseObject = {
    description: route.description,
    ...(route.status === 204 ? {} : { content: { [route.contentType ?? 'application/json']: {} } }),
  };
  const responses: Record<string, ZodOpenApiResponseObject> = { [route.status]: success };
  for (const code of errorCodesOf(route)) {
    responses[STATUS_OF[code]] = {
      description: `${code}: ${ERROR_MEANING[code]}`,
      content: { 'application/json': { schema: errorBodySchema } },
    };
  }
  return {
    operationId: operationIdOf(route),
    summary: route.summary,
    tags: [route.tag],
    security: SECURITY[route.auth],
    ...(route.params || route.query || header
      ? {
          requestParams: {
            ...(route.params ? { path: route.params } : {}),
            ...(route.query ? { query: route.query } : {}),
            ...(header ? { header } : {}),
          },
        }
      : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
    responses,
  };
}

export interface OpenApiOptions {
  /** The sidecar's version, the document's `info.version`. */
  version: string;
  /** The header that carries the sidecar secret (SECRET_HEADER). */
  secretHeader: string;
}

/** The OpenAPI document of the API. Built once at startup: the routes and schemas do not change while it runs. */
export function buildOpenApiDocument(options: OpenApiOptions): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of ROUTES) {
    paths[route.path] = { ...paths[route.path], [route.method]: operationOf(route) };
  }
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'SRE Copilot sidecar API',
        version: options.version,
        description:
          'Incidents, signals and integrations of SRE Copilot projects. The Grafana app plugin calls the API through ' +
          "Grafana's plugin proxy; alert sources send webhooks and signals with a project's ingest token.",
      },
      tags: [...new Set(ROUTES.map((r) => r.tag))].map((name) => ({ name })),
      paths,
      components: {
        schemas: { ErrorBody: errorBodySchema },
        securitySchemes: {
          sidecarSecret: {
            type: 'apiKey',
            in: 'header',
            name: options.secretHeader,
            description: "The org's sidecar secret, set by the app plugin's route in Grafana's plugin proxy",
          },
          grafanaIdToken: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Grafana-Id',
            description: "Grafana's signed ID token of the caller (feature idForwarding)",
          },
          grafanaContext: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Grafana-Context',
            description:
              "Grafana's request context; must agree with the ID token, and is the identity alone only where the " +
              'sidecar trusts it (TRUST_GRAFANA_CONTEXT_IDENTITY)',
          },
          ingestToken: {
            type: 'http',
            scheme: 'bearer',
            description: "A project's ingest token (Basic auth with the token as the password works too)",
          },
        },
      },
    },
    {
      // A label set is a custom schema (checked in one pass over its entries): described by the limits it checks.
      allowEmptySchema: { custom: true },
      override: ({ jsonSchema, zodSchema }) => {
        if (zodSchema === labelSet) {
          Object.assign(jsonSchema, LABEL_SET);
        }
      },
    }
  );
}
