/**
 * The sidecar's HTTP API: zod schemas and the types inferred from them. The plugin imports types from here
 * (`import type`) and from nowhere else in pkg/.
 */
import { z } from 'zod';

export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string };
}

/** The header the UI sends with every project-scoped call, after `POST /auth/switch-project`. */
export const PROJECT_HEADER = 'x-project-id';

export const projectRoleSchema = z.enum(['owner', 'admin', 'engineer', 'viewer']);
export type ProjectRoleName = z.infer<typeof projectRoleSchema>;

export const permissionsSchema = z.object({
  read: z.boolean(),
  write: z.boolean(),
  manageProject: z.boolean(),
  manageMembers: z.boolean(),
  manageIntegrations: z.boolean(),
});
export type Permissions = z.infer<typeof permissionsSchema>;

const id = z.uuid({ error: 'must be a UUID' });
const name = z.string().trim().min(1).max(200);
const description = z.string().max(2000);

export interface Project {
  id: string;
  orgId: number;
  teamId: number;
  name: string;
  slug: string;
  description: string;
  isActive: boolean;
  role: ProjectRoleName;
  createdAt: string;
  updatedAt: string;
}
export interface ProjectList {
  items: Project[];
}

export const createProjectBody = z.strictObject({
  teamId: z.number().int().positive(),
  name: name.optional(),
  description: description.optional(),
});
export type CreateProjectBody = z.infer<typeof createProjectBody>;

export const updateProjectBody = z
  .strictObject({ name: name.optional(), description: description.optional(), isActive: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, { error: 'give at least one of name, description, isActive' });
export type UpdateProjectBody = z.infer<typeof updateProjectBody>;

export const projectParams = z.object({ id });
export const memberParams = z.object({ id, userId: z.coerce.number().int().positive() });

export interface ProjectMember {
  userId: number;
  login: string;
  role: ProjectRoleName;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}
export interface ProjectMemberList {
  items: ProjectMember[];
}
export const putMemberBody = z.strictObject({ role: projectRoleSchema, login: z.string().max(200).optional() });
export type PutMemberBody = z.infer<typeof putMemberBody>;

export const switchProjectBody = z.strictObject({ projectId: id });
export type SwitchProjectBody = z.infer<typeof switchProjectBody>;
export interface ProjectContext {
  project: Project;
  role: ProjectRoleName;
  permissions: Permissions;
  user: { id: number; login: string; name: string; orgId: number; orgRole: string };
}

// Integrations: public settings per type, and the names of the secrets each type accepts.
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
export const integrationConfigSchemas = {
  /**
   * `grafana`: through Grafana's datasource proxy with the org's service-account token (the Grafana integration);
   * `direct`: the Prometheus URL, with optional basic (username + secret password) or bearer auth.
   */
  prometheus: z
    .strictObject({
      mode: z.enum(['grafana', 'direct']).default('grafana'),
      datasourceUid: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'a Grafana data source UID (letters, digits, _ and -)' })
        .optional(),
      url: httpUrl.optional(),
      username: z.string().max(200).optional(),
      /** Label matchers put where a template says `{{filter}}`, e.g. `namespace="payments"`. */
      labelFilter: z
        .string()
        .max(1000)
        .regex(/^[^{}]*$/, { error: 'label matchers without braces, e.g. namespace="payments"' })
        .optional(),
    })
    .superRefine((config, ctx) => {
      if (config.mode === 'grafana' && !config.datasourceUid) {
        ctx.addIssue({ code: 'custom', path: ['datasourceUid'], message: 'required when mode is grafana' });
      }
      if (config.mode === 'direct' && !config.url) {
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when mode is direct' });
      }
    }),
  grafana: z.strictObject({ url: httpUrl.optional() }),
  alertmanager: z.strictObject({ url: httpUrl.optional(), username: z.string().max(200).optional() }),
  openai: z.strictObject({
    provider: z.enum(['openai', 'azure', 'compatible']).default('openai'),
    baseUrl: httpUrl.optional(),
    model: z.string().max(200).optional(),
  }),
} as const;
export const INTEGRATION_SECRET_FIELDS = {
  prometheus: ['password', 'bearerToken'],
  grafana: ['token'],
  alertmanager: ['password', 'bearerToken'],
  openai: ['apiKey'],
} as const;
export const integrationTypeSchema = z.enum(['prometheus', 'grafana', 'alertmanager', 'openai']);
export type IntegrationType = z.infer<typeof integrationTypeSchema>;

