import { randomUUID } from 'node:crypto';
import { correlate, type CandidateIncident, type CorrelationConfig } from '../core/correlation.ts';
import type { IncidentStatus } from '../core/incident-state.ts';
import { severityRank, type Severity } from '../core/severity.ts';
import type { SignalDraft } from '../core/signal.ts';
import type { Queryable } from '../adapters/db/database.ts';
import { appendAudit, type AuditRecord } from './audit.ts';
import { systemActor } from './caller.ts';
import { LIVE_CHANNEL, livePayload, notifyLive } from './live-events.ts';
import type { Metrics } from './metrics.ts';
import type { TenantScope } from '../core/tenant-scope.ts';

export interface IncidentCorrelationConfig extends CorrelationConfig {
  /** Resolve an incident by itself when all its signals have resolved. */
  autoResolve: boolean;
}

export interface WorkingIncident extends CandidateIncident {
  severity: Severity;
  title: string;
  warnings: string[];
  isNew: boolean;
  reopened: boolean;
  attached: number;
  attachedFiring: number;
}

/** An incident that signals may join, as `lookup` reads it (a JSON row: times are ISO strings). */
interface IncidentRow {
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

/** Incidents by id, that signals may join; `assign` adds the ones it creates. */
export type Candidates = Map<string, WorkingIncident>;

/** Where each new firing signal goes (incident id by signal hash), and the incidents that changed. */
export interface Assignment {
  incidents: Map<string, string>;
  touched: WorkingIncident[];
}

/** Deployments are context and open nothing; resolved signals join nothing. */
const isCorrelated = (draft: SignalDraft) => draft.status === 'firing' && draft.signalType !== 'deployment';

const actor = systemActor('correlator');

/**
 * Correlation, inside the transaction that stores the signals (the project's advisory lock is held, so no other
 * replica correlates the same project at the same time): new firing signals join an open incident of their
 * service within the window, reopen a recently resolved one, or open a new one; resolves lower the incident's
 * firing count and, when it reaches zero, resolve the incident.
 */
export class IncidentCorrelation {
  private readonly metrics: Metrics;
  private readonly config: IncidentCorrelationConfig;

  constructor(deps: { metrics: Metrics }, config: IncidentCorrelationConfig) {
    this.metrics = deps.metrics;
    this.config = config;
  }

