import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { correlate, type CandidateIncident, type CorrelationConfig } from '../core/correlation.ts';
import type { IncidentStatus } from '../core/incident-state.ts';
import { worstSeverity, type Severity } from '../core/severity.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import { appendAudit } from './audit.ts';
import { systemActor } from './caller.ts';
import { LIVE_CHANNEL } from './live-events.ts';
import { SIGNALS_CHANNEL } from './ingest.ts';
import type { Metrics } from './metrics.ts';

export interface CorrelatorConfig extends CorrelationConfig {
  /** Resolve an incident by itself when all its signals have resolved. */
  autoResolve: boolean;
  /** Sweep for pending signals at least this often (notifications are only hints). */
  sweepIntervalMs: number;
  batchSize: number;
}

interface PendingSignal {
  id: number;
  status: 'firing' | 'resolved';
  severity: Severity;
  title: string;
  description: string;
  service: string | null;
  group_key: string | null;
  warnings: string[];
  starts_at: Date;
  received_at: Date;
  incident_id: string | null;
}

interface IncidentRow extends CandidateIncident {
  severity: Severity;
  isNew: boolean;
  touched: boolean;
  title: string;
  reopened: boolean;
  warnings: string[];
}

type Lifecycle = 'created' | 'running' | 'stopping' | 'stopped';
const actor = systemActor('correlator');

/**
 * Turns pending signals into incidents. Work is per project, in one transaction under a per-project advisory lock
 * (so replicas never correlate the same project at once), woken by NOTIFY from ingestion and by a periodic sweep.
 */
export class Correlator {
  private readonly db: Database;
  private readonly logger: FastifyBaseLogger;
  private readonly metrics: Metrics;
  private readonly clock: () => Date;
  private readonly config: CorrelatorConfig;
  private state: Lifecycle = 'created';
  private unlisten: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(deps: { db: Database; logger: FastifyBaseLogger; metrics: Metrics; clock: () => Date }, config: CorrelatorConfig) {
    this.db = deps.db;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    this.clock = deps.clock;
    this.config = config;
  }