const secretValue = z.string().min(1).max(8192);
export const createIntegrationBody = z.strictObject({
  type: integrationTypeSchema,
  name,
  /** `org`: one integration for the whole org (the Grafana service account); org Admins only. */
  scope: z.enum(['project', 'org']).default('project'),
  config: z.record(z.string(), z.unknown()).default({}),
  secrets: z.record(z.string(), secretValue).default({}),
});
export type CreateIntegrationBody = z.input<typeof createIntegrationBody>;
export const updateIntegrationBody = z
  .strictObject({
    name: name.optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    /** A value sets a secret, null removes it; secrets not named stay as they are. */
    secrets: z.record(z.string(), secretValue.nullable()).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'give at least one of name, config, secrets' });
export type UpdateIntegrationBody = z.infer<typeof updateIntegrationBody>;
export const integrationParams = z.object({ id });

export interface Integration {
  id: string;
  scope: 'project' | 'org';
  type: IntegrationType;
  name: string;
  config: Record<string, unknown>;
  /** Names of the secrets that are set; values are write-only. */
  secretFields: string[];
  createdAt: string;
  updatedAt: string;
}
export interface IntegrationList {
  items: Integration[];
}

// Audit
export const auditQuery = z.strictObject({
  action: z.string().max(100).optional(),
  actorId: z.string().max(200).optional(),
  resourceType: z.string().max(100).optional(),
  resourceId: z.string().max(200).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  scope: z.enum(['project', 'org']).default('project'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'is not a cursor from this API')
    .optional(),
});
export type AuditQuery = z.input<typeof auditQuery>;
export const auditVerifyQuery = z.strictObject({ scope: z.enum(['project', 'org']).default('project') });

export interface AuditLogEntry {
  id: number;
  seq: number;
  actor: { type: 'user' | 'service_account' | 'system'; id: string; name: string };
  action: string;
  resourceType: string;
  resourceId: string;
  details: Record<string, unknown>;
  ip: string | null;
  requestId: string | null;
  createdAt: string;
  hash: string;
}
export interface AuditLogPage {
  items: AuditLogEntry[];
  nextCursor: string | null;
}
export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  firstBroken: null | {
    id: number;
    seq: number;
    reason: 'sequence_gap' | 'previous_hash_mismatch' | 'hash_mismatch';
  };
}

/** `GET /api/v1/whoami`: who the sidecar takes the caller for; the config page's connection test. */
export interface WhoAmI {
  user: { id: number; login: string; name: string; email: string; orgId: number; orgRole: string; isServiceAccount: boolean };
  teamIds: number[];
}

export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  database: { dialect: 'pglite' | 'postgres'; ok: boolean };
  /** Prometheus integrations whose last polls failed (`status` is then `degraded`). */
  integrations: IntegrationHealth[];
}

// ---------------------------------------------------------------------------------------------------------------
// Ingestion: webhooks and signals. Senders authenticate with a project's ingest token (`Authorization: Bearer`).

/**
 * A timestamp as Alertmanager/Grafana write it: RFC 3339, any fraction, years 0001–9999 (what PostgreSQL stores;
 * Alertmanager's "no end" is 0001-01-01T00:00:00Z).
 */
