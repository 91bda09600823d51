/** Integrations: public settings per type, and the names of the secrets each type accepts. */
import { z } from 'zod';
import { id, name } from './common.ts';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
export const integrationConfigSchemas = {
  /**
   * `grafana`: through Grafana's datasource proxy with the org's service-account token (the Grafana integration);
   * `direct`: the Prometheus URL, with optional basic (username + secret password) or bearer auth.
   */
  prometheus: z
    .strictObject({
      mode: z.enum(['grafana', 'direct']).default('grafana'),
      datasourceUid: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'a Grafana data source UID (letters, digits, _ and -)' })
        .optional(),
      url: httpUrl.optional(),
      username: z.string().max(200).optional(),
      /** Label matchers put where a template says `{{filter}}`, e.g. `namespace="payments"`. */
      labelFilter: z
        .string()
        .max(1000)
        .regex(/^[^{}]*$/, { error: 'label matchers without braces, e.g. namespace="payments"' })
        .optional(),
    })
    .superRefine((config, ctx) => {
      if (config.mode === 'grafana' && !config.datasourceUid) {
        ctx.addIssue({ code: 'custom', path: ['datasourceUid'], message: 'required when mode is grafana' });
      }
      if (config.mode === 'direct' && !config.url) {
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when mode is direct' });
      }
    }),
  grafana: z.strictObject({ url: httpUrl.optional() }),
  alertmanager: z.strictObject({ url: httpUrl.optional(), username: z.string().max(200).optional() }),
  openai: z.strictObject({
    provider: z.enum(['openai', 'azure', 'compatible']).default('openai'),
    baseUrl: httpUrl.optional(),
    model: z.string().max(200).optional(),
  }),
} as const;
export const INTEGRATION_SECRET_FIELDS = {
  prometheus: ['password', 'bearerToken'],
  grafana: ['token'],
  alertmanager: ['password', 'bearerToken'],
  openai: ['apiKey'],
} as const;
export const integrationTypeSchema = z.enum(['prometheus', 'grafana', 'alertmanager', 'openai']);
export type IntegrationType = z.infer<typeof integrationTypeSchema>;

const secretValue = z.string().min(1).max(8192);
export const createIntegrationBody = z.strictObject({
  type: integrationTypeSchema,
  name,
  /** `org`: one integration for the whole org (the Grafana service account); org Admins only. */
  scope: z.enum(['project', 'org']).default('project'),
  config: z.record(z.string(), z.unknown()).default({}),
  secrets: z.record(z.string(), secretValue).default({}),
});
export type CreateIntegrationBody = z.input<typeof createIntegrationBody>;
export const updateIntegrationBody = z
  .strictObject({
    name: name.optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    /** A value sets a secret, null removes it; secrets not named stay as they are. */
    secrets: z.record(z.string(), secretValue.nullable()).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'give at least one of name, config, secrets' });
export type UpdateIntegrationBody = z.infer<typeof updateIntegrationBody>;
export const integrationParams = z.object({ id });
/** `?scope=org` on an integration's routes: the org's own integrations (org Admins only). */
export const integrationScopeQuery = z.strictObject({ scope: z.enum(['project', 'org']).default('project') });

export interface Integration {
  id: string;
  scope: 'project' | 'org';
  type: IntegrationType;
  name: string;
  config: Record<string, unknown>;
  /** Names of the secrets that are set; values are write-only. */
  secretFields: string[];
  createdAt: string;
  updatedAt: string;
}
export interface IntegrationList {
  items: Integration[];
}
