import { integrationConfigSchemas } from '../../contract/index.ts';
import { PrometheusConfigError } from './errors.ts';

/** One Prometheus HTTP API: directly, or one data source behind Grafana's datasource proxy. */
export interface PrometheusTarget {
  id: string;
  name: string;
  /** Ends with '/': `http://prom:9090/` or `<grafana>/api/datasources/proxy/uid/<uid>/`. */
  baseUrl: string;
  /** Authentication headers; never logged, never part of an error. */
  headers: Record<string, string>;
}

/** Turns a Prometheus integration (config + opened secrets) into a target. */
export function prometheusTarget(
  integration: { id: string; name: string; config: Record<string, unknown> },
  secrets: Record<string, string>,
  grafana: { url: string; token: string } | null
): PrometheusTarget {
  const parsed = integrationConfigSchemas.prometheus.safeParse(integration.config);
  if (!parsed.success) {
    throw new PrometheusConfigError(
      `Prometheus integration "${integration.name}" has an invalid configuration; edit it`
    );
  }
  const config = parsed.data;
  if (config.mode === 'grafana') {
    if (!grafana) {
      throw new PrometheusConfigError(
        `Prometheus integration "${integration.name}" goes through Grafana, but this org has no Grafana integration ` +
          'with a service-account token: add one (type grafana, scope org) or switch the integration to direct mode'
      );
    }
    return {
      id: integration.id,
      name: integration.name,
      baseUrl: `${grafana.url.replace(/\/+$/, '')}/api/datasources/proxy/uid/${encodeURIComponent(config.datasourceUid!)}/`,
      headers: { authorization: `Bearer ${grafana.token}` },
    };
  }
  const headers: Record<string, string> = {};
  if (secrets.bearerToken) {
    headers.authorization = `Bearer ${secrets.bearerToken}`;
  } else if (config.username !== undefined || secrets.password) {
    headers.authorization = `Basic ${Buffer.from(`${config.username ?? ''}:${secrets.password ?? ''}`).toString('base64')}`;
  }
  const url = new URL(config.url!);
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) {
    url.pathname += '/';
  }
  return { id: integration.id, name: integration.name, baseUrl: url.toString(), headers };
}