const RFC3339 = /^(?!0000)\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const timestamp = z
  .string()
  .max(64)
  .refine((s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)), { error: 'must be an RFC 3339 timestamp' });
/** What is wrong with a label set (names of 1–256 characters, string values of at most 4,096, at most 256 labels). */
function labelSetProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be an object of label names to string values';
  }
  let count = 0;
  for (const name in value) {
    count += 1;
    if (name.length === 0 || name.length > 256) {
      return `label names must be 1–256 characters (${JSON.stringify(name.slice(0, 40))})`;
    }
    const text = (value as Record<string, unknown>)[name];
    if (typeof text !== 'string') {
      return `${name}: must be a string`;
    }
    if (text.length > 4096) {
      return `${name}: at most 4096 characters`;
    }
  }
  return count > 256 ? 'at most 256 labels' : null;
}

/**
 * A label set, checked in one pass over its entries: it is on every alert of every webhook, and a schema per name and
 * per value cost as much as the rest of the webhook's validation (measured: a 10-alert payload 38 → 15 µs).
 */
const labelSet = z.custom<Record<string, string>>((value) => labelSetProblem(value) === null, {
  error: (issue) => labelSetProblem(issue.input) ?? 'invalid label set',
});
/** Tolerant of what test notifications send (e.g. `generatorURL: "?orgId=1"`): any short string. */
const looseUrl = z.string().max(4096);

export const alertmanagerAlert = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: looseUrl.optional(),
  fingerprint: z.string().min(1).max(256).optional(),
});
export const alertmanagerWebhook = z.looseObject({
  version: z.string().max(8).optional(),
  groupKey: z.string().max(4096).optional(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(1024).default(''),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: looseUrl.default(''),
  alerts: z.array(alertmanagerAlert).max(5000),
});
export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhook>;

export const grafanaAlert = alertmanagerAlert.extend({
  silenceURL: looseUrl.optional(),
  dashboardURL: looseUrl.optional(),
  panelURL: looseUrl.optional(),
  values: z.record(z.string().max(256), z.number().nullable()).nullable().optional(),
  valueString: z.string().max(65536).optional(),
  imageURL: looseUrl.optional(),
  ruleUID: z.string().max(256).optional(),
});
export const grafanaWebhook = alertmanagerWebhook.extend({
  alerts: z.array(grafanaAlert).max(5000),
  orgId: z.number().int().optional(),
  title: z.string().max(4096).optional(),
  state: z.string().max(64).optional(),
  message: z.string().max(65536).optional(),
});
export type GrafanaWebhook = z.infer<typeof grafanaWebhook>;

export const signalTypeSchema = z.enum(['alert', 'metric', 'log', 'trace', 'deployment']);
export const severitySchema = z.enum(['critical', 'high', 'warning', 'info']);

export const signalInput = z.strictObject({
  type: signalTypeSchema.default('alert'),
  source: z.string().min(1).max(100).default('api'),
  fingerprint: z.string().min(1).max(256).optional(),
  status: z.enum(['firing', 'resolved']).default('firing'),
  severity: severitySchema.optional(),
  title: z.string().min(1).max(500),
  description: z.string().max(10_000).default(''),
  service: z.string().min(1).max(200).optional(),
  labels: labelSet.default({}),
  startsAt: timestamp.optional(),
  endsAt: timestamp.optional(),
  values: z.record(z.string().max(256), z.number().nullable()).optional(),
  generatorUrl: looseUrl.optional(),
});
export const signalsBody = z.strictObject({ signals: z.array(signalInput).min(1).max(1000) });
export type SignalsBody = z.input<typeof signalsBody>;

export const deploymentBody = z.strictObject({
  service: z.string().min(1).max(200),
  version: z.string().min(1).max(200),
  environment: z.string().max(100).default(''),
  author: z.string().max(200).default(''),
  description: z.string().max(10_000).default(''),
  time: timestamp.optional(),
});
export type DeploymentBody = z.input<typeof deploymentBody>;

export interface IngestResult {
  /** Signals in the delivery. */
  received: number;
  /** New signals stored. */
  created: number;
  /** Firing signals closed by a `resolved`. */
  resolved: number;
  /** Repeats of what was already stored (no change). */
  duplicates: number;
}

// Ingest tokens (created and revoked by project admins; the token is shown once).
export const createIngestTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** Grafana contact points: verify X-Grafana-Alerting-Signature with this secret. */
  hmacSecret: z.string().min(16).max(1024).optional(),
  hmacHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,100}$/)
    .optional(),
  /** When Grafana's hmacConfig names a timestamp header, the same name here: the timestamp is then signed. */
  timestampHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,100}$/)
    .optional(),
  toleranceSeconds: z.number().int().min(1).max(86_400).optional(),
});
export type CreateIngestTokenBody = z.input<typeof createIngestTokenBody>;
export interface IngestToken {
  id: string;
  name: string;
  /** The first characters, to recognise a token. */
  prefix: string;
  hmac: null | { header: string; timestampHeader: string | null; toleranceSeconds: number };
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}
export interface CreatedIngestToken extends IngestToken {
  /** Shown once, never again. */
  token: string;
}
export interface IngestTokenList {
  items: IngestToken[];
}
export const ingestTokenParams = z.object({ id });

