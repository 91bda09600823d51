import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  INTEGRATION_SECRET_FIELDS,
  createIntegrationBody,
  integrationConfigSchemas,
  type Integration,
  type IntegrationType,
  type UpdateIntegrationBody,
} from '../contract/index.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import {
  deleteIntegration,
  findIntegration,
  findOrgGrafanaIntegration,
  insertIntegration,
  listIntegrations,
  listPrometheusIntegrations,
  lockIntegrationsSealedWithOtherKey,
  presentIntegration,
  updateIntegration,
  updateIntegrationSeal,
  type IntegrationRow,
  type StoredSecrets,
} from '../adapters/db/repositories/integrations.ts';
import type { SecretBox } from '../adapters/secret-box.ts';
import { HostAllowList } from '../adapters/outbound/allow-list.ts';
import { PrometheusConfigError, prometheusTarget, type PrometheusTarget } from '../adapters/prometheus/client.ts';
import type { AuditService } from './audit.ts';
import type { TenantScope } from '../core/tenant-scope.ts';
import type { AuditActor } from './caller.ts';
import { AppError, badRequest, conflict, notFound } from './errors.ts';

type Secrets = Record<string, string>;

export interface IntegrationsConfig {
  /** Grafana's URL when the org's Grafana integration names none (GRAFANA_URL). */
  grafanaUrl?: string;
  /**
   * The sidecar's outbound allow-list (GRAFANA_URL's host, OUTBOUND_ALLOWED_HOSTS, PROMETHEUS_ALLOWED_HOSTS): the
   * only hosts a direct-mode Prometheus integration or the org's Grafana integration may name.
   */
  allowList?: HostAllowList;
}

/**
 * Integrations of a project (or of the org, projectId null). Secrets are sealed with AES-256-GCM, bound to the
 * integration id, and never leave this service except through `secretsOf` for the adapters that use them.
 */
export class IntegrationsService {
  private readonly db: Database;
  private readonly box: SecretBox;
  private readonly clock: () => Date;
  private readonly config: IntegrationsConfig;
  private readonly allowList: HostAllowList;
  private readonly audit: AuditService;

  constructor(
    deps: { db: Database; box: SecretBox; clock: () => Date; audit: AuditService },
    config: IntegrationsConfig = {}
  ) {
    this.db = deps.db;
    this.box = deps.box;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.config = config;
    this.allowList = config.allowList ?? new HostAllowList([]);
  }

  /** The project's integrations and the org-level ones. */
  async list(orgId: number, projectId: string | null): Promise<Integration[]> {
    const scope = { orgId, projectId };
    const rows = await this.db.withTenant(scope, (tx) => listIntegrations(tx, scope));
    return rows.map(presentIntegration);
  }

  async get(scope: TenantScope, id: string): Promise<Integration> {
    return presentIntegration(await this.db.withTenant(scope, (tx) => this.load(tx, scope, id)));
  }

  async create(
    scope: TenantScope,
    actor: AuditActor,
    input: z.input<typeof createIntegrationBody>
  ): Promise<Integration> {
    const body = createIntegrationBody.parse(input);
    const config = parseConfig(body.type, body.config);
    this.checkOutboundUrl(body.type, config);
    const secrets = checkSecrets(body.type, body.secrets);
    const id = randomUUID();
    const sealed = this.sealSecrets(id, secrets);
    return this.db.withTenant(scope, async (tx) => {
      const row = await insertIntegration(tx, scope, { id, type: body.type, name: body.name, config, secrets: sealed });
      if (!row) {
        throw conflict(
          body.type === 'grafana' && scope.projectId === null
            ? 'this org already has a Grafana integration, or one with that name'
            : `an integration named "${body.name}" already exists here`
        );
      }
      await this.audit.append(
        tx,
        scope,
        actor,
        {
          action: 'integration.created',
          resourceType: 'integration',
          resourceId: id,
          details: { type: body.type, name: body.name, secretFields: sealed.fields },
        },
        this.clock()
      );
      return presentIntegration(row);
    });
  }

