import type { Incident, UpdateIncidentBody } from '../../../contract/index.ts';
import { allowedTransitions, incidentDurations, type IncidentStatus } from '../../../core/incident-state.ts';
import type { Severity } from '../../../core/severity.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { Queryable } from '../database.ts';

/** An incident as the API's statements read it. */
export interface IncidentRow {
  id: string;
  title: string;
  description: string;
  status: IncidentStatus;
  severity: Severity;
  service: string | null;
  group_key: string | null;
  origin: 'correlation' | 'manual';
  warnings: string[];
  signal_count: number;
  firing_count: number;
  reopen_count: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  last_signal_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
}

const COLUMNS = `id, title, description, status, severity, service, group_key, origin, warnings, signal_count, firing_count,
  reopen_count, created_by, created_at, updated_at, last_signal_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by`;

/** What `listIncidents` selects by; every condition given narrows the list. */
export interface IncidentQuery {
  status?: IncidentStatus[];
  severity?: Severity[];
  service?: string;
  /** Matched as a substring of the title or description, case-insensitively. */
  q?: string;
  from?: string;
  to?: string;
  /** Only incidents before this one in the list's order (keyset pagination): its creation time and id. */
  before?: [at: string, id: string];
  limit: number;
}

/** A project's incidents, newest first (by creation time, then id). */
export async function listIncidents(
  tx: Queryable,
  scope: TenantScope<string>,
  query: IncidentQuery
): Promise<IncidentRow[]> {
  const where = ['org_id = $1', 'project_id = $2'];
  const params: unknown[] = [scope.orgId, scope.projectId];
  const add = (clause: string, ...values: unknown[]) => {
    let text = clause;
    for (const value of values) {
      params.push(value);
      text = text.replace('?', `$${params.length}`);
    }
    where.push(text);
  };
  if (query.status?.length) {
    add('status = ANY(?::text[])', query.status);
  }
  if (query.severity?.length) {
    add('severity = ANY(?::text[])', query.severity);
  }
  if (query.service) {
    add('service = ?', query.service);
  }
  if (query.q) {
    add("(title ILIKE ? ESCAPE '\\' OR description ILIKE ? ESCAPE '\\')", ...Array(2).fill(`%${escapeLike(query.q)}%`));
  }
  if (query.from) {
    add('created_at >= ?', query.from);
  }
  if (query.to) {
    add('created_at < ?', query.to);
  }
  if (query.before) {
    add('(created_at, id) < (?::timestamptz, ?::uuid)', ...query.before);
  }
  params.push(query.limit);
  return (
    await tx.query<IncidentRow>(
      `SELECT ${COLUMNS} FROM incidents WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params
    )
  ).rows;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const FIND_INCIDENT = `SELECT ${COLUMNS} FROM incidents WHERE id = $1 AND org_id = $2 AND project_id = $3 `;
const LOCK_INCIDENT = `${FIND_INCIDENT}FOR UPDATE`;

/** One incident of the project, or undefined when the project has none with this id. */
export async function findIncident(
  tx: Queryable,
  scope: TenantScope<string>,
  id: string
): Promise<IncidentRow | undefined> {
  return (await tx.query<IncidentRow>(FIND_INCIDENT, [id, scope.orgId, scope.projectId])).rows[0];
}

/** As `findIncident`, and locks the incident's row until the transaction ends, so a change can be based on it. */
export async function lockIncidentForUpdate(
  tx: Queryable,
  scope: TenantScope<string>,
  id: string
): Promise<IncidentRow | undefined> {
  return (await tx.query<IncidentRow>(LOCK_INCIDENT, [id, scope.orgId, scope.projectId])).rows[0];
}

/** A new incident opened by hand (not by correlation), triggered, with no signals yet. */
export interface ManualIncident {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  service: string | null;
  createdBy: string;
  at: Date;
}

export async function insertManualIncident(
  tx: Queryable,
  scope: TenantScope<string>,
  incident: ManualIncident
): Promise<IncidentRow> {
  return (
    await tx.query<IncidentRow>(
      `INSERT INTO incidents (id, org_id, project_id, title, description, status, severity, service, origin, created_by,
                                  created_at, updated_at, last_signal_at)
           VALUES ($1, $2, $3, $4, $5, 'triggered', $6, $7, 'manual', $8, $9, $9, $9)
           RETURNING ${COLUMNS}`,
      [
        incident.id,
        scope.orgId,
        scope.projectId,
        incident.title,
        incident.description,
        incident.severity,
        incident.service,
        incident.createdBy,
        incident.at,
      ]
    )
  ).rows[0]!;
}

/** Changes the fields `body` gives (a `service` of null clears it) and keeps the others. */
export async function updateIncident(
  tx: Queryable,
  scope: TenantScope<string>,
  id: string,
  body: UpdateIncidentBody,
  at: Date
): Promise<IncidentRow> {
  return (
    await tx.query<IncidentRow>(
      `UPDATE incidents SET title = coalesce($3, title), description = coalesce($4, description),
                  severity = coalesce($5, severity), service = CASE WHEN $6 THEN $7 ELSE service END, updated_at = $8
            WHERE id = $1 AND project_id = $2 RETURNING ${COLUMNS}`,
      [
        id,
        scope.projectId,
        body.title ?? null,
        body.description ?? null,
        body.severity ?? null,
        body.service !== undefined,
        body.service ?? null,
        at,
      ]
    )
  ).rows[0]!;
}

/** A change of an incident's status, with the times and actor the state machine decided. */
export interface StatusChange {
  status: IncidentStatus;
  at: Date;
  acknowledgedAt: Date | null;
  /** Whether this change acknowledges the incident for the first time (it then records who did). */
  firstAcknowledgement: boolean;
  actorId: string;
  resolvedAt: Date | null;
  reopened: boolean;
}

export async function updateIncidentStatus(
  tx: Queryable,
  scope: TenantScope<string>,
  id: string,
  change: StatusChange
): Promise<IncidentRow> {
  return (
    await tx.query<IncidentRow>(
      `UPDATE incidents SET status = $3, updated_at = $4, acknowledged_at = $5,
                  acknowledged_by = CASE WHEN $6 THEN $7 ELSE acknowledged_by END,
                  resolved_at = $8, resolved_by = CASE WHEN $3 = 'resolved' THEN $7 WHEN $9 THEN NULL ELSE resolved_by END,
                  reopen_count = reopen_count + CASE WHEN $9 THEN 1 ELSE 0 END
            WHERE id = $1 AND project_id = $2 RETURNING ${COLUMNS}`,
      [
        id,
        scope.projectId,
        change.status,
        change.at,
        change.acknowledgedAt,
        change.firstAcknowledgement,
        change.actorId,
        change.resolvedAt,
        change.reopened,
      ]
    )
  ).rows[0]!;
}

/**
 * Lowers the firing count of each incident by its number of resolved signals (never below zero), in one statement;
 * returns each incident's new count and status.
 */
export async function lowerFiringCounts(
  tx: Queryable,
  scope: TenantScope<string>,
  resolvedPerIncident: Map<string, number>,
  at: Date
): Promise<Array<{ id: string; firing_count: number; status: IncidentStatus }>> {
  const ids = [...resolvedPerIncident.keys()];
  return (
    await tx.query<{ id: string; firing_count: number; status: IncidentStatus }>(
      `UPDATE incidents i SET firing_count = greatest(0, i.firing_count - r.n), updated_at = $3
           FROM unnest($1::uuid[], $2::int[]) AS r(id, n)
          WHERE i.id = r.id AND i.project_id = $4
          RETURNING i.id, i.firing_count, i.status`,
      [ids, ids.map((id) => resolvedPerIncident.get(id)!), at, scope.projectId]
    )
  ).rows;
}

/** Resolves one incident, as `resolvedBy`. */
export async function markIncidentResolved(tx: Queryable, id: string, at: Date, resolvedBy: string): Promise<void> {
  await tx.query(
    `UPDATE incidents SET status = 'resolved', resolved_at = $2, resolved_by = $3, updated_at = $2 WHERE id = $1`,
    [id, at, resolvedBy]
  );
}

/** The API's incident: the row, with its durations and the statuses it may move to. */
export function toIncident(row: IncidentRow): Incident {
  const durations = incidentDurations({
    status: row.status,
    createdAt: row.created_at,
    acknowledgedAt: row.acknowledged_at,
    resolvedAt: row.resolved_at,
  });
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    severity: row.severity,
    service: row.service,
    groupKey: row.group_key,
    origin: row.origin,
    warnings: row.warnings,
    signalCount: row.signal_count,
    firingCount: row.firing_count,
    reopenCount: row.reopen_count,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastSignalAt: row.last_signal_at.toISOString(),
    acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    resolvedBy: row.resolved_by,
    ...durations,
    allowedTransitions: [...allowedTransitions(row.status)],
  };
}
