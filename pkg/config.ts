import { z } from 'zod';

/** Parses `1=secret,2=other` into org id → secret. */
const orgSecrets = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const out = new Map<number, string>();
    for (const entry of value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const eq = entry.indexOf('=');
      const org = Number(entry.slice(0, eq));
      const secret = entry.slice(eq + 1);
      if (eq < 1 || !Number.isSafeInteger(org) || org < 1) {
        ctx.addIssue({
          code: 'custom',
          message: `entry "${entry.slice(0, eq > 0 ? eq : 8)}…" must be <orgId>=<secret>`,
        });
        continue;
      }
      if (secret.length < 16) {
        ctx.addIssue({ code: 'custom', message: `secret of org ${org} must have at least 16 characters` });
        continue;
      }
      out.set(org, secret);
    }
    return out;
  });

/** Parses `kid:base64key,kid2:base64key`; the first key encrypts (or computes MACs), all decrypt (or verify). */
const encryptionKeys = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (!value) {
      return undefined;
    }
    const keys: Array<{ id: string; key: Buffer }> = [];
    for (const entry of value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [id, b64] = entry.split(':');
      const key = Buffer.from(b64 ?? '', 'base64');
      if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
        ctx.addIssue({ code: 'custom', message: 'each key must be <id>:<base64 of 32 bytes>' });
        continue;
      }
      keys.push({ id, key });
    }
    return keys;
  });

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const url = z.url({ protocol: /^https?$/ });

/** `host` or `host:port` entries, comma-separated, compared in lower case. */
const hostList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean)
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/, 'host or host:port')));

export const configSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Start even when the PostgreSQL role is a superuser or has BYPASSRLS (row-level security is then no boundary). */
  DATABASE_ALLOW_SUPERUSER: bool,
  /** PostgreSQL's shared buffers of the embedded database, in MiB: resident from the start (pglite.ts). */
  PGLITE_SHARED_BUFFERS_MB: z.coerce.number().int().min(1).max(4096).default(16),
  GRAFANA_URL: url.default('http://localhost:3000'),
  GRAFANA_ISSUER: z.string().optional(),
  GRAFANA_JWKS_URL: url.optional(),
  JWKS_REFRESH_COOLDOWN_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  TRUST_GRAFANA_CONTEXT_IDENTITY: bool,
  ORG_SECRETS: orgSecrets,
  SECRET_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/)
    .default('X-SRE-Copilot-Secret'),
  ENCRYPTION_KEYS: encryptionKeys,
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(600).default(10),
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
  // Above the 15 s heartbeat of the server-sent-event streams, which keeps them from counting as idle.
  HTTP_IDLE_TIMEOUT_SECONDS: z.coerce.number().min(20).max(3600).default(60),
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(3600).default(72),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(600).default(10),
  /** The audit MAC keys, in the form of ENCRYPTION_KEYS: the first computes new MACs, all verify. */
  AUDIT_KEYS: encryptionKeys,
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50_000_000).default(1_048_576),
  RATE_LIMIT_USER_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_PROJECT_PER_MINUTE: z.coerce.number().int().min(1).default(3000),
  /**
   * Hosts every outbound call may reach besides GRAFANA_URL's (and PROMETHEUS_ALLOWED_HOSTS'): the org's Grafana
   * integration URL, direct Prometheus URLs and the targets to come all go through this one list.
   */
  OUTBOUND_ALLOWED_HOSTS: hostList,
  SSE_MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).max(1000).default(10),
  TEAM_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  SERVICE_LABELS: z
    .string()
    .default('service,job,app')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    )
    .pipe(z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'label names only')).min(1)),
  CORRELATION_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  REOPEN_WINDOW_SECONDS: z.coerce.number().int().min(0).max(86_400).default(900),
  AUTO_RESOLVE: bool.default(true),
  WEBHOOK_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100_000_000).default(5_242_880),
  INGEST_MAX_QUEUE: z.coerce.number().int().min(1).max(1_000_000).default(5000),
  INGEST_MAX_BATCH_SIGNALS: z.coerce.number().int().min(1).max(100_000).default(5000),
  INGEST_RATE_LIMIT_PER_PROJECT_PER_SECOND: z.coerce.number().int().min(1).default(5000),
  POLLING_ENABLED: bool.default(true),
  PROMETHEUS_POLL_INTERVAL: z.coerce.number().min(1).max(3600).default(60),
  PROMETHEUS_DEFAULT_QUERIES: z.string().min(1).default('config/promql_templates.yaml'),
  PROMETHEUS_ALLOWED_HOSTS: hostList,
  PROMETHEUS_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(300).default(10),
  PROMETHEUS_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(4),
  PROMETHEUS_HISTORY_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 31)
    .default(24 * 7),
  ANOMALY_THRESHOLD: z.coerce.number().gt(0).lt(1).optional(),
});

export type Config = z.infer<typeof configSchema>;

/** Settings that are valid one by one but not together. */
function combinationProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.HTTP_HEADERS_TIMEOUT_SECONDS > config.HTTP_REQUEST_TIMEOUT_SECONDS) {
    problems.push('  HTTP_HEADERS_TIMEOUT_SECONDS: must not be longer than HTTP_REQUEST_TIMEOUT_SECONDS');
  }
  return problems;
}

export class ConfigError extends Error {}

/** Parses the environment once and reports every problem at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const problems = combinationProblems(parsed.data);
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