  async update(scope: TenantScope, actor: AuditActor, id: string, body: UpdateIntegrationBody): Promise<Integration> {
    return this.db.withTenant(scope, async (tx) => {
      const current = await this.load(tx, scope, id, true);
      const config = body.config === undefined ? current.config : parseConfig(current.type, body.config);
      if (body.config !== undefined) {
        this.checkOutboundUrl(current.type, config);
      }
      let secrets = this.openSecrets(current);
      if (body.secrets) {
        const changes = body.secrets;
        checkSecretNames(current.type, Object.keys(changes));
        secrets = { ...secrets };
        for (const [key, value] of Object.entries(changes)) {
          if (value === null) {
            delete secrets[key];
          } else {
            secrets[key] = value;
          }
        }
      }
      const sealed = this.sealSecrets(id, secrets);
      const name = body.name ?? current.name;
      let updated: IntegrationRow | undefined;
      try {
        updated = await updateIntegration(tx, scope, id, { name, config, secrets: sealed });
      } catch (error) {
        if ((error as { code?: string }).code === '23505') {
          throw conflict(`an integration named "${name}" already exists here`);
        }
        throw error;
      }
      await this.audit.append(
        tx,
        scope,
        actor,
        {
          action: 'integration.updated',
          resourceType: 'integration',
          resourceId: id,
          details: {
            changed: Object.keys(body).filter((k) => k !== 'secrets'),
            secretsChanged: Object.keys(body.secrets ?? {}),
          },
        },
        this.clock()
      );
      return presentIntegration(updated!);
    });
  }

  async remove(scope: TenantScope, actor: AuditActor, id: string): Promise<void> {
    await this.db.withTenant(scope, async (tx) => {
      const current = await this.load(tx, scope, id, true);
      await deleteIntegration(tx, scope, id);
      await this.audit.append(
        tx,
        scope,
        actor,
        {
          action: 'integration.deleted',
          resourceType: 'integration',
          resourceId: id,
          details: { type: current.type, name: current.name },
        },
        this.clock()
      );
    });
  }

  /** The org's Grafana service-account integration: URL and token, for the Grafana adapter. */
  async grafanaCredentials(orgId: number): Promise<{ url: string | null; token: string } | null> {
    const row = await this.db.withTenant({ orgId, projectId: null }, (tx) => findOrgGrafanaIntegration(tx, orgId));
    const token = row ? this.openSecrets(row).token : undefined;
    return row && token ? { url: typeof row.config.url === 'string' ? row.config.url : null, token } : null;
  }

  /**
   * The project's own Prometheus integrations as targets for the Prometheus client (secrets opened). One that
   * cannot be reached as configured (e.g. Grafana mode while the org has no Grafana token) is listed in
   * `unusable` with the reason, so that the others are still polled.
   */
  async prometheusTargets(
    orgId: number,
    projectId: string
  ): Promise<{ targets: PrometheusTarget[]; unusable: Array<{ id: string; name: string; error: Error }> }> {
    const scope = { orgId, projectId };
    const rows = await this.db.withTenant(scope, (tx) => listPrometheusIntegrations(tx, scope));
    const result = {
      targets: [] as PrometheusTarget[],
      unusable: [] as Array<{ id: string; name: string; error: Error }>,
    };
    if (rows.length === 0) {
      return result;
    }
    const grafana = rows.some((row) => row.config.mode !== 'direct') ? await this.grafanaFor(orgId) : null;
    for (const row of rows) {
      try {
        result.targets.push(prometheusTarget(row, this.openSecrets(row), grafana));
      } catch (error) {
        if (!(error instanceof PrometheusConfigError)) {
          throw error;
        }
        result.unusable.push({ id: row.id, name: row.name, error });
      }
    }
    return result;
  }

  /**
   * One Prometheus integration of the scope as a target. 400 when the integration is of another type; a
   * PrometheusConfigError when it cannot be reached as configured (e.g. Grafana mode without a Grafana token).
   */
  async prometheusTargetFor(scope: TenantScope, id: string): Promise<PrometheusTarget> {
    const row = await this.db.withTenant(scope, (tx) => this.load(tx, scope, id));
    if (row.type !== 'prometheus') {
      throw badRequest(
        `integration "${row.name}" is a ${row.type} integration; only prometheus integrations can be tested`
      );
    }
    const grafana = row.config.mode === 'direct' ? null : await this.grafanaFor(scope.orgId);
    return prometheusTarget(row, this.openSecrets(row), grafana);
  }

