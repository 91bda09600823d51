/**
 * The sidecar's API types, taken from its contract so that the plugin and the sidecar cannot drift apart.
 * Type-only: nothing from pkg/ ends up in the plugin bundle. The rest of src/ imports them from here.
 */
import type {
  AuditQuery,
  IncidentListQuery as ContractIncidentListQuery,
  IncidentStatusName,
  PROJECT_HEADER,
  SeverityName,
} from '../../pkg/contract';

export type {
  AuditLogEntry,
  AuditLogPage,
  AuditVerifyResult,
  CommentBody,
  CreatedIngestToken,
  CreateIncidentBody,
  CreateIngestTokenBody,
  CreateIntegrationBody,
  DirectionName,
  ErrorBody,
  ErrorCode,
  Incident,
  IncidentDetail,
  IncidentEvent,
  IncidentPage,
  IncidentStatusName,
  IngestToken,
  IngestTokenList,
  Integration,
  IntegrationList,
  IntegrationTestResult,
  IntegrationType,
  LiveEvent,
  Permissions,
  Project,
  ProjectContext,
  ProjectList,
  ProjectMember,
  ProjectMemberList,
  ProjectRoleName,
  PutMemberBody,
  QueryTemplate,
  QueryTemplateInput,
  QueryTemplateList,
  QueryTemplatesBody,
  SeverityName,
  Signal,
  TierName,
  TransitionBody,
  UpdateIncidentBody,
  UpdateIntegrationBody,
  UpdateProjectBody,
  WhoAmI,
} from '../../pkg/contract';

/** The header that names the project of a project-scoped call, as the contract spells it (lower case). */
export type ProjectHeader = typeof PROJECT_HEADER;

/**
 * The audit query the plugin sends: the contract's query (whose `limit` is coerced from a string, hence `unknown`
 * on input) with a numeric limit, always for the current project.
 */
export type AuditListQuery = Omit<AuditQuery, 'limit' | 'scope'> & { limit?: number };

/**
 * The incident list query the plugin sends: the contract's query (statuses and severities as comma-separated text,
 * `limit` coerced from a string) with lists and a numeric limit; the client joins the lists.
 */
export type IncidentListQuery = Omit<ContractIncidentListQuery, 'status' | 'severity' | 'limit'> & {
  status?: IncidentStatusName[];
  severity?: SeverityName[];
  limit?: number;
};
