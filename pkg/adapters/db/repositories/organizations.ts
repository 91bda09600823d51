import type { Queryable } from '../database.ts';

/** Registers an org, or replaces its secret: the sha256 hex digest of the sidecar secret, never the secret. */
export async function upsertOrganizationSecret(tx: Queryable, orgId: number, secretHash: string): Promise<void> {
  await tx.query(
    `INSERT INTO organizations (id, secret_hash) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, updated_at = now()`,
    [orgId, secretHash]
  );
}

/** The org's secret digest (hex); null when the org is unknown or has no secret. */
export async function findOrganizationSecretHash(tx: Queryable, orgId: number): Promise<string | null> {
  const row = (
    await tx.query<{ secret_hash: string | null }>('SELECT secret_hash FROM organizations WHERE id = $1', [orgId])
  ).rows[0];
  return row?.secret_hash ?? null;
}
