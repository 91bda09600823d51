import { randomUUID } from 'node:crypto';
import type {
  CommentBody,
  CreateIncidentBody,
  Incident,
  IncidentDetail,
  IncidentEvent,
  IncidentPage,
  Signal,
  TransitionBody,
  UpdateIncidentBody,
} from '../contract/index.ts';
import { createIncidentBody } from '../contract/index.ts';
import { allowedTransitions, applyTransition, canTransition, incidentDurations, type IncidentStatus } from '../core/incident-state.ts';
import type { Severity } from '../core/severity.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import { appendAudit } from './audit.ts';
import type { AuditActor } from './caller.ts';
import { AppError, badRequest, notFound } from './errors.ts';
import { notifyLive } from './live-events.ts';
import type { Metrics } from './metrics.ts';
import type { TenantScope } from '../core/tenant-scope.ts';

interface IncidentRow {
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

export interface IncidentFilter {
  status?: IncidentStatus[];
  severity?: Severity[];
  service?: string;
  q?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** Incidents of a project: list, detail, manual creation, edits, transitions, comments — each change audited. */
export class IncidentsService {
  private readonly db: Database;
  private readonly clock: () => Date;
  private readonly metrics: Metrics;

  constructor(deps: { db: Database; clock: () => Date; metrics: Metrics }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.metrics = deps.metrics;
  }

