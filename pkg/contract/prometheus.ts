/** Prometheus: connection tests, PromQL templates, polling health. */
import { z } from 'zod';
import { TEMPLATE_TIERS, type TemplateTier } from '../core/metric-normalizer.ts';

/** `POST /api/v1/integrations/:id/test`: what a Prometheus answered to `buildinfo` and `up`. */
export interface IntegrationTestResult {
  ok: boolean;
  /** Round trip of the slower of the two calls, in milliseconds. */
  latencyMs: number;
  /** Prometheus version from `/api/v1/status/buildinfo`; null when it did not say. */
  version: string | null;
  /** Series of `up`, and how many of them are 1. */
  targets: { up: number; total: number } | null;
  /** Why it failed, in words an operator can act on (never a secret). */
  error: string | null;
  checkedAt: string;
}

export const directionSchema = z.enum(['up', 'down', 'both']);
export type DirectionName = z.infer<typeof directionSchema>;
export const tierSchema = z.enum(TEMPLATE_TIERS);
export type TierName = TemplateTier;

/**
 * One PromQL template. `query` is an instant vector query; `{{filter}}` in it is replaced by the integration's
 * label filter (empty when none). `service` names the service of each result series: a template over its labels,
 * e.g. `{{service}}` or `{{namespace}}/{{deployment}}`.
 */
export const queryTemplateSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { error: 'lower-case letters, digits, _ . - (at most 64)' }),
  description: z.string().max(500).default(''),
  query: z.string().trim().min(1).max(4000),
  service: z.string().trim().min(1).max(200).default('{{service}}'),
  direction: directionSchema.default('both'),
  tier: tierSchema.default('standard'),
  /** Poll interval; default: PROMETHEUS_POLL_INTERVAL for critical, five times that for standard. */
  intervalSeconds: z.number().int().min(1).max(86_400).optional(),
  /** Unit for display (e.g. `req/s`, `ratio`, `s`, `bytes`). */
  unit: z.string().max(32).optional(),
  enabled: z.boolean().default(true),
});
export type QueryTemplate = z.output<typeof queryTemplateSchema>;
export type QueryTemplateInput = z.input<typeof queryTemplateSchema>;
export const queryTemplatesBody = z.strictObject({
  templates: z
    .array(queryTemplateSchema)
    .max(200)
    .refine((list) => new Set(list.map((t) => t.name)).size === list.length, {
      error: 'template names must be unique',
    }),
});
export type QueryTemplatesBody = z.input<typeof queryTemplatesBody>;
/** `GET /api/v1/query-templates`: the project's templates; `source` says whether they are the defaults. */
export interface QueryTemplateList {
  source: 'default' | 'project';
  templates: QueryTemplate[];
  /** The interval each template runs at, in seconds, after defaults. */
  effectiveIntervals: Record<string, number>;
}

/** Health of one Prometheus integration as the poller last saw it. */
export interface IntegrationHealth {
  id: string;
  orgId: number;
  status: 'ok' | 'failing' | 'unknown';
  /** Consecutive failed polls. */
  failures: number;
  lastSuccessAt: string | null;
  /** The kind of the last error (timeout, network, http, not_allowed, query, config, …); messages stay with the tenant. */
  lastError: string | null;
}