  /**
   * What correlating `signals` needs, read in one statement: which of them are stored already (by hash, with their
   * status) and the incidents they may join or reopen. A caller may ask with more signals than turn out to be new
   * (e.g. before it knows which are duplicates): extra candidates change no decision.
   */
  async lookup(
    tx: Queryable,
    scope: TenantScope<string>,
    signals: Array<{ hash: string; draft: SignalDraft }>,
    now: Date
  ): Promise<{ stored: Map<string, 'firing' | 'resolved'>; candidates: Candidates }> {
    const firing = signals.map((s) => s.draft).filter(isCorrelated);
    const services = [...new Set(firing.map((d) => d.service).filter((s): s is string => s !== null))];
    const groups = [...new Set(firing.filter((d) => d.service === null).map((d) => d.groupKey).filter((g): g is string => g !== null))];
    let earliestStart = now.getTime();
    for (const d of firing) {
      earliestStart = Math.min(earliestStart, Date.parse(d.startsAt));
    }
    const earliest = new Date(earliestStart - Math.max(this.config.windowMs, this.config.reopenWindowMs));
    // Prepared (see QueryOptions), so its plan is a generic one: written as one index probe per signal key, per
    // service and per group key (LIMIT 1 and OFFSET 0 keep each probe a subquery of its key), which no estimate of the
    // tables' sizes can turn into a scan of the project's signals or incidents.
    const rows = (
      await tx.query<{ hash: string | null; status: 'firing' | 'resolved' | null; incident: IncidentRow | null }>(
        `SELECT s.hash, s.status, NULL::json AS incident FROM unnest($2::uuid[]) AS k(hash)
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
         ) i`,
        [scope.projectId, signals.map((s) => s.hash), services, groups, earliest],
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

  /**
   * Decides the incident of each new firing signal (by hash) among `candidates` (from `candidates()`, in the same
   * transaction), creating or reopening incidents as needed. Nothing is written until `write`.
   */
  assign(drafts: Array<{ hash: string; draft: SignalDraft }>, candidates: Candidates, now: Date): Assignment {
    const incidents = new Map<string, string>();
    const pool = [...candidates.values()];
    for (const { hash, draft } of drafts) {
      if (!isCorrelated(draft)) {
        continue;
      }
      const startsAt = new Date(draft.startsAt);
      const at = startsAt > now ? startsAt : now;
      const decision = correlate(draft, pool, this.config, at);
      let incident: WorkingIncident;
      if (decision.kind === 'create') {
        incident = {
          id: randomUUID(),
          status: 'triggered',
          service: draft.service,
          groupKey: draft.groupKey,
          lastSignalAt: at,
          resolvedAt: null,
          severity: draft.severity,
          title: draft.title,
          warnings: [...draft.warnings],
          isNew: true,
          reopened: false,
          attached: 0,
          attachedFiring: 0,
        };
        candidates.set(incident.id, incident);
        pool.push(incident);
      } else {
        incident = candidates.get(decision.incidentId)!;
        if (decision.kind === 'reopen') {
          incident.status = 'triggered';
          incident.resolvedAt = null;
          incident.reopened = true;
        }
        incident.lastSignalAt = at > incident.lastSignalAt ? at : incident.lastSignalAt;
        if (severityRank(draft.severity) < severityRank(incident.severity)) {
          incident.severity = draft.severity;
        }
        if (draft.warnings.some((w) => !incident.warnings.includes(w))) {
          incident.warnings = [...new Set([...incident.warnings, ...draft.warnings])];
        }
      }
      incident.attached += 1;
      incident.attachedFiring += 1;
      incidents.set(hash, incident.id);
    }
    return { incidents, touched: [...candidates.values()].filter((i) => i.attached > 0) };
  }

  /** Lowers firing counts for resolved signals and resolves incidents that have none left firing. */
  async settle(tx: Queryable, scope: TenantScope<string>, resolvedPerIncident: Map<string, number>, now: Date): Promise<void> {
    if (resolvedPerIncident.size === 0) {
      return;
    }
    const ids = [...resolvedPerIncident.keys()];
    const rows = (
      await tx.query<{ id: string; firing_count: number; status: IncidentStatus }>(
        `UPDATE incidents i SET firing_count = greatest(0, i.firing_count - r.n), updated_at = $3
           FROM unnest($1::uuid[], $2::int[]) AS r(id, n)
          WHERE i.id = r.id AND i.project_id = $4
          RETURNING i.id, i.firing_count, i.status`,
        [ids, ids.map((id) => resolvedPerIncident.get(id)!), now, scope.projectId]
      )
    ).rows;
    const events: EventInput[] = [];
    for (const row of rows) {
      if (this.config.autoResolve && row.firing_count === 0 && row.status !== 'resolved') {
        await tx.query(
          `UPDATE incidents SET status = 'resolved', resolved_at = $2, resolved_by = $3, updated_at = $2 WHERE id = $1`,
          [row.id, now, actor.id]
        );
        events.push({ incidentId: row.id, kind: 'status_changed', details: { from: row.status, to: 'resolved', reason: 'all signals resolved' } });
        await appendAudit(tx, scope, actor, {
          action: 'incident.resolved',
          resourceType: 'incident',
          resourceId: row.id,
          details: { reason: 'all signals resolved' },
        }, now);
      }
    }
    await recordEvents(tx, scope, events, now);
    await notifyLive(tx, scope, rows.map((r) => ({ type: 'incident.updated' as const, incidentId: r.id })));
  }

  /**
   * Writes an assignment: new incidents, the touched ones' counts, severity and reopening, their timeline and live
   * events (one statement, sent before anything is awaited, so it can travel with the caller's next statement), and
   * the audit entries of created and reopened incidents.
   */
  async write(tx: Queryable, scope: TenantScope<string>, assignment: Assignment, now: Date): Promise<void> {
    const touched = assignment.touched;
    if (touched.length === 0) {
      return;
    }
    const events: EventInput[] = [];
    const audits: AuditRecord[] = [];
    for (const incident of touched) {
      if (incident.isNew) {
        events.push({ incidentId: incident.id, kind: 'created', details: { service: incident.service, severity: incident.severity } });
        audits.push({
          action: 'incident.created',
          resourceType: 'incident',
          resourceId: incident.id,
          details: { title: incident.title, service: incident.service, severity: incident.severity, origin: 'correlation' },
        });
      }
      if (incident.reopened) {
        events.push({ incidentId: incident.id, kind: 'status_changed', details: { from: 'resolved', to: 'triggered', reason: 'a new signal arrived' } });
        audits.push({ action: 'incident.reopened', resourceType: 'incident', resourceId: incident.id });
      }
      events.push({ incidentId: incident.id, kind: 'signals_attached', details: { count: incident.attached } });
    }
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
    // One statement for the batch: new incidents (with their counts), the counts, severity and reopen of the
    // existing ones, the timeline entries and the live events. Foreign keys are checked at the statement's end,
    // so the timeline may name incidents that the same statement creates.
    const written = tx.query(
      `WITH r AS (
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
       SELECT pg_notify($9, n) FROM unnest($10::text[]) AS n`,
      [
        JSON.stringify(rows),
        scope.orgId,
        scope.projectId,
        actor.id,
        now,
        actor.type,
        actor.name,
        JSON.stringify(events.map((e) => ({ incident_id: e.incidentId, kind: e.kind, details: e.details }))),
        LIVE_CHANNEL,
        touched.map((i) => livePayload(scope, { type: i.isNew ? 'incident.created' : 'incident.updated', incidentId: i.id })),
      ],
      { prepare: true }
    );
    // The audit chain takes its own lock and reads its last entry; the entries follow the statement above.
    const audited = (async () => {
      for (const record of audits) {
        await appendAudit(tx, scope, actor, record, now);
      }
    })();
    await Promise.all([written, audited]);
    for (let i = 0; i < audits.length; i++) {
      this.metrics.incidentsOpened.inc({ origin: 'correlation' });
    }
  }
}

interface EventInput {
  incidentId: string;
  kind: string;
  details: Record<string, unknown>;
}

/** The timeline entries of a batch, in one statement. */
async function recordEvents(tx: Queryable, scope: TenantScope<string>, events: EventInput[], at: Date) {
  if (events.length === 0) {
    return;
  }
  await tx.query(
    `INSERT INTO incident_events (org_id, project_id, incident_id, kind, actor_type, actor_id, actor_name, details, created_at)
     SELECT $1, $2, e.incident_id, e.kind, $3, $4, $5, e.details, $6
       FROM jsonb_to_recordset($7::jsonb) AS e(incident_id uuid, kind text, details jsonb)`,
    [
      scope.orgId,
      scope.projectId,
      actor.type,
      actor.id,
      actor.name,
      at,
      JSON.stringify(events.map((e) => ({ incident_id: e.incidentId, kind: e.kind, details: e.details }))),
    ]
  );
}
