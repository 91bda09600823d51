/** Incidents: the list, one incident with its signals and timeline, changes to it, and the live events. */
import { z } from 'zod';
import type { ActorType } from '../core/audit-chain.ts';
import { INCIDENT_STATUSES, type IncidentStatus } from '../core/incident-state.ts';
import type { Severity } from '../core/severity.ts';
import type { SignalStatus, SignalType } from '../core/signal.ts';
import { id, storableText, timeFilter } from './common.ts';
import { severitySchema } from './ingest.ts';

export const incidentStatusSchema = z.enum(INCIDENT_STATUSES);
export type IncidentStatusName = IncidentStatus;
export type SeverityName = Severity;

const csv = <T extends string>(item: z.ZodType<T, string>) =>
  z
    .string()
    .max(500)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    )
    .pipe(z.array(item).max(20));

export const incidentListQuery = z.strictObject({
  status: csv(incidentStatusSchema).optional(),
  severity: csv(severitySchema).optional(),
  service: storableText(z.string().max(200)).optional(),
  q: storableText(z.string().max(200)).optional(),
  from: timeFilter.optional(),
  to: timeFilter.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'is not a cursor from this API')
    .optional(),
});
export type IncidentListQuery = z.input<typeof incidentListQuery>;
export const incidentParams = z.object({ id });

export interface Incident {
  id: string;
  title: string;
  description: string;
  status: IncidentStatusName;
  severity: SeverityName;
  service: string | null;
  groupKey: string | null;
  origin: 'correlation' | 'manual';
  warnings: string[];
  signalCount: number;
  firingCount: number;
  reopenCount: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  lastSignalAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  timeToAcknowledgeMs: number | null;
  timeToResolveMs: number | null;
  /** Statuses the incident may move to next (the UI shows buttons for these when the role allows writes). */
  allowedTransitions: IncidentStatusName[];
}
export interface IncidentPage {
  items: Incident[];
  nextCursor: string | null;
}
export interface Signal {
  id: number;
  type: SignalType;
  source: string;
  fingerprint: string;
  status: SignalStatus;
  severity: SeverityName;
  title: string;
  description: string;
  service: string | null;
  labels: Record<string, string>;
  generatorUrl: string | null;
  values: Record<string, number | null> | null;
  warnings: string[];
  startsAt: string;
  endsAt: string | null;
  receivedAt: string;
}
export interface IncidentEvent {
  id: number;
  kind: string;
  actor: { type: ActorType; id: string; name: string };
  details: Record<string, unknown>;
  createdAt: string;
}
export interface IncidentDetail {
  incident: Incident;
  signals: Signal[];
  timeline: IncidentEvent[];
}

export const createIncidentBody = z.strictObject({
  title: z.string().trim().min(1).max(500),
  description: z.string().max(10_000).default(''),
  severity: severitySchema.default('warning'),
  service: z.string().trim().min(1).max(200).optional(),
});
export type CreateIncidentBody = z.input<typeof createIncidentBody>;
export const updateIncidentBody = z
  .strictObject({
    title: z.string().trim().min(1).max(500).optional(),
    description: z.string().max(10_000).optional(),
    severity: severitySchema.optional(),
    service: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'give at least one of title, description, severity, service' });
export type UpdateIncidentBody = z.infer<typeof updateIncidentBody>;
export const transitionBody = z.strictObject({ to: incidentStatusSchema, note: z.string().max(10_000).optional() });
export type TransitionBody = z.infer<typeof transitionBody>;
export const commentBody = z.strictObject({ body: z.string().trim().min(1).max(10_000) });
export type CommentBody = z.infer<typeof commentBody>;

/** Server-sent event payloads on `GET /api/v1/stream?projectId=…`. */
export interface LiveEvent {
  type: 'incident.created' | 'incident.updated';
  incidentId: string;
}
/** The query of `GET /api/v1/stream`: the project comes in the query, since EventSource cannot send headers. */
export const streamQuery = z.strictObject({ projectId: z.uuid() });
