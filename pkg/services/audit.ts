import { ChainVerifier, GENESIS_HASH, hashAuditEntry, type AuditEntry } from '../core/audit-chain.ts';
import type { AuditLogPage, AuditVerifyResult } from '../contract/index.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import {
  findAuditChainHead,
  insertAuditEntry,
  listAuditChain,
  listAuditEntries,
  lockAuditChain,
  type AuditSearch,
} from '../adapters/db/repositories/audit.ts';
import type { AuditActor } from './caller.ts';
import type { TenantScope } from '../core/tenant-scope.ts';

export interface AuditRecord {
  action: string;
  resourceType: string;
  resourceId: string;
  details?: Record<string, unknown>;
}

/**
 * Appends one entry to the scope's chain inside the caller's transaction. A transaction-scoped advisory lock per
 * chain serializes writers, so two transactions never link to the same predecessor.
 */
export async function appendAudit(
  tx: Queryable,
  scope: TenantScope,
  actor: AuditActor,
  record: AuditRecord,
  now: Date
): Promise<void> {
  await lockAuditChain(tx, scope);
  const prev = await findAuditChainHead(tx, scope);
  const entry: AuditEntry = {
    orgId: scope.orgId,
    projectId: scope.projectId,
    seq: (prev?.seq ?? 0) + 1,
    actorType: actor.type,
    actorId: actor.id,
    actorName: actor.name,
    action: record.action,
    resourceType: record.resourceType,
    resourceId: record.resourceId,
    details: record.details ?? {},
    ip: actor.ip,
    requestId: actor.requestId,
    createdAt: now.toISOString(),
  };
  const prevHash = prev?.hash ?? GENESIS_HASH;
  await insertAuditEntry(tx, entry, prevHash, hashAuditEntry(prevHash, entry));
}

/** A listing's conditions as the API takes them: the search, a page size and the previous page's cursor. */
export interface AuditFilter extends Omit<AuditSearch, 'beforeSeq'> {
  limit: number;
  cursor?: string;
}

export class AuditService {
  private readonly db: Database;

  constructor(deps: { db: Database }) {
    this.db = deps.db;
  }

  /** Newest first, keyset-paginated on the chain position. */
  async list(scope: TenantScope, filter: AuditFilter): Promise<AuditLogPage> {
    const { limit, cursor, ...search } = filter;
    // One row past the page tells whether there is a next one.
    const entries = await this.db.withTenant(scope, (tx) =>
      listAuditEntries(tx, scope, { ...search, beforeSeq: cursor ? Number(cursor) : undefined }, limit + 1)
    );
    const page = entries.slice(0, limit);
    const hasMore = entries.length > limit;
    return { items: page, nextCursor: hasMore ? String(page[page.length - 1]!.seq) : null };
  }

  /** Walks the whole chain in pages and reports the first broken link. */
  async verify(scope: TenantScope, pageSize = 1000): Promise<AuditVerifyResult> {
    const verifier = new ChainVerifier();
    let after = 0;
    for (;;) {
      const entries = await this.db.withTenant(scope, (tx) => listAuditChain(tx, scope, after, pageSize));
      for (const stored of entries) {
        const broken = verifier.next(stored);
        if (broken) {
          return {
            ok: false,
            checked: verifier.checked,
            firstBroken: { id: broken.id, seq: broken.seq, reason: broken.reason },
          };
        }
      }
      if (entries.length < pageSize) {
        return { ok: true, checked: verifier.checked, firstBroken: null };
      }
      after = entries[entries.length - 1]!.entry.seq;
    }
  }
}