  /** The org's Grafana credentials, its URL falling back to GRAFANA_URL. */
  private async grafanaFor(orgId: number): Promise<{ url: string; token: string } | null> {
    const credentials = await this.grafanaCredentials(orgId);
    const url = credentials?.url ?? this.config.grafanaUrl;
    return credentials && url ? { url, token: credentials.token } : null;
  }

  /**
   * The URLs the sidecar will call must name an allowed host and carry no credentials: a direct-mode Prometheus URL
   * and the Grafana URL (which receives the org's service-account token). Refused on save, so that nothing is ever
   * contacted on a tenant's word alone.
   */
  private checkOutboundUrl(type: IntegrationType, config: Record<string, unknown>): void {
    const prometheus = type === 'prometheus' && config.mode === 'direct';
    if ((!prometheus && type !== 'grafana') || typeof config.url !== 'string') {
      return;
    }
    const url = new URL(config.url);
    if (url.username || url.password) {
      throw badRequest(
        prometheus
          ? 'config.url: must not contain credentials; use username and the password secret'
          : 'config.url: must not contain credentials; the service-account token goes in the token secret'
      );
    }
    if (!this.allowList.allows(url)) {
      throw badRequest(
        prometheus
          ? `config.url: the host ${url.host} is not in the sidecar's PROMETHEUS_ALLOWED_HOSTS or ` +
              'OUTBOUND_ALLOWED_HOSTS; an operator must add it (or use mode grafana)'
          : `config.url: the host ${url.host} is neither GRAFANA_URL's nor in the sidecar's OUTBOUND_ALLOWED_HOSTS; ` +
              'an operator must add it (or leave the URL out to use GRAFANA_URL)'
      );
    }
  }

  /** Re-seals every secret sealed under an older key (maintenance, across tenants). Returns how many changed. */
  async resealAll(): Promise<number> {
    return this.db.withOwner(async (tx) => {
      const rows = await lockIntegrationsSealedWithOtherKey(tx, this.box.activeKeyId);
      for (const row of rows) {
        const sealed = this.box.reseal({ keyId: row.secret_key_id!, ciphertext: row.secret_ciphertext! }, aad(row.id));
        if (sealed) {
          await updateIntegrationSeal(tx, row.id, sealed);
        }
      }
      return rows.length;
    });
  }

  private async load(tx: Queryable, scope: TenantScope, id: string, forUpdate = false): Promise<IntegrationRow> {
    const row = await findIntegration(tx, scope, id, forUpdate);
    if (!row) {
      throw notFound('integration');
    }
    return row;
  }

  private sealSecrets(id: string, secrets: Secrets): StoredSecrets {
    const fields = Object.keys(secrets).sort();
    if (fields.length === 0) {
      return { ciphertext: null, keyId: null, fields };
    }
    const sealed = this.box.seal(JSON.stringify(secrets), aad(id));
    return { ciphertext: sealed.ciphertext, keyId: sealed.keyId, fields };
  }

  private openSecrets(row: IntegrationRow): Secrets {
    if (!row.secret_ciphertext || !row.secret_key_id) {
      return {};
    }
    try {
      return z
        .record(z.string(), z.string())
        .parse(JSON.parse(this.box.open({ keyId: row.secret_key_id, ciphertext: row.secret_ciphertext }, aad(row.id))));
    } catch (error) {
      throw new AppError('internal', `the secrets of integration ${row.id} cannot be decrypted`, { cause: error });
    }
  }
}

const aad = (id: string) => `integration:${id}`;

function parseConfig(type: IntegrationType, config: Record<string, unknown>): Record<string, unknown> {
  const parsed = integrationConfigSchemas[type].safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(`config.${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

function checkSecretNames(type: IntegrationType, names: string[]): void {
  const allowed: readonly string[] = INTEGRATION_SECRET_FIELDS[type];
  const unknown = names.filter((n) => !allowed.includes(n));
  if (unknown.length > 0) {
    throw badRequest(`secrets: ${type} integrations accept ${allowed.join(', ')}; not ${unknown.join(', ')}`);
  }
}

function checkSecrets(type: IntegrationType, secrets: Secrets): Secrets {
  checkSecretNames(type, Object.keys(secrets));
  return secrets;
}
