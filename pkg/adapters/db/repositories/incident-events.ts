import type { IncidentEvent } from '../../../contract/index.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { Queryable } from '../database.ts';

/** Who a timeline entry is by. */
export type EventActor = IncidentEvent['actor'];

/** One entry for an incident's timeline, as `insertIncidentEvents` takes it. */
export interface EventInput {
  incidentId: string;
  kind: string;
  details: Record<string, unknown>;
}

interface EventRow {
  id: number;
  kind: string;
  actor_type: EventActor['type'];
  actor_id: string;
  actor_name: string;
  details: Record<string, unknown>;
  created_at: Date;
}

/** An incident's timeline, oldest first, at most 1000 entries. */
export async function listIncidentEvents(
  tx: Queryable,
  scope: TenantScope<string>,
  incidentId: string
): Promise<IncidentEvent[]> {
  const rows = (
    await tx.query<EventRow>(
      `SELECT id::int8 AS id, kind, actor_type, actor_id, actor_name, details, created_at
             FROM incident_events WHERE incident_id = $1 AND project_id = $2 ORDER BY id LIMIT 1000`,
      [incidentId, scope.projectId]
    )
  ).rows;
  return rows.map(toIncidentEvent);
}

/** Adds one entry to an incident's timeline and returns it. */
export async function insertIncidentEvent(
  tx: Queryable,
  scope: TenantScope<string>,
  actor: EventActor,
  incidentId: string,
  kind: string,
  details: Record<string, unknown>,
  at: Date
): Promise<IncidentEvent> {
  const row = (
    await tx.query<EventRow>(
      `INSERT INTO incident_events (org_id, project_id, incident_id, kind, actor_type, actor_id, actor_name, details, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING id::int8 AS id, kind, actor_type, actor_id, actor_name, details, created_at`,
      [scope.orgId, scope.projectId, incidentId, kind, actor.type, actor.id, actor.name, JSON.stringify(details), at]
    )
  ).rows[0]!;
  return toIncidentEvent(row);
}

/** The timeline entries of a batch, by one actor, in one statement (none: no statement). */
export async function insertIncidentEvents(
  tx: Queryable,
  scope: TenantScope<string>,
  actor: EventActor,
  events: EventInput[],
  at: Date
): Promise<void> {
  if (events.length === 0) {
    return;
  }
  await tx.query(
    `INSERT INTO incident_events (org_id, project_id, incident_id, kind, actor_type, actor_id, actor_name, details, created_at)
     SELECT $1, $2, e.incident_id, e.kind, $3, $4, $5, e.details, $6
       FROM jsonb_to_recordset($7::jsonb) AS e(incident_id uuid, kind text, details jsonb)`,
    [scope.orgId, scope.projectId, actor.type, actor.id, actor.name, at, eventsJson(events)]
  );
}

/** Timeline entries as the JSON rows that these statements and the correlation's write read (jsonb_to_recordset). */
export function eventsJson(events: EventInput[]): string {
  return JSON.stringify(events.map((e) => ({ incident_id: e.incidentId, kind: e.kind, details: e.details })));
}

function toIncidentEvent(row: EventRow): IncidentEvent {
  return {
    id: row.id,
    kind: row.kind,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    details: row.details,
    createdAt: row.created_at.toISOString(),
  };
}
