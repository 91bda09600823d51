import type { AuditEntry, StoredAuditEntry } from '../../../core/audit-chain.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { AuditLogEntry } from '../../../contract/index.ts';
import type { Queryable } from '../database.ts';

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

/** The last link of a chain: what the next entry continues from. */
export interface AuditChainHead {
  seq: number;
  hash: string;
}

/** What a listing of the audit log may be narrowed to; every field given must match. */
export interface AuditSearch {
  /** An action (`incident.created`), or an action's first segment (`incident`) for all of its kind. */
  action?: string;
  actorId?: string;
  resourceType?: string;
  resourceId?: string;
  /** Inclusive lower bound of the creation time (ISO 8601). */
  from?: string;
  /** Exclusive upper bound of the creation time (ISO 8601). */
  to?: string;
  /** Only entries before this chain position (the keyset cursor). */
  beforeSeq?: number;
}

/**
 * The chain condition: `IS NOT DISTINCT FROM` would read the same rows but keep PostgreSQL off the
 * (org_id, project_id, seq) index, so the org chain gets its own form.
 */
const chainOf = (scope: TenantScope) =>
  scope.projectId === null ? 'project_id IS NULL AND $2::uuid IS NULL' : 'project_id = $2';

const COLUMNS = `id::int8 AS id, org_id::int8 AS org_id, project_id, seq::int8 AS seq, actor_type, actor_id, actor_name,
  action, resource_type, resource_id, details, ip, request_id, created_at, prev_hash, hash`;

/**
 * Takes the transaction-scoped advisory lock of the scope's chain, so two transactions never link to the same
 * predecessor; it is released at commit or rollback.
 */
export async function lockAuditChain(tx: Queryable, scope: TenantScope): Promise<void> {
  const chainKey = `audit:${scope.orgId}:${scope.projectId ?? 'org'}`;
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [chainKey]);
}

/** The newest entry of the scope's chain, or undefined for an empty chain. */
export async function findAuditChainHead(tx: Queryable, scope: TenantScope): Promise<AuditChainHead | undefined> {
  const last = await tx.query<AuditChainHead>(
    `SELECT seq::int8 AS seq, hash FROM audit_logs
      WHERE org_id = $1 AND ${chainOf(scope)}
      ORDER BY seq DESC LIMIT 1`,
    [scope.orgId, scope.projectId]
  );
  return last.rows[0];
}

/** Stores one entry with the hash of its predecessor and its own hash (both computed by the caller). */
export async function insertAuditEntry(
  tx: Queryable,
  entry: AuditEntry,
  prevHash: string,
  hash: string
): Promise<void> {
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
      hash,
    ]
  );
}

/** Up to `limit` entries of the scope's chain matching `search`, newest first. */
export async function listAuditEntries(
  tx: Queryable,
  scope: TenantScope,
  search: AuditSearch,
  limit: number
): Promise<AuditLogEntry[]> {
  const where = ['org_id = $1', chainOf(scope)];
  const params: unknown[] = [scope.orgId, scope.projectId];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (search.action) {
    // `incident` matches incident.created, incident.updated …; `incident.created` matches itself
    search.action.includes('.')
      ? add('action = ?', search.action)
      : add("split_part(action, '.', 1) = ?", search.action);
  }
  if (search.actorId) {
    add('actor_id = ?', search.actorId);
  }
  if (search.resourceType) {
    add('resource_type = ?', search.resourceType);
  }
  if (search.resourceId) {
    add('resource_id = ?', search.resourceId);
  }
  if (search.from) {
    add('created_at >= ?', search.from);
  }
  if (search.to) {
    add('created_at < ?', search.to);
  }
  if (search.beforeSeq !== undefined) {
    add('seq < ?', search.beforeSeq);
  }
  params.push(limit);
  const result = await tx.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_logs WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`,
    params
  );
  return result.rows.map(toLogEntry);
}

/** Up to `limit` entries of the scope's chain after position `afterSeq`, in chain order, as hashed. */
export async function listAuditChain(
  tx: Queryable,
  scope: TenantScope,
  afterSeq: number,
  limit: number
): Promise<StoredAuditEntry[]> {
  const result = await tx.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_logs
      WHERE org_id = $1 AND ${chainOf(scope)} AND seq > $3
      ORDER BY seq LIMIT $4`,
    [scope.orgId, scope.projectId, afterSeq, limit]
  );
  return result.rows.map(toStored);
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

function toLogEntry(row: AuditRow): AuditLogEntry {
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