// ---------------------------------------------------------------------------------------------------------------
// Incidents

export const incidentStatusSchema = z.enum(['triggered', 'acknowledged', 'investigating', 'mitigated', 'resolved']);
export type IncidentStatusName = z.infer<typeof incidentStatusSchema>;
export type SeverityName = z.infer<typeof severitySchema>;

const csv = <T extends string>(item: z.ZodType<T, string>) =>
  z
    .string()
    .max(500)
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item).max(20));

export const incidentListQuery = z.strictObject({
  status: csv(incidentStatusSchema).optional(),
  severity: csv(severitySchema).optional(),
  service: z.string().max(200).optional(),
  q: z.string().max(200).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'is not a cursor from this API')
    .optional(),
});
export type IncidentListQuery = z.input<typeof incidentListQuery>;
export const incidentParams = z.object({ id });

export interface Incident {
  id: string;
  title: string;
  description: string;
  status: IncidentStatusName;
  severity: SeverityName;
  service: string | null;
  groupKey: string | null;
  origin: 'correlation' | 'manual';
  warnings: string[];
  signalCount: number;
  firingCount: number;
  reopenCount: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  lastSignalAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  timeToAcknowledgeMs: number | null;
  timeToResolveMs: number | null;
  /** Statuses the incident may move to next (the UI shows buttons for these when the role allows writes). */
  allowedTransitions: IncidentStatusName[];
}
export interface IncidentPage {
  items: Incident[];
  nextCursor: string | null;
}
export interface Signal {
  id: number;
  type: z.infer<typeof signalTypeSchema>;
  source: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  severity: SeverityName;
  title: string;
  description: string;
  service: string | null;
  labels: Record<string, string>;
  generatorUrl: string | null;
  values: Record<string, number | null> | null;
  warnings: string[];
  startsAt: string;
  endsAt: string | null;
  receivedAt: string;
}
export interface IncidentEvent {
  id: number;
  kind: string;
  actor: { type: 'user' | 'service_account' | 'system'; id: string; name: string };
  details: Record<string, unknown>;
  createdAt: string;
}
export interface IncidentDetail {
  incident: Incident;
  signals: Signal[];
  timeline: IncidentEvent[];
}

export const createIncidentBody = z.strictObject({
  title: z.string().trim().min(1).max(500),
  description: z.string().max(10_000).default(''),
  severity: severitySchema.default('warning'),
  service: z.string().trim().min(1).max(200).optional(),
});
export type CreateIncidentBody = z.input<typeof createIncidentBody>;
export const updateIncidentBody = z
  .strictObject({
    title: z.string().trim().min(1).max(500).optional(),
    description: z.string().max(10_000).optional(),
    severity: severitySchema.optional(),
    service: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'give at least one of title, description, severity, service' });
