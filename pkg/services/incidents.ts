import { randomUUID } from 'node:crypto';
import type {
  CommentBody,
  CreateIncidentBody,
  Incident,
  IncidentDetail,
  IncidentEvent,
  IncidentPage,
  TransitionBody,
  UpdateIncidentBody,
} from '../contract/index.ts';
import { createIncidentBody } from '../contract/index.ts';
import { allowedTransitions, applyTransition, canTransition } from '../core/incident-state.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import { insertIncidentEvent, listIncidentEvents } from '../adapters/db/repositories/incident-events.ts';
import {
  findIncident,
  insertManualIncident,
  listIncidents,
  lockIncidentForUpdate,
  toIncident,
  updateIncident,
  updateIncidentStatus,
  type IncidentQuery,
  type IncidentRow,
} from '../adapters/db/repositories/incidents.ts';
import { listIncidentSignals } from '../adapters/db/repositories/signals.ts';
import type { AuditService } from './audit.ts';
import type { AuditActor } from './caller.ts';
import { AppError, badRequest, notFound } from './errors.ts';
import { notifyLive } from './live-events.ts';
import type { Metrics } from './metrics.ts';
import type { TenantScope } from '../core/tenant-scope.ts';

/** A listing's conditions as the API takes them: the query, with the previous page's cursor for its position. */
export interface IncidentFilter extends Omit<IncidentQuery, 'before'> {
  cursor?: string;
}

/** Incidents of a project: list, detail, manual creation, edits, transitions, comments — each change audited. */
export class IncidentsService {
  private readonly db: Database;
  private readonly clock: () => Date;
  private readonly metrics: Metrics;
  private readonly audit: AuditService;

  constructor(deps: { db: Database; clock: () => Date; metrics: Metrics; audit: AuditService }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.metrics = deps.metrics;
  }

  /** Newest first; keyset pagination on (created_at, id). */
  async list(scope: TenantScope<string>, filter: IncidentFilter): Promise<IncidentPage> {
    const before = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    const rows = await this.db.withTenant(scope, (tx) =>
      listIncidents(tx, scope, {
        status: filter.status,
        severity: filter.severity,
        service: filter.service,
        q: filter.q,
        from: filter.from,
        to: filter.to,
        before,
        limit: filter.limit + 1,
      })
    );
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toIncident),
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  async get(scope: TenantScope<string>, id: string): Promise<IncidentDetail> {
    return this.db.withTenant(scope, async (tx) => {
      const incident = await load(tx, scope, id);
      const signals = await listIncidentSignals(tx, scope, id);
      const timeline = await listIncidentEvents(tx, scope, id);
      return { incident: toIncident(incident), signals, timeline };
    });
  }

  async create(scope: TenantScope<string>, actor: AuditActor, input: CreateIncidentBody): Promise<Incident> {
    const body = createIncidentBody.parse(input);
    const now = this.clock();
    const id = randomUUID();
    const row = await this.db.withTenant(scope, async (tx) => {
      const inserted = await insertManualIncident(tx, scope, {
        id,
        title: body.title,
        description: body.description,
        severity: body.severity,
        service: body.service ?? null,
        createdBy: actor.id,
        at: now,
      });
      await insertIncidentEvent(
        tx,
        scope,
        actor,
        id,
        'created',
        { title: body.title, severity: body.severity, origin: 'manual' },
        now
      );
      await this.audit.append(
        tx,
        scope,
        actor,
        {
          action: 'incident.created',
          resourceType: 'incident',
          resourceId: id,
          details: { title: body.title, severity: body.severity, service: body.service ?? null, origin: 'manual' },
        },
        now
      );
      await notifyLive(tx, scope, [{ type: 'incident.created', incidentId: id }]);
      return inserted;
    });
    this.metrics.incidentsOpened.inc({ origin: 'manual' });
    return toIncident(row);
  }

  async update(scope: TenantScope<string>, actor: AuditActor, id: string, body: UpdateIncidentBody): Promise<Incident> {
    const now = this.clock();
    return this.db.withTenant(scope, async (tx) => {
      const current = await load(tx, scope, id, true);
      const updated = await updateIncident(tx, scope, id, body, now);
      const changes = Object.fromEntries(
        Object.entries(body).map(([key, value]) => [
          key,
          { from: (current as unknown as Record<string, unknown>)[key] ?? null, to: value },
        ])
      );
      await insertIncidentEvent(tx, scope, actor, id, 'updated', { changes }, now);
      await this.audit.append(
        tx,
        scope,
        actor,
        { action: 'incident.updated', resourceType: 'incident', resourceId: id, details: { changes } },
        now
      );
      await notifyLive(tx, scope, [{ type: 'incident.updated', incidentId: id }]);
      return toIncident(updated);
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
        {
          status: current.status,
          createdAt: current.created_at,
          acknowledgedAt: current.acknowledged_at,
          resolvedAt: current.resolved_at,
        },
        body.to,
        now
      );
      const firstAck = current.acknowledged_at === null && effects.acknowledgedAt !== null;
      const updated = await updateIncidentStatus(tx, scope, id, {
        status: body.to,
        at: now,
        acknowledgedAt: effects.acknowledgedAt,
        firstAcknowledgement: firstAck,
        actorId: actor.id,
        resolvedAt: effects.resolvedAt,
        reopened: effects.reopened,
      });
      const details = { from: current.status, to: body.to, ...(body.note ? { note: body.note } : {}) };
      await insertIncidentEvent(tx, scope, actor, id, 'status_changed', details, now);
      await this.audit.append(
        tx,
        scope,
        actor,
        {
          action: effects.reopened ? 'incident.reopened' : `incident.${body.to}`,
          resourceType: 'incident',
          resourceId: id,
          details,
        },
        now
      );
      await notifyLive(tx, scope, [{ type: 'incident.updated', incidentId: id }]);
      if (effects.reopened) {
        this.metrics.incidentsOpened.inc({ origin: 'manual' });
      }
      return toIncident(updated);
    });
  }

  async comment(scope: TenantScope<string>, actor: AuditActor, id: string, body: CommentBody): Promise<IncidentEvent> {
    const now = this.clock();
    return this.db.withTenant(scope, async (tx) => {
      await load(tx, scope, id);
      const event = await insertIncidentEvent(tx, scope, actor, id, 'comment', { body: body.body }, now);
      await this.audit.append(
        tx,
        scope,
        actor,
        { action: 'incident.commented', resourceType: 'incident', resourceId: id, details: { eventId: event.id } },
        now
      );
      await notifyLive(tx, scope, [{ type: 'incident.updated', incidentId: id }]);
      return event;
    });
  }
}

async function load(tx: Queryable, scope: TenantScope<string>, id: string, forUpdate = false): Promise<IncidentRow> {
  const row = await (forUpdate ? lockIncidentForUpdate(tx, scope, id) : findIncident(tx, scope, id));
  if (!row) {
    throw notFound('incident');
  }
  return row;
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FIRST_MS = Date.parse('0001-01-01T00:00:00Z');
const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * The position a cursor names, exactly as `encodeCursor` writes it: anything else (a time JavaScript reads but
 * PostgreSQL does not, a year outside 1–9999, dashes for a UUID) would fail in the database's cast.
 */
function decodeCursor(cursor: string): [string, string] {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const ms = at ? Date.parse(at) : NaN;
  if (
    rest.length > 0 ||
    !id ||
    !UUID.test(id) ||
    !(ms >= FIRST_MS && ms <= LAST_MS) ||
    new Date(ms).toISOString() !== at
  ) {
    throw badRequest('cursor: is not a cursor from this API');
  }
  return [at, id];
}
