import type { QueryTemplate } from '../../../contract/index.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { Queryable } from '../database.ts';

/** A project's saved templates, as stored (JSON, to be validated by the reader). */
export interface StoredQueryTemplates {
  templates: unknown;
}

/** The project's own templates, or undefined when it uses the defaults. */
export async function findQueryTemplates(
  tx: Queryable,
  scope: TenantScope<string>
): Promise<StoredQueryTemplates | undefined> {
  return (
    await tx.query<StoredQueryTemplates>('SELECT templates FROM query_templates WHERE project_id = $1', [
      scope.projectId,
    ])
  ).rows[0];
}

/** Saves the project's own templates, replacing any it had. */
export async function upsertQueryTemplates(
  tx: Queryable,
  scope: TenantScope<string>,
  templates: QueryTemplate[],
  updatedBy: string,
  updatedAt: Date
): Promise<void> {
  await tx.query(
    `INSERT INTO query_templates (org_id, project_id, templates, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (project_id) DO UPDATE SET templates = EXCLUDED.templates, updated_by = EXCLUDED.updated_by,
                                             updated_at = EXCLUDED.updated_at`,
    [scope.orgId, scope.projectId, JSON.stringify(templates), updatedBy, updatedAt]
  );
}

/** Removes the project's own templates; false when it had none. */
export async function deleteQueryTemplates(tx: Queryable, scope: TenantScope<string>): Promise<boolean> {
  const removed = await tx.query('DELETE FROM query_templates WHERE project_id = $1', [scope.projectId]);
  return removed.rowCount > 0;
}
