import type { Logger } from 'pino';
import {
  ChainVerifier,
  checkCheckpoint,
  GENESIS_HASH,
  hashAuditEntry,
  macAuditEntry,
  signCheckpoint,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditKey,
  type ChainAnchor,
  type ChainBreak,
} from '../core/audit-chain.ts';
import type { AuditCheckpointPage, AuditLogPage, AuditVerifyResult } from '../contract/index.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import {
  findAuditChainHead,
  insertAuditCheckpoint,
  insertAuditEntry,
  listAuditChain,
  listAuditCheckpoints,
  listAuditEntries,
  lockAuditChain,
  type AuditSearch,
} from '../adapters/db/repositories/audit.ts';
import type { AuditActor } from './caller.ts';
import { badRequest } from './errors.ts';
import type { TenantScope } from '../core/tenant-scope.ts';

export interface AuditRecord {
  action: string;
  resourceType: string;
  resourceId: string;
  details?: Record<string, unknown>;
}

/** A listing's conditions as the API takes them: the search, a page size and the previous page's cursor. */
export interface AuditFilter extends Omit<AuditSearch, 'beforeSeq'> {
  limit: number;
  cursor?: string;
}

export interface AuditConfig {
  /** The MAC keys: the first computes new MACs and signs checkpoints; every one verifies. */
  keys: AuditKey[];
}

/** The key of a chain in the set of chains written since the last checkpoint. */
const chainKey = (scope: TenantScope) => `${scope.orgId}:${scope.projectId ?? ''}`;

export class AuditService {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly active: AuditKey;
  private readonly keys: ReadonlyMap<string, Uint8Array>;
  /** Chains appended to since their last checkpoint by this process. */
  private readonly written = new Map<string, TenantScope>();

  constructor(deps: { db: Database; logger: Logger; clock: () => Date }, config: AuditConfig) {
    const [active] = config.keys;
    if (!active) {
      throw new Error('the audit log needs at least one MAC key');
    }
    this.db = deps.db;
    this.logger = deps.logger;
    this.clock = deps.clock;
    this.active = active;
    // The first key listed under an id wins, as it does for sealing.
    this.keys = new Map([...config.keys].reverse().map((k) => [k.id, k.key]));
  }

  /**
   * Appends one entry to the scope's chain inside the caller's transaction, with its MAC under the active key. A
   * transaction-scoped advisory lock per chain serializes writers, so two transactions never link to the same
   * predecessor.
   */
  async append(tx: Queryable, scope: TenantScope, actor: AuditActor, record: AuditRecord, now: Date): Promise<void> {
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
    const hash = hashAuditEntry(prevHash, entry);
    await insertAuditEntry(tx, entry, prevHash, hash, macAuditEntry(this.active, hash));
    // Marked before the commit: a rolled-back entry only costs a look at a head that did not move.
    this.written.set(chainKey(scope), { orgId: scope.orgId, projectId: scope.projectId });
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

  /**
   * Walks the whole chain in pages and reports the first broken link, MACs included. With a checkpoint (exported
   * earlier), the chain must still reach its position with its head hash: rows deleted from the tail are reported as
   * `truncated`. A checkpoint of another chain, or one no configured key signed, is refused.
   */
  async verify(
    scope: TenantScope,
    options: { checkpoint?: AuditCheckpoint; pageSize?: number } = {}
  ): Promise<AuditVerifyResult> {
    const { checkpoint, pageSize = 1000 } = options;
    const verifier = new ChainVerifier(this.keys, checkpoint ? this.anchorOf(scope, checkpoint) : null);
    const result = (broken: ChainBreak | null): AuditVerifyResult => ({
      ok: broken === null,
      checked: verifier.checked,
      unkeyed: verifier.unkeyed,
      firstBroken: broken && { id: broken.id, seq: broken.seq, reason: broken.reason },
    });
    let after = 0;
    for (;;) {
      const entries = await this.db.withTenant(scope, (tx) => listAuditChain(tx, scope, after, pageSize));
      for (const stored of entries) {
        const broken = verifier.next(stored);
        if (broken) {
          return result(broken);
        }
      }
      if (entries.length < pageSize) {
        return result(verifier.finish());
      }
      after = entries[entries.length - 1]!.entry.seq;
    }
  }

  /** The scope's checkpoints, newest first, keyset-paginated on their row id. */
  async checkpoints(scope: TenantScope, page: { limit: number; cursor?: string }): Promise<AuditCheckpointPage> {
    const rows = await this.db.withTenant(scope, (tx) =>
      listAuditCheckpoints(tx, scope, page.cursor ? Number(page.cursor) : undefined, page.limit + 1)
    );
    const items = rows.slice(0, page.limit);
    const hasMore = rows.length > page.limit;
    return { items: items.map((r) => r.checkpoint), nextCursor: hasMore ? String(items[items.length - 1]!.id) : null };
  }

  /**
   * Takes a signed checkpoint of every chain this process appended to since its last one, stores it and writes it
   * to the log, so that a copy leaves the database. A chain whose head has not moved past its stored checkpoint is
   * skipped; one whose head differs from the checkpoint stored at its position is logged as an error. Returns the
   * checkpoints taken.
   */
  async checkpointWritten(): Promise<AuditCheckpoint[]> {
    const chains = [...this.written.values()];
    this.written.clear();
    const taken: AuditCheckpoint[] = [];
    let failure: unknown;
    for (const scope of chains) {
      try {
        const checkpoint = await this.db.withTenant(scope, async (tx) => {
          const head = await findAuditChainHead(tx, scope);
          if (!head) {
            return null;
          }
          const signed = signCheckpoint(this.active, {
            orgId: scope.orgId,
            projectId: scope.projectId,
            seq: head.seq,
            hash: head.hash,
            createdAt: this.clock().toISOString(),
          });
          return { signed, stored: await insertAuditCheckpoint(tx, signed) };
        });
        if (checkpoint?.stored.inserted) {
          this.logger.info({ checkpoint: checkpoint.signed }, 'audit checkpoint');
          taken.push(checkpoint.signed);
        } else if (
          checkpoint?.stored.storedHash !== undefined &&
          checkpoint.stored.storedHash !== checkpoint.signed.hash
        ) {
          // Another head at a position already checkpointed: entries were removed and the positions written again.
          this.logger.error(
            { checkpoint: checkpoint.signed, checkpointedHash: checkpoint.stored.storedHash },
            'audit chain differs from its checkpoint at the same position; verify it against the exported checkpoints'
          );
        }
      } catch (error) {
        // Tried again at the next round; the other chains are not held up.
        this.written.set(chainKey(scope), scope);
        failure ??= error;
      }
    }
    if (failure !== undefined) {
      throw failure;
    }
    return taken;
  }

  private anchorOf(scope: TenantScope, checkpoint: AuditCheckpoint): ChainAnchor {
    if (checkpoint.orgId !== scope.orgId || checkpoint.projectId !== scope.projectId) {
      throw badRequest('checkpoint: is of another chain than the one verified');
    }
    const check = checkCheckpoint(this.keys, checkpoint);
    if (check === 'unknown_mac_key') {
      throw badRequest(`checkpoint: signed with key "${checkpoint.keyId}", which is not configured (AUDIT_KEYS)`);
    }
    if (check === 'mac_mismatch') {
      throw badRequest('checkpoint: its MAC does not match (altered, or not from this deployment)');
    }
    return { seq: checkpoint.seq, hash: checkpoint.hash };
  }
}
