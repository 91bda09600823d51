import type { Integration, IntegrationType } from '../../../contract/index.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { Queryable } from '../database.ts';

export interface IntegrationRow {
  id: string;
  org_id: number;
  project_id: string | null;
  type: IntegrationType;
  name: string;
  config: Record<string, unknown>;
  secret_ciphertext: string | null;
  secret_key_id: string | null;
  secret_fields: string[];
  created_at: Date;
  updated_at: Date;
}

/** An integration's secrets as stored: sealed together, with the names of the fields (nulls when there are none). */
export interface StoredSecrets {
  ciphertext: string | null;
  keyId: string | null;
  fields: string[];
}

/** An integration to store, its config validated and its secrets sealed. */
export interface NewIntegration {
  id: string;
  type: IntegrationType;
  name: string;
  config: Record<string, unknown>;
  secrets: StoredSecrets;
}

/** The whole new state of an integration's editable fields. */
export interface IntegrationChanges {
  name: string;
  config: Record<string, unknown>;
  secrets: StoredSecrets;
}

const COLUMNS = `id, org_id::int8 AS org_id, project_id, type, name, config, secret_ciphertext, secret_key_id,
  secret_fields, created_at, updated_at`;

/** The org-level integrations and, with a project, the project's own: org-level first, by name. */
export async function listIntegrations(tx: Queryable, scope: TenantScope): Promise<IntegrationRow[]> {
  return (
    await tx.query<IntegrationRow>(
      `SELECT ${COLUMNS} FROM integrations
        WHERE org_id = $1 AND (project_id IS NULL OR project_id = $2)
        ORDER BY project_id NULLS FIRST, name`,
      [scope.orgId, scope.projectId]
    )
  ).rows;
}

/** An integration of exactly this scope (org-level ones only for the org scope); `forUpdate` locks its row. */
export async function findIntegration(
  tx: Queryable,
  scope: TenantScope,
  id: string,
  forUpdate: boolean
): Promise<IntegrationRow | undefined> {
  return (
    await tx.query<IntegrationRow>(
      `SELECT ${COLUMNS} FROM integrations
        WHERE id = $1 AND org_id = $2 AND project_id IS NOT DISTINCT FROM $3 ${forUpdate ? 'FOR UPDATE' : ''}`,
      [id, scope.orgId, scope.projectId]
    )
  ).rows[0];
}

/** Inserts an integration into the scope; undefined when its name (or the org's one Grafana integration) is taken. */
export async function insertIntegration(
  tx: Queryable,
  scope: TenantScope,
  integration: NewIntegration
): Promise<IntegrationRow | undefined> {
  const { secrets } = integration;
  return (
    await tx.query<IntegrationRow>(
      `INSERT INTO integrations (id, org_id, project_id, type, name, config, secret_ciphertext, secret_key_id, secret_fields)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        integration.id,
        scope.orgId,
        scope.projectId,
        integration.type,
        integration.name,
        JSON.stringify(integration.config),
        secrets.ciphertext,
        secrets.keyId,
        secrets.fields,
      ]
    )
  ).rows[0];
}

/**
 * Replaces an integration's name, config and secrets. A name taken in the scope fails with the unique violation
 * of the database (SQLSTATE 23505).
 */
export async function updateIntegration(
  tx: Queryable,
  scope: TenantScope,
  id: string,
  changes: IntegrationChanges
): Promise<IntegrationRow | undefined> {
  const { secrets } = changes;
  return (
    await tx.query<IntegrationRow>(
      `UPDATE integrations SET name = $3, config = $4, secret_ciphertext = $5, secret_key_id = $6, secret_fields = $7,
              updated_at = now()
        WHERE id = $1 AND org_id = $2
        RETURNING ${COLUMNS}`,
      [id, scope.orgId, changes.name, JSON.stringify(changes.config), secrets.ciphertext, secrets.keyId, secrets.fields]
    )
  ).rows[0];
}

/** Deletes an integration of the org (its scope was checked by the caller). */
export async function deleteIntegration(tx: Queryable, scope: TenantScope, id: string): Promise<void> {
  await tx.query('DELETE FROM integrations WHERE id = $1 AND org_id = $2', [id, scope.orgId]);
}

/** The org's Grafana integration (org-level, at most one). */
export async function findOrgGrafanaIntegration(tx: Queryable, orgId: number): Promise<IntegrationRow | undefined> {
  return (
    await tx.query<IntegrationRow>(
      `SELECT ${COLUMNS} FROM integrations WHERE org_id = $1 AND project_id IS NULL AND type = 'grafana'`,
      [orgId]
    )
  ).rows[0];
}

/** The project's own Prometheus integrations, by name. */
export async function listPrometheusIntegrations(tx: Queryable, scope: TenantScope<string>): Promise<IntegrationRow[]> {
  return (
    await tx.query<IntegrationRow>(
      `SELECT ${COLUMNS} FROM integrations
        WHERE org_id = $1 AND project_id = $2 AND type = 'prometheus'
        ORDER BY name`,
      [scope.orgId, scope.projectId]
    )
  ).rows;
}

/** Locks and returns the integrations of every tenant whose secrets are sealed under another key than `keyId`. */
export async function lockIntegrationsSealedWithOtherKey(tx: Queryable, keyId: string): Promise<IntegrationRow[]> {
  return (
    await tx.query<IntegrationRow>(
      `SELECT ${COLUMNS} FROM integrations WHERE secret_key_id IS NOT NULL AND secret_key_id <> $1 FOR UPDATE`,
      [keyId]
    )
  ).rows;
}

/** Stores secrets re-sealed under another key; the secret fields stay as they are. */
export async function updateIntegrationSeal(
  tx: Queryable,
  id: string,
  sealed: { ciphertext: string; keyId: string }
): Promise<void> {
  await tx.query('UPDATE integrations SET secret_ciphertext = $2, secret_key_id = $3 WHERE id = $1', [
    id,
    sealed.ciphertext,
    sealed.keyId,
  ]);
}

/** An integration as the API shows it: never its secrets, only their field names. */
export function presentIntegration(row: IntegrationRow): Integration {
  return {
    id: row.id,
    scope: row.project_id === null ? 'org' : 'project',
    type: row.type,
    name: row.name,
    config: row.config,
    secretFields: row.secret_fields,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
