/** Who the caller is and how the sidecar is doing: the routes a connection test and a probe use. */
import type { IntegrationHealth } from './prometheus.ts';

/** `GET /api/v1/whoami`: who the sidecar takes the caller for; the config page's connection test. */
export interface WhoAmI {
  user: {
    id: number;
    login: string;
    name: string;
    email: string;
    orgId: number;
    orgRole: string;
    isServiceAccount: boolean;
  };
  teamIds: number[];
}

export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  database: { dialect: 'pglite' | 'postgres'; ok: boolean };
  /** Prometheus integrations whose last polls failed (`status` is then `degraded`). */
  integrations: IntegrationHealth[];
}
