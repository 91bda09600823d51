import { Writable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../config.ts';
import type { Database, Dialect } from '../adapters/db/database.ts';
import { createSidecar, type Sidecar } from '../main.ts';
import { TestGrafanaIdentity, type TestUser } from './grafana-identity.ts';
import { createTestDatabase } from './test-database.ts';

export const ORG_SECRETS = { 1: 'org-one-secret-0123456789', 2: 'org-two-secret-0123456789' } as const;
export const TEST_KEYS = 'k1:' + Buffer.alloc(32, 7).toString('base64');

export interface CallOptions {
  method?: InjectOptions['method'];
  body?: unknown;
  projectId?: string;
  /** Defaults to the user's org secret; null sends none. */
  secret?: string | null;
  /** Defaults to a valid token for the user; null sends none. */
  idToken?: string | null;
  /** Defaults to the user's context; null sends none. */
  context?: string | null;
  headers?: Record<string, string>;
}

export interface TestSidecar {
  sidecar: Sidecar;
  grafana: TestGrafanaIdentity;
  /**
   * The test's own handle on the sidecar's database, to read and count rows across tenants: the sidecar's handle
   * connects as the owner role, which row-level security shows no tenant rows outside a tenant context.
   */
  inspect: Database;
  /** Every log line the sidecar wrote. */
  logs: string[];
  call(user: TestUser, url: string, options?: CallOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The real sidecar on a fresh test database, with a test Grafana identity provider and captured logs. */
export async function createTestSidecar(
  dialect: Dialect,
  env: Record<string, string> = {},
  grafana?: TestGrafanaIdentity,
  clock?: () => Date
): Promise<TestSidecar> {
  const ownGrafana = grafana ?? (await TestGrafanaIdentity.start());
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const db = await createTestDatabase(dialect);
  const config = loadConfig({
    GRAFANA_URL: ownGrafana.url,
    ORG_SECRETS: Object.entries(ORG_SECRETS)
      .map(([org, secret]) => `${org}=${secret}`)
      .join(','),
    ENCRYPTION_KEYS: TEST_KEYS,
    LOG_LEVEL: 'info',
    // The poller (and its job queue) only where a test asks for it.
    POLLING_ENABLED: 'false',
    ...env,
  });
  const sidecar = await createSidecar(config, { db, logStream, clock });
  return {
    sidecar,
    grafana: ownGrafana,
    inspect: db.inspect,
    logs,
    async call(user, url, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const secret = options.secret === undefined ? ORG_SECRETS[user.orgId as 1 | 2] : options.secret;
      if (secret) {
        headers['x-sre-copilot-secret'] = secret;
      }
      const token = options.idToken === undefined ? await ownGrafana.idToken(user) : options.idToken;
      if (token) {
        headers['x-grafana-id'] = token;
      }
      const context = options.context === undefined ? ownGrafana.context(user) : options.context;
      if (context) {
        headers['x-grafana-context'] = context;
      }
      if (options.projectId) {
        headers['x-project-id'] = options.projectId;
      }
      return sidecar.app.inject({
        method: options.method ?? 'GET',
        url,
        headers,
        ...(options.body === undefined ? {} : { payload: options.body as InjectOptions['payload'] }),
      });
    },
    async close() {
      await sidecar.close();
      if (!grafana) {
        await ownGrafana.close();
      }
    },
  };
}