  /** Newest first; keyset pagination on (created_at, id). */
  async list(scope: TenantScope<string>, filter: IncidentFilter): Promise<IncidentPage> {
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
    if (filter.status?.length) {
      add('status = ANY(?::text[])', filter.status);
    }
    if (filter.severity?.length) {
      add('severity = ANY(?::text[])', filter.severity);
    }
    if (filter.service) {
      add('service = ?', filter.service);
    }
    if (filter.q) {
      add("(title ILIKE ? ESCAPE '\\' OR description ILIKE ? ESCAPE '\\')", ...Array(2).fill(`%${escapeLike(filter.q)}%`));
    }
    if (filter.from) {
      add('created_at >= ?', filter.from);
    }
    if (filter.to) {
      add('created_at < ?', filter.to);
    }
    if (filter.cursor) {
      const [at, id] = decodeCursor(filter.cursor);
      add('(created_at, id) < (?::timestamptz, ?::uuid)', at, id);
    }
    params.push(filter.limit + 1);
    const rows = await this.db.withTenant(scope, async (tx) =>
      (
        await tx.query<IncidentRow>(
          `SELECT ${COLUMNS} FROM incidents WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
          params
        )
      ).rows
    );
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(present),
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  async get(scope: TenantScope<string>, id: string): Promise<IncidentDetail> {
    return this.db.withTenant(scope, async (tx) => {
      const incident = await load(tx, scope, id);
      const signals = (
        await tx.query<SignalRow>(
          `SELECT id::int8 AS id, signal_type, source, fingerprint, status, severity, title, description, service, labels,
                  generator_url, "values", warnings, starts_at, ends_at, received_at
             FROM signals WHERE incident_id = $1 AND project_id = $2 ORDER BY starts_at, id LIMIT 500`,
          [id, scope.projectId]
        )
      ).rows;
      const timeline = (
        await tx.query<EventRow>(
          `SELECT id::int8 AS id, kind, actor_type, actor_id, actor_name, details, created_at
             FROM incident_events WHERE incident_id = $1 AND project_id = $2 ORDER BY id LIMIT 1000`,
          [id, scope.projectId]
        )
      ).rows;
      return { incident: present(incident), signals: signals.map(presentSignal), timeline: timeline.map(presentEvent) };
    });
  }

  async create(scope: TenantScope<string>, actor: AuditActor, input: CreateIncidentBody): Promise<Incident> {
    const body = createIncidentBody.parse(input);
    const now = this.clock();
    const id = randomUUID();
    const row = await this.db.withTenant(scope, async (tx) => {
      const inserted = (
        await tx.query<IncidentRow>(
          `INSERT INTO incidents (id, org_id, project_id, title, description, status, severity, service, origin, created_by,
                                  created_at, updated_at, last_signal_at)
           VALUES ($1, $2, $3, $4, $5, 'triggered', $6, $7, 'manual', $8, $9, $9, $9)
           RETURNING ${COLUMNS}`,
          [id, scope.orgId, scope.projectId, body.title, body.description, body.severity, body.service ?? null, actor.id, now]
        )
      ).rows[0]!;
      await recordChange(tx, scope, actor, id, 'created', { title: body.title, severity: body.severity, origin: 'manual' }, now);
      await appendAudit(tx, scope, actor, {
        action: 'incident.created',
        resourceType: 'incident',
        resourceId: id,
        details: { title: body.title, severity: body.severity, service: body.service ?? null, origin: 'manual' },
      }, now);
      await notifyLive(tx, scope, [{ type: 'incident.created', incidentId: id }]);
      return inserted;
    });
    this.metrics.incidentsOpened.inc({ origin: 'manual' });
    return present(row);
  }

  async update(scope: TenantScope<string>, actor: AuditActor, id: string, body: UpdateIncidentBody): Promise<Incident> {
    const now = this.clock();
    return this.db.withTenant(scope, async (tx) => {
      const current = await load(tx, scope, id, true);
      const updated = (
        await tx.query<IncidentRow>(
          `UPDATE incidents SET title = coalesce($3, title), description = coalesce($4, description),
                  severity = coalesce($5, severity), service = CASE WHEN $6 THEN $7 ELSE service END, updated_at = $8
            WHERE id = $1 AND project_id = $2 RETURNING ${COLUMNS}`,
          [id, scope.projectId, body.title ?? null, body.description ?? null, body.severity ?? null, body.service !== undefined, body.service ?? null, now]
        )
      ).rows[0]!;
      const changes = Object.fromEntries(
        Object.entries(body).map(([key, value]) => [key, { from: (current as unknown as Record<string, unknown>)[key] ?? null, to: value }])
      );
      await recordChange(tx, scope, actor, id, 'updated', { changes }, now);
      await appendAudit(tx, scope, actor, { action: 'incident.updated', resourceType: 'incident', resourceId: id, details: { changes } }, now);
      await notifyLive(tx, scope, [{ type: 'incident.updated', incidentId: id }]);
      return present(updated);
    });
  }

  async transition(scope: TenantScope<string>, actor: AuditActor, id: string, body: TransitionBody): Promise<Incident> {
    const now = this.clock();
    return this.db.withTenant(scope, async (tx) => {
      const current = await load(tx, scope, id, true);
      if (!canTransition(current.status, body.to)) {
        throw new AppError(
          'conflict',
          `an incident in status ${current.status} cannot move to ${body.to}; allowed: ${allowedTransitions(current.status).join(', ') || 'none'}`
        );
      }
      const effects = applyTransition(
        { status: current.status, createdAt: current.created_at, acknowledgedAt: current.acknowledged_at, resolvedAt: current.resolved_at },
        body.to,
        now
      );
      const firstAck = current.acknowledged_at === null && effects.acknowledgedAt !== null;
      const updated = (
        await tx.query<IncidentRow>(
          `UPDATE incidents SET status = $3, updated_at = $4, acknowledged_at = $5,
                  acknowledged_by = CASE WHEN $6 THEN $7 ELSE acknowledged_by END,
                  resolved_at = $8, resolved_by = CASE WHEN $3 = 'resolved' THEN $7 WHEN $9 THEN NULL ELSE resolved_by END,
                  reopen_count = reopen_count + CASE WHEN $9 THEN 1 ELSE 0 END
            WHERE id = $1 AND project_id = $2 RETURNING ${COLUMNS}`,
          [id, scope.projectId, body.to, now, effects.acknowledgedAt, firstAck, actor.id, effects.resolvedAt, effects.reopened]
        )
      ).rows[0]!;
      const details = { from: current.status, to: body.to, ...(body.note ? { note: body.note } : {}) };
      await recordChange(tx, scope, actor, id, 'status_changed', details, now);
      await appendAudit(tx, scope, actor, {
        action: effects.reopened ? 'incident.reopened' : `incident.${body.to}`,
        resourceType: 'incident',
        resourceId: id,
        details,
      }, now);
      await notifyLive(tx, scope, [{ type: 'incident.updated', incidentId: id }]);
      if (effects.reopened) {
        this.metrics.incidentsOpened.inc({ origin: 'manual' });
      }
      return present(updated);
    });
  }

  async comment(scope: TenantScope<string>, actor: AuditActor, id: string, body: CommentBody): Promise<IncidentEvent> {
    const now = this.clock();
    return this.db.withTenant(scope, async (tx) => {
      await load(tx, scope, id);
      const event = await recordChange(tx, scope, actor, id, 'comment', { body: body.body }, now);
      await appendAudit(tx, scope, actor, { action: 'incident.commented', resourceType: 'incident', resourceId: id, details: { eventId: event.id } }, now);
      await notifyLive(tx, scope, [{ type: 'incident.updated', incidentId: id }]);
      return event;
    });
  }
}

interface SignalRow {
  id: number;
  signal_type: Signal['type'];
  source: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  title: string;
  description: string;
  service: string | null;
  labels: Record<string, string>;
  generator_url: string | null;
  values: Record<string, number | null> | null;
  warnings: string[];
  starts_at: Date;
  ends_at: Date | null;
  received_at: Date;
}

interface EventRow {
  id: number;
  kind: string;
  actor_type: IncidentEvent['actor']['type'];
  actor_id: string;
  actor_name: string;
  details: Record<string, unknown>;
  created_at: Date;
}

async function load(tx: Queryable, scope: TenantScope<string>, id: string, forUpdate = false): Promise<IncidentRow> {
  const row = (
    await tx.query<IncidentRow>(
      `SELECT ${COLUMNS} FROM incidents WHERE id = $1 AND org_id = $2 AND project_id = $3 ${forUpdate ? 'FOR UPDATE' : ''}`,
      [id, scope.orgId, scope.projectId]
    )
  ).rows[0];
  if (!row) {
    throw notFound('incident');
  }
  return row;
}

async function recordChange(
  tx: Queryable,
  scope: TenantScope<string>,
  actor: AuditActor,
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
  return presentEvent(row);
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw badRequest('cursor: is not a cursor from this API');
  }
  return [at, id];
}

function present(row: IncidentRow): Incident {
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

function presentSignal(row: SignalRow): Signal {
  return {
    id: row.id,
    type: row.signal_type,
    source: row.source,
    fingerprint: row.fingerprint,
    status: row.status,
    severity: row.severity,
    title: row.title,
    description: row.description,
    service: row.service,
    labels: row.labels,
    generatorUrl: row.generator_url,
    values: row.values,
    warnings: row.warnings,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at?.toISOString() ?? null,
    receivedAt: row.received_at.toISOString(),
  };
}

function presentEvent(row: EventRow): IncidentEvent {
  return {
    id: row.id,
    kind: row.kind,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    details: row.details,
    createdAt: row.created_at.toISOString(),
  };
}
