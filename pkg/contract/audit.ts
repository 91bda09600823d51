/** The audit log: a filtered, paged read of the hash chain, its verification, and its signed checkpoints. */
import { z } from 'zod';
import type { ActorType, AuditCheckpoint, AuditEntry, ChainBreakReason } from '../core/audit-chain.ts';
import { storableText, timeFilter } from './common.ts';

/** Which chain: the project's (default) or the org's. */
const auditScope = z.enum(['project', 'org']).default('project');

/** The chain a listing reads (the project's, or the org's), and a page of it: shared by entries and checkpoints. */
const auditPage = {
  scope: auditScope,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'is not a cursor from this API')
    .optional(),
};

export const auditQuery = z.strictObject({
  action: storableText(z.string().max(100)).optional(),
  actorId: storableText(z.string().max(200)).optional(),
  resourceType: storableText(z.string().max(100)).optional(),
  resourceId: storableText(z.string().max(200)).optional(),
  from: timeFilter.optional(),
  to: timeFilter.optional(),
  ...auditPage,
});
export type AuditQuery = z.input<typeof auditQuery>;

/** A checkpoint as `GET /audit/checkpoints` and the log line `audit checkpoint` give it, unchanged. */
export const auditCheckpoint = z.strictObject({
  orgId: z.number().int().min(1),
  projectId: z.uuid().nullable(),
  seq: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex'),
  createdAt: z.iso.datetime(),
  keyId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a key id'),
  mac: z.string().regex(/^[0-9a-f]{64}$/, 'must be an HMAC-SHA256 in hex'),
}) satisfies z.ZodType<AuditCheckpoint>;

export const auditVerifyQuery = z.strictObject({
  scope: auditScope,
  /** A checkpoint in JSON (URL-encoded): the chain must still reach it with the same head. */
  checkpoint: z.string().max(4000).optional(),
});
/** The query as the route reads it: the checkpoint's JSON parsed and checked. */
export const auditVerifyQueryParsed = auditVerifyQuery.extend({
  checkpoint: z
    .string()
    .max(4000)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a checkpoint in JSON' });
        return z.NEVER;
      }
    })
    .pipe(auditCheckpoint)
    .optional(),
});
export const auditVerifyBody = z.strictObject({ scope: auditScope, checkpoint: auditCheckpoint.optional() });

export const auditCheckpointsQuery = z.strictObject({
  ...auditPage,
});
export type { AuditCheckpoint };
export type AuditCheckpointsQuery = z.input<typeof auditCheckpointsQuery>;

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
  /** Entries written before the chain was keyed (no MAC): accepted, as the chain's beginning only. */
  unkeyed: number;
  firstBroken: null | {
    /** Null for `truncated`: the entries from `seq` on, which the checkpoint names, are missing. */
    id: number | null;
    seq: number;
    reason: ChainBreakReason;
  };
}
export interface AuditCheckpointPage {
  items: AuditCheckpoint[];
  nextCursor: string | null;
}