export type UpdateIncidentBody = z.infer<typeof updateIncidentBody>;
export const transitionBody = z.strictObject({ to: incidentStatusSchema, note: z.string().max(10_000).optional() });
export type TransitionBody = z.infer<typeof transitionBody>;
export const commentBody = z.strictObject({ body: z.string().trim().min(1).max(10_000) });
export type CommentBody = z.infer<typeof commentBody>;

/** Server-sent event payloads on `GET /api/v1/stream?projectId=…`. */
export interface LiveEvent {
  type: 'incident.created' | 'incident.updated';
  incidentId: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Prometheus: connection tests, PromQL templates, polling health.

/** `POST /api/v1/integrations/:id/test`: what a Prometheus answered to `buildinfo` and `up`. */
export interface IntegrationTestResult {
  ok: boolean;
  /** Round trip of the slower of the two calls, in milliseconds. */
  latencyMs: number;
  /** Prometheus version from `/api/v1/status/buildinfo`; null when it did not say. */
  version: string | null;
  /** Series of `up`, and how many of them are 1. */
  targets: { up: number; total: number } | null;
  /** Why it failed, in words an operator can act on (never a secret). */
  error: string | null;
  checkedAt: string;
}

export const directionSchema = z.enum(['up', 'down', 'both']);
export type DirectionName = z.infer<typeof directionSchema>;
export const tierSchema = z.enum(['critical', 'standard']);
export type TierName = z.infer<typeof tierSchema>;

/**
 * One PromQL template. `query` is an instant vector query; `{{filter}}` in it is replaced by the integration's
 * label filter (empty when none). `service` names the service of each result series: a template over its labels,
 * e.g. `{{service}}` or `{{namespace}}/{{deployment}}`.
 */
export const queryTemplateSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { error: 'lower-case letters, digits, _ . - (at most 64)' }),
  description: z.string().max(500).default(''),
  query: z.string().trim().min(1).max(4000),
  service: z.string().trim().min(1).max(200).default('{{service}}'),
  direction: directionSchema.default('both'),
  tier: tierSchema.default('standard'),
  /** Poll interval; default: PROMETHEUS_POLL_INTERVAL for critical, five times that for standard. */
  intervalSeconds: z.number().int().min(1).max(86_400).optional(),
  /** Unit for display (e.g. `req/s`, `ratio`, `s`, `bytes`). */
  unit: z.string().max(32).optional(),
  enabled: z.boolean().default(true),
});
export type QueryTemplate = z.output<typeof queryTemplateSchema>;
export type QueryTemplateInput = z.input<typeof queryTemplateSchema>;
export const queryTemplatesBody = z.strictObject({
  templates: z
    .array(queryTemplateSchema)
    .max(200)
    .refine((list) => new Set(list.map((t) => t.name)).size === list.length, { error: 'template names must be unique' }),
});
export type QueryTemplatesBody = z.input<typeof queryTemplatesBody>;
/** `GET /api/v1/query-templates`: the project's templates; `source` says whether they are the defaults. */
export interface QueryTemplateList {
  source: 'default' | 'project';
  templates: QueryTemplate[];
  /** The interval each template runs at, in seconds, after defaults. */
  effectiveIntervals: Record<string, number>;
}

/** Health of one Prometheus integration as the poller last saw it. */
export interface IntegrationHealth {
  id: string;
  orgId: number;
  status: 'ok' | 'failing' | 'unknown';
  /** Consecutive failed polls. */
  failures: number;
  lastSuccessAt: string | null;
  /** The kind of the last error (timeout, network, http, not_allowed, query, config, …); messages stay with the tenant. */
  lastError: string | null;
}
