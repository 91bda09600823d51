/**
 * The sidecar's API types, taken from its contract so that the plugin and the sidecar cannot drift apart.
 * Type-only: nothing from pkg/ ends up in the plugin bundle. The rest of src/ imports them from here.
 */
import type { AuditQuery } from '../../pkg/contract';

export type {
  AuditLogEntry,
  AuditLogPage,
  AuditVerifyResult,
  ErrorBody,
  ErrorCode,
  Permissions,
  Project,
  ProjectContext,
  ProjectList,
  ProjectMember,
  ProjectMemberList,
  ProjectRoleName,
  PutMemberBody,
  UpdateProjectBody,
  WhoAmI,
} from '../../pkg/contract';

/**
 * The audit query the plugin sends: the contract's query (whose `limit` is coerced from a string, hence `unknown`
 * on input) with a numeric limit, always for the current project.
 */
export type AuditListQuery = Omit<AuditQuery, 'limit' | 'scope'> & { limit?: number };
