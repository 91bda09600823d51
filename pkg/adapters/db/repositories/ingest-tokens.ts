import type { IngestRoute, IngestToken } from '../../../contract/index.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { Queryable } from '../database.ts';

interface TokenRow {
  id: string;
  name: string;
  token_prefix: string;
  hmac_ciphertext: string | null;
  hmac_header: string;
  timestamp_header: string | null;
  tolerance_seconds: number;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  last_delivery_at: Date | null;
  last_delivery_route: IngestRoute | null;
  last_delivery_test: boolean;
}

/** A token to store: only its sha256 and its first characters, and the HMAC secret sealed. */
export interface NewIngestToken {
  id: string;
  name: string;
  tokenHash: string;
  tokenPrefix: string;
  hmacCiphertext: string | null;
  hmacKeyId: string | null;
  /** Null for the default header. */
  hmacHeader: string | null;
  timestampHeader: string | null;
  /** Null for the default tolerance. */
  toleranceSeconds: number | null;
  createdBy: string;
}

/** An active token as `resolve_ingest_token` finds it, across tenants: its project and its HMAC settings. */
export interface ResolvedIngestTokenRow {
  token_id: string;
  org_id: number;
  project_id: string;
  hmac_ciphertext: string | null;
  hmac_key_id: string | null;
  hmac_header: string;
  timestamp_header: string | null;
  tolerance_seconds: number;
}

const COLUMNS = `id, name, token_prefix, hmac_ciphertext, hmac_header, timestamp_header, tolerance_seconds, created_by,
  created_at, revoked_at, last_delivery_at, last_delivery_route, last_delivery_test`;

/** The project's tokens, revoked ones too, newest first. */
export async function listIngestTokens(tx: Queryable, scope: TenantScope): Promise<IngestToken[]> {
  const result = await tx.query<TokenRow>(
    `SELECT ${COLUMNS} FROM ingest_tokens WHERE org_id = $1 AND project_id = $2 ORDER BY created_at DESC, id`,
    [scope.orgId, scope.projectId]
  );
  return result.rows.map(present);
}

/** Stores a new token of the project, with the default HMAC header and tolerance where none is given. */
export async function insertIngestToken(
  tx: Queryable,
  scope: TenantScope<string>,
  token: NewIngestToken
): Promise<IngestToken> {
  const row = (
    await tx.query<TokenRow>(
      `INSERT INTO ingest_tokens (id, org_id, project_id, name, token_hash, token_prefix, hmac_ciphertext, hmac_key_id,
                                  hmac_header, timestamp_header, tolerance_seconds, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, 'X-Grafana-Alerting-Signature'), $10, coalesce($11, 300), $12)
       RETURNING ${COLUMNS}`,
      [
        token.id,
        scope.orgId,
        scope.projectId,
        token.name,
        token.tokenHash,
        token.tokenPrefix,
        token.hmacCiphertext,
        token.hmacKeyId,
        token.hmacHeader,
        token.timestampHeader,
        token.toleranceSeconds,
        token.createdBy,
      ]
    )
  ).rows[0]!;
  return present(row);
}

/** Revokes an active token of the project; its sha256, or null when there is no such active token. */
export async function revokeIngestToken(tx: Queryable, scope: TenantScope, id: string): Promise<string | null> {
  const updated = await tx.query<{ token_hash: string }>(
    `UPDATE ingest_tokens SET revoked_at = now() WHERE id = $1 AND org_id = $2 AND project_id = $3 AND revoked_at IS NULL
     RETURNING token_hash`,
    [id, scope.orgId, scope.projectId]
  );
  return updated.rowCount === 0 ? null : updated.rows[0]!.token_hash;
}

/** Records a delivery the token carried, in the token's tenant. */
export async function recordIngestTokenDelivery(
  tx: Queryable,
  scope: TenantScope<string>,
  delivery: { tokenId: string; at: Date; route: IngestRoute; test: boolean }
): Promise<void> {
  await tx.query(
    `UPDATE ingest_tokens SET last_delivery_at = $4, last_delivery_route = $5, last_delivery_test = $6
     WHERE id = $1 AND org_id = $2 AND project_id = $3`,
    [delivery.tokenId, scope.orgId, scope.projectId, delivery.at, delivery.route, delivery.test]
  );
}

/**
 * The active token with this sha256, in whichever tenant it is: through the schema's SECURITY DEFINER function,
 * since the application role without a tenant context sees no token rows.
 */
export async function resolveIngestToken(
  tx: Queryable,
  tokenHash: string
): Promise<ResolvedIngestTokenRow | undefined> {
  return (
    await tx.query<ResolvedIngestTokenRow>(
      'SELECT token_id, org_id::int8 AS org_id, project_id, hmac_ciphertext, hmac_key_id, hmac_header, timestamp_header, tolerance_seconds FROM resolve_ingest_token($1)',
      [tokenHash]
    )
  ).rows[0];
}

function present(row: TokenRow): IngestToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.token_prefix,
    hmac: row.hmac_ciphertext
      ? { header: row.hmac_header, timestampHeader: row.timestamp_header, toleranceSeconds: row.tolerance_seconds }
      : null,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastDelivery:
      row.last_delivery_at && row.last_delivery_route
        ? { at: row.last_delivery_at.toISOString(), route: row.last_delivery_route, test: row.last_delivery_test }
        : null,
  };
}
