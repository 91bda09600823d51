import { randomUUID } from 'node:crypto';
import { correlate, type CorrelationConfig } from '../core/correlation.ts';
import { severityRank } from '../core/severity.ts';
import type { SignalDraft } from '../core/signal.ts';
import type { Queryable } from '../adapters/db/database.ts';
import {
  findCorrelationState,
  writeCorrelation,
  type Candidates,
  type WorkingIncident,
} from '../adapters/db/repositories/incident-correlation.ts';
import { insertIncidentEvents, type EventInput } from '../adapters/db/repositories/incident-events.ts';
import { lowerFiringCounts, markIncidentResolved } from '../adapters/db/repositories/incidents.ts';
import type { AuditRecord, AuditService } from './audit.ts';
import { systemActor } from './caller.ts';
import { LIVE_CHANNEL, livePayload, notifyLive } from './live-events.ts';
import type { Metrics } from './metrics.ts';
import type { TenantScope } from '../core/tenant-scope.ts';

export interface IncidentCorrelationConfig extends CorrelationConfig {
  /** Resolve an incident by itself when all its signals have resolved. */
  autoResolve: boolean;
}

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
  private readonly audit: AuditService;

  constructor(deps: { metrics: Metrics; audit: AuditService }, config: IncidentCorrelationConfig) {
    this.metrics = deps.metrics;
    this.audit = deps.audit;
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
    const groups = [
      ...new Set(
        firing
          .filter((d) => d.service === null)
          .map((d) => d.groupKey)
          .filter((g): g is string => g !== null)
      ),
    ];
    let earliestStart = now.getTime();
    for (const d of firing) {
      earliestStart = Math.min(earliestStart, Date.parse(d.startsAt));
    }
    const earliest = new Date(earliestStart - Math.max(this.config.windowMs, this.config.reopenWindowMs));
    return findCorrelationState(
      tx,
      scope,
      signals.map((s) => s.hash),
      services,
      groups,
      earliest
    );
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
  async settle(
    tx: Queryable,
    scope: TenantScope<string>,
    resolvedPerIncident: Map<string, number>,
    now: Date
  ): Promise<void> {
    if (resolvedPerIncident.size === 0) {
      return;
    }
    const rows = await lowerFiringCounts(tx, scope, resolvedPerIncident, now);
    const events: EventInput[] = [];
    for (const row of rows) {
      if (this.config.autoResolve && row.firing_count === 0 && row.status !== 'resolved') {
        await markIncidentResolved(tx, row.id, now, actor.id);
        events.push({
          incidentId: row.id,
          kind: 'status_changed',
          details: { from: row.status, to: 'resolved', reason: 'all signals resolved' },
        });
        await this.audit.append(
          tx,
          scope,
          actor,
          {
            action: 'incident.resolved',
            resourceType: 'incident',
            resourceId: row.id,
            details: { reason: 'all signals resolved' },
          },
          now
        );
      }
    }
    await insertIncidentEvents(tx, scope, actor, events, now);
    await notifyLive(
      tx,
      scope,
      rows.map((r) => ({ type: 'incident.updated' as const, incidentId: r.id }))
    );
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
        events.push({
          incidentId: incident.id,
          kind: 'created',
          details: { service: incident.service, severity: incident.severity },
        });
        audits.push({
          action: 'incident.created',
          resourceType: 'incident',
          resourceId: incident.id,
          details: {
            title: incident.title,
            service: incident.service,
            severity: incident.severity,
            origin: 'correlation',
          },
        });
      }
      if (incident.reopened) {
        events.push({
          incidentId: incident.id,
          kind: 'status_changed',
          details: { from: 'resolved', to: 'triggered', reason: 'a new signal arrived' },
        });
        audits.push({ action: 'incident.reopened', resourceType: 'incident', resourceId: incident.id });
      }
      events.push({ incidentId: incident.id, kind: 'signals_attached', details: { count: incident.attached } });
    }
    const written = writeCorrelation(
      tx,
      scope,
      actor,
      touched,
      events,
      LIVE_CHANNEL,
      touched.map((i) =>
        livePayload(scope, { type: i.isNew ? 'incident.created' : 'incident.updated', incidentId: i.id })
      ),
      now
    );
    // The audit chain takes its own lock and reads its last entry; the entries follow the statement above.
    const audited = (async () => {
      for (const record of audits) {
        await this.audit.append(tx, scope, actor, record, now);
      }
    })();
    await Promise.all([written, audited]);
    for (let i = 0; i < audits.length; i++) {
      this.metrics.incidentsOpened.inc({ origin: 'correlation' });
    }
  }
}
