import type { AuditCheckpoint, AuditEntry, AuditMac, StoredAuditEntry } from '../../../core/audit-chain.ts';
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
  mac_key_id: string | null;
  mac: string | null;
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
  action, resource_type, resource_id, details, ip, request_id, created_at, prev_hash, hash, mac_key_id, mac`;

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

/** Stores one entry with the hash of its predecessor, its own hash and its MAC (all computed by the caller). */
export async function insertAuditEntry(
  tx: Queryable,
  entry: AuditEntry,
  prevHash: string,
  hash: string,
  mac: AuditMac
): Promise<void> {
  await tx.query(
    `INSERT INTO audit_logs (org_id, project_id, seq, actor_type, actor_id, actor_name, action, resource_type,
                             resource_id, details, ip, request_id, created_at, prev_hash, hash, mac_key_id, mac)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
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
      mac.keyId,
      mac.mac,
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
    mac: row.mac_key_id === null || row.mac === null ? null : { keyId: row.mac_key_id, mac: row.mac },
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

interface CheckpointRow {
  id: number;
  org_id: number;
  project_id: string | null;
  seq: number;
  hash: string;
  created_at: Date;
  mac_key_id: string;
  mac: string;
}

/** A stored checkpoint with its row id (the listing's cursor). */
export interface StoredCheckpoint {
  id: number;
  checkpoint: AuditCheckpoint;
}

const CHECKPOINT_COLUMNS = `id::int8 AS id, org_id::int8 AS org_id, project_id, seq::int8 AS seq, hash, created_at,
  mac_key_id, mac`;

/**
 * Stores a checkpoint unless the chain has one at that position already (another replica took it, or the chain was
 * rewritten since); returns whether it was stored and, when not, the stored one's hash.
 */
export async function insertAuditCheckpoint(
  tx: Queryable,
  checkpoint: AuditCheckpoint
): Promise<{ inserted: boolean; storedHash?: string }> {
  const result = await tx.query<{ hash: string; inserted: boolean }>(
    `WITH inserted AS (
       INSERT INTO audit_checkpoints (org_id, project_id, seq, hash, created_at, mac_key_id, mac)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING
       RETURNING hash
     )
     SELECT hash, true AS inserted FROM inserted
     UNION ALL
     SELECT hash, false AS inserted FROM audit_checkpoints
      WHERE org_id = $1 AND project_id IS NOT DISTINCT FROM $2::uuid AND seq = $3 AND NOT EXISTS (SELECT 1 FROM inserted)`,
    [
      checkpoint.orgId,
      checkpoint.projectId,
      checkpoint.seq,
      checkpoint.hash,
      checkpoint.createdAt,
      checkpoint.keyId,
      checkpoint.mac,
    ]
  );
  const row = result.rows[0];
  return row?.inserted ? { inserted: true } : { inserted: false, storedHash: row?.hash };
}

/** Up to `limit` checkpoints of the scope's chain, newest first, those before row `beforeId` when given. */
export async function listAuditCheckpoints(
  tx: Queryable,
  scope: TenantScope,
  beforeId: number | undefined,
  limit: number
): Promise<StoredCheckpoint[]> {
  const result = await tx.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints
      WHERE org_id = $1 AND ${chainOf(scope)} AND ($3::int8 IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [scope.orgId, scope.projectId, beforeId ?? null, limit]
  );
  return result.rows.map((row) => ({
    id: row.id,
    checkpoint: {
      orgId: row.org_id,
      projectId: row.project_id,
      seq: row.seq,
      hash: row.hash,
      createdAt: row.created_at.toISOString(),
      keyId: row.mac_key_id,
      mac: row.mac,
    },
  }));
}
