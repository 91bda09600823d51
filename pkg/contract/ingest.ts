/** Ingestion: webhooks and signals. Senders authenticate with a project's ingest token (`Authorization: Bearer`). */
import { z } from 'zod';
import { SEVERITIES } from '../core/severity.ts';
import { SIGNAL_STATUSES, SIGNAL_TYPES } from '../core/signal.ts';

/**
 * A timestamp as Alertmanager/Grafana write it: RFC 3339, any fraction, years 0001–9999 (what PostgreSQL stores;
 * Alertmanager's "no end" is 0001-01-01T00:00:00Z).
 */
const RFC3339 = /^(?!0000)\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const timestamp = z
  .string()
  .max(64)
  .refine((s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)), { error: 'must be an RFC 3339 timestamp' });
/** What is wrong with a label set (names of 1–256 characters, string values of at most 4,096, at most 256 labels). */
function labelSetProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be an object of label names to string values';
  }
  let count = 0;
  for (const name in value) {
    count += 1;
    if (name.length === 0 || name.length > 256) {
      return `label names must be 1–256 characters (${JSON.stringify(name.slice(0, 40))})`;
    }
    const text = (value as Record<string, unknown>)[name];
    if (typeof text !== 'string') {
      return `${name}: must be a string`;
    }
    if (text.length > 4096) {
      return `${name}: at most 4096 characters`;
    }
  }
  return count > 256 ? 'at most 256 labels' : null;
}

/**
 * A label set, checked in one pass over its entries: it is on every alert of every webhook, and a schema per name and
 * per value cost as much as the rest of the webhook's validation (measured: a 10-alert payload 38 → 15 µs).
 */
export const labelSet = z.custom<Record<string, string>>((value) => labelSetProblem(value) === null, {
  error: (issue) => labelSetProblem(issue.input) ?? 'invalid label set',
});
/** Tolerant of what test notifications send (e.g. `generatorURL: "?orgId=1"`): any short string. */
const looseUrl = z.string().max(4096);
/** Firing or resolved: an alert's status in the webhooks, and a signal's. */
export const signalStatusSchema = z.enum(SIGNAL_STATUSES);

export const alertmanagerAlert = z.looseObject({
  status: signalStatusSchema,
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: looseUrl.optional(),
  fingerprint: z.string().min(1).max(256).optional(),
});
export const alertmanagerWebhook = z.looseObject({
  version: z.string().max(8).optional(),
  groupKey: z.string().max(4096).optional(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: signalStatusSchema,
  receiver: z.string().max(1024).default(''),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: looseUrl.default(''),
  alerts: z.array(alertmanagerAlert).max(5000),
});
export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhook>;

export const grafanaAlert = alertmanagerAlert.extend({
  silenceURL: looseUrl.optional(),
  dashboardURL: looseUrl.optional(),
  panelURL: looseUrl.optional(),
  values: z.record(z.string().max(256), z.number().nullable()).nullable().optional(),
  valueString: z.string().max(65536).optional(),
  imageURL: looseUrl.optional(),
  ruleUID: z.string().max(256).optional(),
});
export const grafanaWebhook = alertmanagerWebhook.extend({
  alerts: z.array(grafanaAlert).max(5000),
  orgId: z.number().int().optional(),
  title: z.string().max(4096).optional(),
  state: z.string().max(64).optional(),
  message: z.string().max(65536).optional(),
});
export type GrafanaWebhook = z.infer<typeof grafanaWebhook>;

export const signalTypeSchema = z.enum(SIGNAL_TYPES);
export const severitySchema = z.enum(SEVERITIES);

export const signalInput = z.strictObject({
  type: signalTypeSchema.default('alert'),
  source: z.string().min(1).max(100).default('api'),
  fingerprint: z.string().min(1).max(256).optional(),
  status: signalStatusSchema.default('firing'),
  severity: severitySchema.optional(),
  title: z.string().min(1).max(500),
  description: z.string().max(10_000).default(''),
  service: z.string().min(1).max(200).optional(),
  labels: labelSet.default({}),
  startsAt: timestamp.optional(),
  endsAt: timestamp.optional(),
  values: z.record(z.string().max(256), z.number().nullable()).optional(),
  generatorUrl: looseUrl.optional(),
});
export const signalsBody = z.strictObject({ signals: z.array(signalInput).min(1).max(1000) });
export type SignalsBody = z.input<typeof signalsBody>;

export const deploymentBody = z.strictObject({
  service: z.string().min(1).max(200),
  version: z.string().min(1).max(200),
  environment: z.string().max(100).default(''),
  author: z.string().max(200).default(''),
  description: z.string().max(10_000).default(''),
  time: timestamp.optional(),
});
export type DeploymentBody = z.input<typeof deploymentBody>;

export interface IngestResult {
  /** Signals in the delivery. */
  received: number;
  /** New signals stored. */
  created: number;
  /** Firing signals closed by a `resolved`. */
  resolved: number;
  /** Repeats of what was already stored (no change). */
  duplicates: number;
  /** Set when the delivery was Grafana's contact point test: recorded on the token, nothing stored. */
  notificationTest?: true;
}

/** The webhook routes a token can deliver to. */
export type IngestRoute = 'alertmanager' | 'grafana' | 'signals' | 'deployments';
