/** The audit log: a filtered, paged read of the hash chain, and its verification. */
import { z } from 'zod';
import type { ActorType, AuditEntry } from '../core/audit-chain.ts';
import { storableText, timeFilter } from './common.ts';

export const auditQuery = z.strictObject({
  action: storableText(z.string().max(100)).optional(),
  actorId: storableText(z.string().max(200)).optional(),
  resourceType: storableText(z.string().max(100)).optional(),
  resourceId: storableText(z.string().max(200)).optional(),
  from: timeFilter.optional(),
  to: timeFilter.optional(),
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

/**
 * One entry of the log as the API shows it: what the chain's hash covers (but the tenant, which the caller's scope
 * already names, and the actor, grouped), with the row's id and its hash.
 */
export interface AuditLogEntry extends Pick<
  AuditEntry,
  'seq' | 'action' | 'resourceType' | 'resourceId' | 'details' | 'ip' | 'requestId' | 'createdAt'
> {
  id: number;
  actor: { type: ActorType; id: string; name: string };
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
