import type { Health, IntegrationHealth } from '../contract/index.ts';
import type { Database } from '../adapters/db/database.ts';
import { pingDatabase } from '../adapters/db/repositories/health.ts';

/**
 * The sidecar's health as /health reports it (unauthenticated: no tenant data): whether the database answers, and
 * the Prometheus integrations whose recent polls failed. Either problem makes the sidecar `degraded`; a failing
 * database hides the poller's view, which it could not read anyway.
 */
export class HealthService {
  private readonly db: Database;
  private readonly pollerHealth: () => Promise<IntegrationHealth[]>;
  private readonly version: string;

  constructor(deps: { db: Database; pollerHealth: () => Promise<IntegrationHealth[]> }, config: { version: string }) {
    this.db = deps.db;
    this.pollerHealth = deps.pollerHealth;
    this.version = config.version;
  }

  async check(): Promise<Health> {
    const ok = await this.db
      .withOwner(pingDatabase)
      .then(() => true)
      .catch(() => false);
    const integrations = ok ? await this.pollerHealth().catch(() => []) : [];
    const healthy = ok && integrations.every((i) => i.status !== 'failing');
    return {
      status: healthy ? 'ok' : 'degraded',
      version: this.version,
      database: { dialect: this.db.dialect, ok },
      integrations,
    };
  }
}
