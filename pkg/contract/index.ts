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
  prometheus: z.strictObject({
    mode: z.enum(['grafana', 'direct']).default('grafana'),
    datasourceUid: z.string().max(200).optional(),
    url: httpUrl.optional(),
    username: z.string().max(200).optional(),
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
}