  async start(): Promise<void> {
    if (this.state !== 'created') {
      return;
    }
    this.state = 'running';
    this.unlisten = await this.db.listen(SIGNALS_CHANNEL, () => this.wake());
    this.timer = setInterval(() => this.wake(), this.config.sweepIntervalMs);
    this.wake();
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') {
      return;
    }
    this.state = 'stopping';
    if (this.timer) {
      clearInterval(this.timer);
    }
    await this.unlisten?.();
    await this.running;
    this.state = 'stopped';
  }

  /** Runs a pass now, or right after the one in progress. */
  wake(): void {
    if (this.state !== 'running') {
      return;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Until nothing is pending, whichever replica or loop does the work (tests wait for correlation this way). */
  async drain(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.pendingProjects()).length > 0) {
      if (Date.now() > deadline) {
        throw new Error('signals are still pending correlation');
      }
      if (!(await this.runOnce())) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  private async pendingProjects() {
    return this.db.withApp(
      async (tx) =>
        (await tx.query<{ org_id: number; project_id: string }>('SELECT org_id::int8 AS org_id, project_id FROM pending_correlation_projects(100)'))
          .rows
    );
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        while (this.state === 'running' && (await this.runOnce())) {
          // more work
        }
      } catch (error) {
        this.logger.error({ err: error }, 'correlation pass failed; the next pass retries');
      }
    } while (this.again && this.state === 'running');
  }

  /** One pass over the projects with pending signals; true when it did work. */
  async runOnce(): Promise<boolean> {
    const projects = await this.pendingProjects();
    let worked = false;
    for (const { org_id: orgId, project_id: projectId } of projects) {
      try {
        worked = (await this.correlateProject(orgId, projectId)) || worked;
      } catch (error) {
        // one project's failure must not hold up the others; its signals stay pending for the next pass
        this.logger.error({ err: error, orgId, projectId }, 'correlation failed for a project');
      }
    }
    return worked;
  }

  private async correlateProject(orgId: number, projectId: string): Promise<boolean> {
    const events: Array<{ type: 'incident.created' | 'incident.updated'; incidentId: string }> = [];
    const worked = await this.db.withTenant({ orgId, projectId }, async (tx) => {
      const locked = (
        await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok`, [`correlate:${projectId}`])
      ).rows[0]!.ok;
      if (!locked) {
        return false; // another replica is on it
      }
      const signals = (
        await tx.query<PendingSignal>(
          `SELECT id::int8 AS id, status, severity, title, description, service, group_key, warnings, starts_at, received_at, incident_id
             FROM signals WHERE project_id = $1 AND correlation_state = 'pending' ORDER BY id LIMIT $2`,
          [projectId, this.config.batchSize]
        )
      ).rows;
      if (signals.length === 0) {
        return false;
      }
      const now = this.clock();
      const incidents = await this.loadCandidates(tx, projectId, signals, now);
      const assignments = new Map<number, string>();
      for (const signal of signals) {
        if (signal.incident_id) {
          // already attached: a resolve (or a re-sent resolve); only the incident's counts change
          const known = incidents.get(signal.incident_id);
          if (known) {
            known.touched = true;
          } else {
            incidents.set(signal.incident_id, { ...(await this.loadIncident(tx, signal.incident_id)), touched: true });
          }
          continue;
        }
        if (signal.status === 'resolved') {
          continue; // a resolve without an earlier firing: recorded, opens nothing
        }
        const at = signal.starts_at > signal.received_at ? signal.starts_at : signal.received_at;
        const decision = correlate({ service: signal.service, groupKey: signal.group_key, at }, [...incidents.values()], this.config);
        let incident: IncidentRow;
        if (decision.kind === 'create') {
          incident = {
            id: randomUUID(),
            status: 'triggered',
            service: signal.service,
            groupKey: signal.group_key,
            lastSignalAt: at,
            resolvedAt: null,
            severity: signal.severity,
            isNew: true,
            touched: true,
            title: signal.title,
            reopened: false,
            warnings: [...signal.warnings],
          };
          incidents.set(incident.id, incident);
        } else {
          incident = incidents.get(decision.incidentId)!;
          incident.touched = true;
          if (decision.kind === 'reopen') {
            incident.status = 'triggered';
            incident.resolvedAt = null;
            incident.reopened = true;
          }
          if (at > incident.lastSignalAt) {
            incident.lastSignalAt = at;
          }
          incident.severity = worstSeverity([incident.severity, signal.severity]);
          incident.warnings = [...new Set([...incident.warnings, ...signal.warnings])];
        }
        assignments.set(signal.id, incident.id);
      }
      await this.write(tx, orgId, projectId, signals, incidents, assignments, now, events);
      return true;
    });
    // Live events go out after the commit; the NOTIFY itself was sent inside the transaction.
    if (events.length > 0) {
      this.logger.debug({ projectId, events: events.length }, 'correlated');
    }
    return worked;
  }

  private async loadCandidates(tx: Queryable, projectId: string, signals: PendingSignal[], now: Date) {
    const services = [...new Set(signals.map((s) => s.service).filter((s): s is string => s !== null))];
    const groups = [...new Set(signals.map((s) => s.group_key).filter((s): s is string => s !== null))];
    const earliest = new Date(
      Math.min(now.getTime(), ...signals.map((s) => s.starts_at.getTime())) - Math.max(this.config.windowMs, this.config.reopenWindowMs)
    );
    const rows = (
      await tx.query<{
        id: string;
        status: IncidentStatus;
        service: string | null;
        group_key: string | null;
        last_signal_at: Date;
        resolved_at: Date | null;
        severity: Severity;
        title: string;
        warnings: string[];
      }>(
        `SELECT id, status, service, group_key, last_signal_at, resolved_at, severity, title, warnings FROM incidents
          WHERE project_id = $1 AND (service = ANY($2::text[]) OR group_key = ANY($3::text[]))
            AND (status <> 'resolved' AND last_signal_at >= $4 OR status = 'resolved' AND resolved_at >= $4)
          FOR UPDATE`,
        [projectId, services, groups, earliest]
      )
    ).rows;
    return new Map<string, IncidentRow>(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          status: r.status,
          service: r.service,
          groupKey: r.group_key,
          lastSignalAt: r.last_signal_at,
          resolvedAt: r.resolved_at,
          severity: r.severity,
          isNew: false,
          touched: false,
          title: r.title,
          reopened: false,
          warnings: r.warnings,
        },
      ])
    );
  }

  private async loadIncident(tx: Queryable, id: string): Promise<IncidentRow> {
    const r = (
      await tx.query<{
        id: string;
        status: IncidentStatus;
        service: string | null;
        group_key: string | null;
        last_signal_at: Date;
        resolved_at: Date | null;
        severity: Severity;
        title: string;
        warnings: string[];
      }>('SELECT id, status, service, group_key, last_signal_at, resolved_at, severity, title, warnings FROM incidents WHERE id = $1 FOR UPDATE', [id])
    ).rows[0]!;
    return {
      id: r.id,
      status: r.status,
      service: r.service,
      groupKey: r.group_key,
      lastSignalAt: r.last_signal_at,
      resolvedAt: r.resolved_at,
      severity: r.severity,
      isNew: false,
      touched: false,
      title: r.title,
      reopened: false,
      warnings: r.warnings,
    };
  }

  private async write(
    tx: Queryable,
    orgId: number,
    projectId: string,
    signals: PendingSignal[],
    incidents: Map<string, IncidentRow>,
    assignments: Map<number, string>,
    now: Date,
    events: Array<{ type: 'incident.created' | 'incident.updated'; incidentId: string }>
  ): Promise<void> {
    const nowIso = now.toISOString();
    for (const incident of incidents.values()) {
      if (!incident.isNew) {
        continue;
      }
      await tx.query(
        `INSERT INTO incidents (id, org_id, project_id, title, status, severity, service, group_key, origin, warnings,
                                created_by, created_at, updated_at, last_signal_at)
         VALUES ($1, $2, $3, $4, 'triggered', $5, $6, $7, 'correlation', $8, $9, $10, $10, $11)`,
        [incident.id, orgId, projectId, incident.title, incident.severity, incident.service, incident.groupKey, incident.warnings, actor.id, nowIso, incident.lastSignalAt]
      );
      await this.event(tx, orgId, projectId, incident.id, 'created', { service: incident.service, severity: incident.severity }, nowIso);
      await appendAudit(tx, { orgId, projectId }, actor, {
        action: 'incident.created',
        resourceType: 'incident',
        resourceId: incident.id,
        details: { title: incident.title, service: incident.service, severity: incident.severity, origin: 'correlation' },
      }, now);
      this.metrics.incidentsOpened.inc({ origin: 'correlation' });
      events.push({ type: 'incident.created', incidentId: incident.id });
    }
    // Attach signals: one statement for the whole pass.
    const ids = [...assignments.keys()];
    if (ids.length > 0) {
      await tx.query(
        `UPDATE signals s SET incident_id = a.incident_id
           FROM unnest($1::int8[], $2::uuid[]) AS a(id, incident_id)
          WHERE s.id = a.id AND s.project_id = $3`,
        [ids, ids.map((id) => assignments.get(id)!), projectId]
      );
      const perIncident = new Map<string, number>();
      for (const incidentId of assignments.values()) {
        perIncident.set(incidentId, (perIncident.get(incidentId) ?? 0) + 1);
      }
      for (const [incidentId, count] of perIncident) {
        await this.event(tx, orgId, projectId, incidentId, 'signals_attached', { count }, nowIso);
      }
    }
    await tx.query(
      `UPDATE signals SET correlation_state = 'done' WHERE project_id = $1 AND id = ANY($2::int8[])`,
      [projectId, signals.map((s) => s.id)]
    );
    // Refresh the touched incidents: counts from their signals, severity, reopen, auto-resolve.
    for (const incident of incidents.values()) {
      if (!incident.touched) {
        continue;
      }
      const counts = (
        await tx.query<{ total: number; firing: number }>(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'firing')::int AS firing FROM signals WHERE incident_id = $1`,
          [incident.id]
        )
      ).rows[0]!;
      const autoResolve = this.config.autoResolve && counts.firing === 0 && incident.status !== 'resolved';
      await tx.query(
        `UPDATE incidents SET signal_count = $2, firing_count = $3, severity = $4, last_signal_at = greatest(last_signal_at, $5),
                warnings = $6, updated_at = $7,
                status = CASE WHEN $8 THEN 'resolved' WHEN $9 THEN 'triggered' ELSE status END,
                resolved_at = CASE WHEN $8 THEN $7::timestamptz WHEN $9 THEN NULL ELSE resolved_at END,
                resolved_by = CASE WHEN $8 THEN $10 WHEN $9 THEN NULL ELSE resolved_by END,
                reopen_count = reopen_count + CASE WHEN $9 THEN 1 ELSE 0 END
          WHERE id = $1`,
        [incident.id, counts.total, counts.firing, incident.severity, incident.lastSignalAt, incident.warnings, nowIso, autoResolve, incident.reopened, actor.id]
      );
      if (incident.reopened) {
        await this.event(tx, orgId, projectId, incident.id, 'status_changed', { from: 'resolved', to: 'triggered', reason: 'a new signal arrived' }, nowIso);
        await appendAudit(tx, { orgId, projectId }, actor, { action: 'incident.reopened', resourceType: 'incident', resourceId: incident.id }, now);
        this.metrics.incidentsOpened.inc({ origin: 'correlation' });
      }
      if (autoResolve) {
        await this.event(tx, orgId, projectId, incident.id, 'status_changed', { from: incident.status, to: 'resolved', reason: 'all signals resolved' }, nowIso);
        await appendAudit(tx, { orgId, projectId }, actor, {
          action: 'incident.resolved',
          resourceType: 'incident',
          resourceId: incident.id,
          details: { reason: 'all signals resolved' },
        }, now);
      }
      if (!incident.isNew) {
        events.push({ type: 'incident.updated', incidentId: incident.id });
      }
    }
    for (const event of events) {
      await tx.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, JSON.stringify({ orgId, projectId, ...event })]);
    }
  }

  private async event(tx: Queryable, orgId: number, projectId: string, incidentId: string, kind: string, details: Record<string, unknown>, at: string) {
    await tx.query(
      `INSERT INTO incident_events (org_id, project_id, incident_id, kind, actor_type, actor_id, actor_name, details, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [orgId, projectId, incidentId, kind, actor.type, actor.id, actor.name, JSON.stringify(details), at]
    );
  }
}
