import type { IntegrationTestResult } from '../contract/index.ts';
import { PrometheusConfigError, type PrometheusTarget } from '../adapters/prometheus/client.ts';
import type { TenantScope } from '../core/tenant-scope.ts';
import type { IntegrationsService } from './integrations.ts';

/** What testing needs of the Prometheus client: reach a target as polling would, never throwing. */
export interface PrometheusProbe {
  test(target: PrometheusTarget): Promise<IntegrationTestResult>;
}

/**
 * Tests an integration on demand. A Prometheus that is down, and one that cannot be reached as configured (e.g.
 * Grafana mode without the org's service-account token), are a result with ok=false, not an error: the test ran,
 * and its answer is what the admin wants to see.
 */
export class IntegrationTester {
  private readonly integrations: IntegrationsService;
  private readonly prometheus: PrometheusProbe;
  private readonly clock: () => Date;

  constructor(deps: { integrations: IntegrationsService; prometheus: PrometheusProbe; clock: () => Date }) {
    this.integrations = deps.integrations;
    this.prometheus = deps.prometheus;
    this.clock = deps.clock;
  }

  async test(scope: TenantScope, id: string): Promise<IntegrationTestResult> {
    let target: PrometheusTarget;
    try {
      target = await this.integrations.prometheusTargetFor(scope, id);
    } catch (error) {
      if (error instanceof PrometheusConfigError) {
        const checkedAt = this.clock().toISOString();
        return { ok: false, latencyMs: 0, version: null, targets: null, error: error.message, checkedAt };
      }
      throw error;
    }
    return this.prometheus.test(target);
  }
}
