import { ChainVerifier, GENESIS_HASH, hashAuditEntry, type AuditEntry, type StoredAuditEntry } from '../core/audit-chain.ts';
import type { AuditLogEntry, AuditLogPage, AuditVerifyResult } from '../contract/index.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import type { AuditActor } from './caller.ts';
import type { TenantScope } from '../core/tenant-scope.ts';

export interface AuditRecord {
  action: string;
  resourceType: string;
  resourceId: string;
  details?: Record<string, unknown>;
}

/**
 * The chain condition: `IS NOT DISTINCT FROM` would read the same rows but keep PostgreSQL off the
 * (org_id, project_id, seq) index, so the org chain gets its own form.
 */
const chainOf = (scope: TenantScope) => (scope.projectId === null ? 'project_id IS NULL AND $2::uuid IS NULL' : 'project_id = $2');

interface AuditRow {
  id: number;
  org_id: number;
  project_id: string | null;
  seq: number;
  actor_type: AuditEntry['actorType'];
  actor_id: string;
  actor_name: string;
  action: string;
  resource_type: string;
  resource_id: string;
  details: Record<string, unknown>;
  ip: string | null;
  request_id: string | null;
  created_at: Date;
  prev_hash: string;
  hash: string;
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
  const chainKey = `audit:${scope.orgId}:${scope.projectId ?? 'org'}`;
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [chainKey]);
  const last = await tx.query<{ seq: number; hash: string }>(
    `SELECT seq::int8 AS seq, hash FROM audit_logs
      WHERE org_id = $1 AND ${chainOf(scope)}
      ORDER BY seq DESC LIMIT 1`,
    [scope.orgId, scope.projectId]
  );
  const prev = last.rows[0];
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
  await tx.query(
    `INSERT INTO audit_logs (org_id, project_id, seq, actor_type, actor_id, actor_name, action, resource_type,
                             resource_id, details, ip, request_id, created_at, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      entry.orgId,
      entry.projectId,
      entry.seq,
      entry.actorType,
      entry.actorId,
      entry.actorName,
      entry.action,
      entry.resourceType,
      entry.resourceId,
      JSON.stringify(entry.details),
      entry.ip,
      entry.requestId,
      entry.createdAt,
      prevHash,
      hashAuditEntry(prevHash, entry),
    ]
  );
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  resourceType?: string;
  resourceId?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

const COLUMNS = `id::int8 AS id, org_id::int8 AS org_id, project_id, seq::int8 AS seq, actor_type, actor_id, actor_name,
  action, resource_type, resource_id, details, ip, request_id, created_at, prev_hash, hash`;

export class AuditService {
  private readonly db: Database;

  constructor(deps: { db: Database }) {
    this.db = deps.db;
  }

  /** Newest first, keyset-paginated on the chain position. */
  async list(scope: TenantScope, filter: AuditFilter): Promise<AuditLogPage> {
    const where = ['org_id = $1', chainOf(scope)];
    const params: unknown[] = [scope.orgId, scope.projectId];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.action) {
      // `incident` matches incident.created, incident.updated …; `incident.created` matches itself
      filter.action.includes('.') ? add('action = ?', filter.action) : add("split_part(action, '.', 1) = ?", filter.action);
    }
    if (filter.actorId) {
      add('actor_id = ?', filter.actorId);
    }
    if (filter.resourceType) {
      add('resource_type = ?', filter.resourceType);
    }
    if (filter.resourceId) {
      add('resource_id = ?', filter.resourceId);
    }
    if (filter.from) {
      add('created_at >= ?', filter.from);
    }
    if (filter.to) {
      add('created_at < ?', filter.to);
    }
    if (filter.cursor) {
      add('seq < ?', Number(filter.cursor));
    }
    params.push(filter.limit + 1);
    const rows = await this.db.withTenant(scope, async (tx) =>
      (
        await tx.query<AuditRow>(
          `SELECT ${COLUMNS} FROM audit_logs WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`,
          params
        )
      ).rows
    );
    const page = rows.slice(0, filter.limit);
    const hasMore = rows.length > filter.limit;
    return { items: page.map(present), nextCursor: hasMore ? String(page[page.length - 1]!.seq) : null };
  }

  /** Walks the whole chain in pages and reports the first broken link. */
  async verify(scope: TenantScope, pageSize = 1000): Promise<AuditVerifyResult> {
    const verifier = new ChainVerifier();
    let after = 0;
    for (;;) {
      const rows = await this.db.withTenant(
        scope,
        async (tx) =>
          (
            await tx.query<AuditRow>(
              `SELECT ${COLUMNS} FROM audit_logs
                WHERE org_id = $1 AND ${chainOf(scope)} AND seq > $3
                ORDER BY seq LIMIT $4`,
              [scope.orgId, scope.projectId, after, pageSize]
            )
          ).rows
      );
      for (const row of rows) {
        const broken = verifier.next(toStored(row));
        if (broken) {
          return { ok: false, checked: verifier.checked, firstBroken: { id: broken.id, seq: broken.seq, reason: broken.reason } };
        }
      }
      if (rows.length < pageSize) {
        return { ok: true, checked: verifier.checked, firstBroken: null };
      }
      after = rows[rows.length - 1]!.seq;
    }
  }
}

function toStored(row: AuditRow): StoredAuditEntry {
  return {
    id: row.id,
    prevHash: row.prev_hash,
    hash: row.hash,
    entry: {
      orgId: row.org_id,
      projectId: row.project_id,
      seq: row.seq,
      actorType: row.actor_type,
      actorId: row.actor_id,
      actorName: row.actor_name,
      action: row.action,
      resourceType: row.resource_type,
      resourceId: row.resource_id,
      details: row.details,
      ip: row.ip,
      requestId: row.request_id,
      createdAt: row.created_at.toISOString(),
    },
  };
}

function present(row: AuditRow): AuditLogEntry {
  return {
    id: row.id,
    seq: row.seq,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    details: row.details,
    ip: row.ip,
    requestId: row.request_id,
    createdAt: row.created_at.toISOString(),
    hash: row.hash,
  };
}
