import type { CandidateIncident } from '../../../core/correlation.ts';
import type { IncidentStatus } from '../../../core/incident-state.ts';
import type { Severity } from '../../../core/severity.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { Queryable } from '../database.ts';
import { eventsJson, type EventActor, type EventInput } from './incident-events.ts';

/**
 * An incident as correlation works on it: read by `findCorrelationState` (or created in memory), changed while
 * signals are assigned to it, and written by `writeCorrelation`.
 */
export interface WorkingIncident extends CandidateIncident {
  severity: Severity;
  title: string;
  warnings: string[];
  isNew: boolean;
  reopened: boolean;
  attached: number;
  attachedFiring: number;
}

/** Incidents by id, that signals may join. */
export type Candidates = Map<string, WorkingIncident>;

/** An incident that signals may join, as `findCorrelationState` reads it (a JSON row: times are ISO strings). */
interface CandidateRow {
  id: string;
  status: IncidentStatus;
  service: string | null;
  group_key: string | null;
  last_signal_at: string;
  resolved_at: string | null;
  severity: Severity;
  title: string;
  warnings: string[];
}

// Prepared (see QueryOptions), so its plan is a generic one: written as one index probe per signal key, per
// service and per group key (LIMIT 1 and OFFSET 0 keep each probe a subquery of its key), which no estimate of the
// tables' sizes can turn into a scan of the project's signals or incidents.
const FIND_CORRELATION_STATE = `SELECT s.hash, s.status, NULL::json AS incident FROM unnest($2::uuid[]) AS k(hash)
           CROSS JOIN LATERAL (SELECT hash, status FROM signals WHERE project_id = $1 AND hash = k.hash LIMIT 1) s
         UNION ALL
         SELECT NULL, NULL, row_to_json(i) FROM (
           SELECT i.* FROM unnest($3::text[]) AS k(service) CROSS JOIN LATERAL (
             SELECT id, status, service, group_key, last_signal_at, resolved_at, severity, title, warnings FROM incidents
              WHERE project_id = $1 AND service = k.service
                AND ((status <> 'resolved' AND last_signal_at >= $5) OR (status = 'resolved' AND resolved_at >= $5)) OFFSET 0) i
           UNION ALL
           SELECT i.* FROM unnest($4::text[]) AS g(group_key) CROSS JOIN LATERAL (
             SELECT id, status, service, group_key, last_signal_at, resolved_at, severity, title, warnings FROM incidents
              WHERE project_id = $1 AND service IS NULL AND group_key = g.group_key
                AND ((status <> 'resolved' AND last_signal_at >= $5) OR (status = 'resolved' AND resolved_at >= $5)) OFFSET 0) i
         ) i`;

/**
 * In one statement: which of the signals (by hash) are stored already, with their status, and the incidents the
 * signals may join or reopen, as candidates not yet changed: those of `services`, and those of no service of
 * `groups`, that had a signal (open ones) or were resolved (resolved ones) since `earliest`.
 */
export async function findCorrelationState(
  tx: Queryable,
  scope: TenantScope<string>,
  hashes: string[],
  services: string[],
  groups: string[],
  earliest: Date
): Promise<{ stored: Map<string, 'firing' | 'resolved'>; candidates: Candidates }> {
  const rows = (
    await tx.query<{ hash: string | null; status: 'firing' | 'resolved' | null; incident: CandidateRow | null }>(
      FIND_CORRELATION_STATE,
      [scope.projectId, hashes, services, groups, earliest],
      { prepare: true }
    )
  ).rows;
  const stored = new Map<string, 'firing' | 'resolved'>();
  const candidates: Candidates = new Map();
  for (const row of rows) {
    if (row.incident) {
      const r = row.incident;
      candidates.set(r.id, {
        id: r.id,
        status: r.status,
        service: r.service,
        groupKey: r.group_key,
        lastSignalAt: new Date(r.last_signal_at),
        resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at),
        severity: r.severity,
        title: r.title,
        warnings: r.warnings,
        isNew: false,
        reopened: false,
        attached: 0,
        attachedFiring: 0,
      });
    } else {
      stored.set(row.hash!, row.status!);
    }
  }
  return { stored, candidates };
}

// One statement for the batch: new incidents (with their counts), the counts, severity and reopen of the
// existing ones, the timeline entries and the live events. Foreign keys are checked at the statement's end,
// so the timeline may name incidents that the same statement creates.
const WRITE_CORRELATION = `WITH r AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, is_new boolean, title text, service text, group_key text,
                attached int, firing int, severity text, last_signal_at timestamptz, warnings text[], reopened boolean)
       ), created AS (
         INSERT INTO incidents (id, org_id, project_id, title, status, severity, service, group_key, origin, warnings,
                                signal_count, firing_count, created_by, created_at, updated_at, last_signal_at)
         SELECT r.id, $2, $3, r.title, 'triggered', r.severity, r.service, r.group_key, 'correlation',
                coalesce(r.warnings, '{}'), r.attached, r.firing, $4, $5, $5, r.last_signal_at
           FROM r WHERE r.is_new
       ), updated AS (
         UPDATE incidents i SET signal_count = i.signal_count + r.attached, firing_count = i.firing_count + r.firing,
                severity = r.severity, last_signal_at = greatest(i.last_signal_at, r.last_signal_at), warnings = r.warnings,
                updated_at = $5,
                status = CASE WHEN r.reopened THEN 'triggered' ELSE i.status END,
                resolved_at = CASE WHEN r.reopened THEN NULL ELSE i.resolved_at END,
                resolved_by = CASE WHEN r.reopened THEN NULL ELSE i.resolved_by END,
                reopen_count = i.reopen_count + CASE WHEN r.reopened THEN 1 ELSE 0 END
           FROM r WHERE NOT r.is_new AND i.id = r.id AND i.project_id = $3
       ), timeline AS (
         INSERT INTO incident_events (org_id, project_id, incident_id, kind, actor_type, actor_id, actor_name, details, created_at)
         SELECT $2, $3, e.incident_id, e.kind, $6, $4, $7, e.details, $5
           FROM jsonb_to_recordset($8::jsonb) AS e(incident_id uuid, kind text, details jsonb)
       )
       SELECT pg_notify($9, n) FROM unnest($10::text[]) AS n`;

/**
 * Writes the incidents correlation touched — the new ones created by `actor`, the others' counts, severity,
 * warnings and reopening — with their timeline entries, and sends the live events (`payloads`, NOTIFY on
 * `channel`), in one prepared statement. It is sent when called, before anything is awaited, so it can travel with
 * the caller's next statement.
 */
export async function writeCorrelation(
  tx: Queryable,
  scope: TenantScope<string>,
  actor: EventActor,
  touched: WorkingIncident[],
  events: EventInput[],
  channel: string,
  payloads: string[],
  at: Date
): Promise<void> {
  const rows = touched.map((i) => ({
    id: i.id,
    is_new: i.isNew,
    title: i.title,
    service: i.service,
    group_key: i.groupKey,
    attached: i.attached,
    firing: i.attachedFiring,
    severity: i.severity,
    last_signal_at: i.lastSignalAt.toISOString(),
    warnings: i.warnings,
    reopened: i.reopened,
  }));
  await tx.query(
    WRITE_CORRELATION,
    [
      JSON.stringify(rows),
      scope.orgId,
      scope.projectId,
      actor.id,
      at,
      actor.type,
      actor.name,
      eventsJson(events),
      channel,
      payloads,
    ],
    { prepare: true }
  );
}
