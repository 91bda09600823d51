import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hkdfSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { JWTVerifyGetKey } from 'jose';
import type { PgBoss } from 'pg-boss';
import { pino, type DestinationStream, type Logger } from 'pino';
import packageJson from '../package.json' with { type: 'json' };
import { loadConfig, ConfigError, type Config } from './config.ts';
import { auditCheckpoint, type AuditCheckpoint } from './contract/index.ts';
import type { AuditKey } from './core/audit-chain.ts';
import type { Database } from './adapters/db/database.ts';
import { DataDirLockedError } from './adapters/db/lock-file.ts';
import { migrate } from './adapters/db/migrate.ts';
import { PgliteDatabase } from './adapters/db/pglite.ts';
import { PostgresDatabase } from './adapters/db/postgres.ts';
import { GrafanaClient } from './adapters/grafana/grafana-api.ts';
import { IdTokenVerifier } from './adapters/grafana/id-token.ts';
import { HostAllowList } from './adapters/outbound/allow-list.ts';
import { SecretBox, type EncryptionKey } from './adapters/secret-box.ts';
import { buildServer } from './http/server.ts';
import { AuditService } from './services/audit.ts';
import { AppError } from './services/errors.ts';
import { HealthService } from './services/health.ts';
import { IdentityService } from './services/identity.ts';
import { IntegrationTester } from './services/integration-tester.ts';
import { IntegrationsService } from './services/integrations.ts';
import { ProjectsService } from './services/projects.ts';
import { TeamDirectory } from './services/team-directory.ts';
import { IncidentCorrelation } from './services/incident-correlation.ts';
import { IncidentsService } from './services/incidents.ts';
import { IngestService } from './services/ingest.ts';
import { IngestTokensService } from './services/ingest-tokens.ts';
import { LiveEvents } from './services/live-events.ts';
import { Metrics } from './services/metrics.ts';
import { Poller } from './services/poller.ts';
import { loadTemplatesFile, QueryTemplatesService, TemplatesFileError } from './services/query-templates.ts';
import { PrometheusClient } from './adapters/prometheus/client.ts';
import { startPollJobs } from './jobs/poll.ts';
import { startJobQueue } from './jobs/queue.ts';
import { Scheduler, systemClock } from './jobs/scheduler.ts';
import { ANOMALY_THRESHOLD } from './core/anomaly/detector.ts';

export interface Sidecar {
  app: FastifyInstance;
  db: Database;
  logger: Logger;
  audit: AuditService;
  integrations: IntegrationsService;
  identity: IdentityService;
  ingest: IngestService;
  metrics: Metrics;
  poller: Poller;
  close(): Promise<void>;
}

export interface SidecarOverrides {
  /** An open database instead of the one the config names (tests). */
  db?: Database;
  /** Where log lines go (tests capture them). */
  logStream?: DestinationStream;
  /** A key set instead of Grafana's remote JWKS. */
  keySet?: JWTVerifyGetKey;
  clock?: () => Date;
}

/** Paths in log objects that may hold credentials; pino replaces them. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-grafana-id"]',
  'req.headers["x-sre-copilot-secret"]',
  '*.secrets',
  '*.secret',
  '*.token',
  '*.password',
  '*.apiKey',
];

/** The composition root: config → adapters → services → HTTP. */
export async function createSidecar(config: Config, overrides: SidecarOverrides = {}): Promise<Sidecar> {
  const logger = pino(
    { level: config.LOG_LEVEL, redact: { paths: REDACT, censor: '[redacted]' } },
    overrides.logStream
  );
  const clock = overrides.clock ?? (() => new Date());
  // A broken templates file stops the start before anything is opened.
  const defaultTemplates = loadTemplatesFile(config.PROMETHEUS_DEFAULT_QUERIES);
  const db = overrides.db ?? (await openDatabase(config, logger));
  let boss: PgBoss | null = null;
  let scheduler: Scheduler | null = null;
  let checkpoints: Scheduler | null = null;
  /** The ticks stop first (the tick in flight finishes), then the job queue (the jobs in flight finish). */
  const stopJobs = async () => {
    await checkpoints?.stop();
    await scheduler?.stop();
    await boss?.stop({ graceful: true, timeout: 5_000 }).catch(() => undefined);
  };
  try {
    const applied = await migrate(db);
    if (applied.length > 0) {
      logger.info({ applied }, 'database migrated');
    }
    const box = new SecretBox(encryptionKeys(config, logger));
    // One allow-list for every outbound call: nothing a tenant stores can make the sidecar reach another host.
    const allowList = new HostAllowList([
      new URL(config.GRAFANA_URL).host,
      ...config.OUTBOUND_ALLOWED_HOSTS,
      ...config.PROMETHEUS_ALLOWED_HOSTS,
    ]);
    const audit = new AuditService({ db, logger, clock }, { keys: auditKeys(config, logger) });
    const integrations = new IntegrationsService(
      { db, box, clock, audit },
      { grafanaUrl: config.GRAFANA_URL, allowList }
    );
    const grafana = new GrafanaClient({ allowList });
    const teams = new TeamDirectory(
      { integrations, grafana, clock, logger },
      { grafanaUrl: config.GRAFANA_URL, cacheMs: config.TEAM_CACHE_SECONDS * 1000 }
    );
    const issuer = config.GRAFANA_ISSUER ?? config.GRAFANA_URL;
    const verifier = new IdTokenVerifier({
      issuer,
      jwksUrl: new URL(config.GRAFANA_JWKS_URL ?? new URL('/api/signing-keys/keys', config.GRAFANA_URL).toString()),
      refreshCooldownMs: config.JWKS_REFRESH_COOLDOWN_SECONDS * 1000,
      keySet: overrides.keySet,
    });
    const identity = new IdentityService(
      { db, verifier, clock },
      { trustContextIdentity: config.TRUST_GRAFANA_CONTEXT_IDENTITY, secretCacheMs: 30_000 }
    );
    for (const [orgId, secret] of config.ORG_SECRETS) {
      await identity.setOrgSecret(orgId, secret);
    }
    const projects = new ProjectsService({ db, teams, clock, audit });
    const metrics = new Metrics();
    const incidents = new IncidentsService({ db, clock, metrics, audit });
    const correlation = new IncidentCorrelation(
      { metrics, audit },
      {
        windowMs: config.CORRELATION_WINDOW_SECONDS * 1000,
        reopenWindowMs: config.REOPEN_WINDOW_SECONDS * 1000,
        autoResolve: config.AUTO_RESOLVE,
      }
    );
    const ingest = new IngestService(
      { db, metrics, correlation, clock, logger },
      { maxQueuedDeliveries: config.INGEST_MAX_QUEUE, maxBatchSignals: config.INGEST_MAX_BATCH_SIGNALS }
    );
    const ingestTokens = new IngestTokensService({ db, box, clock, audit }, { cacheMs: 30_000 });
    const live = new LiveEvents({ db, logger, metrics }, { maxStreamsPerUser: config.SSE_MAX_STREAMS_PER_USER });
    await live.start();
    const baseIntervalMs = config.PROMETHEUS_POLL_INTERVAL * 1000;
    const queryTemplates = new QueryTemplatesService(
      { db, clock, audit },
      { defaults: defaultTemplates, baseIntervalMs }
    );
    const prometheus = new PrometheusClient({
      allowedHosts: allowList,
      timeoutMs: config.PROMETHEUS_TIMEOUT_SECONDS * 1000,
      maxInFlightPerTarget: config.PROMETHEUS_MAX_IN_FLIGHT,
    });
    const poller = new Poller(
      { db, integrations, templates: queryTemplates, prometheus, ingest, logger, clock },
      {
        baseIntervalMs,
        historyMs: config.PROMETHEUS_HISTORY_HOURS * 3_600_000,
        threshold: config.ANOMALY_THRESHOLD ?? ANOMALY_THRESHOLD,
      }
    );
    if (config.POLLING_ENABLED) {
      boss = await startJobQueue(db, logger);
      const tick = await startPollJobs(boss, { db, poller, metrics, logger }, { baseIntervalMs, concurrency: 8 });
      scheduler = new Scheduler({
        name: 'poll',
        intervalMs: baseIntervalMs,
        tick,
        logger,
        clock: { ...systemClock, now: () => clock().getTime() },
        // A tick fails only when the database does (listing the projects to poll): skip a tick or more, with jitter,
        // instead of every replica retrying in step at every tick.
        backoff: { initialMs: baseIntervalMs, maxMs: 8 * baseIntervalMs },
      });
      scheduler.start();
    }
    // Checkpoints of the chains written to leave the database through the log, at every interval.
    checkpoints = new Scheduler({
      name: 'audit checkpoint',
      intervalMs: config.AUDIT_CHECKPOINT_INTERVAL_SECONDS * 1000,
      tick: () => audit.checkpointWritten(),
      logger,
      clock: { ...systemClock, now: () => clock().getTime() },
    });
    checkpoints.start();
    const health = new HealthService({ db, pollerHealth: () => poller.failing() }, { version: packageJson.version });
    const integrationTester = new IntegrationTester({ integrations, prometheus, clock });
    const app = await buildServer(
      {
        logger,
        clock,
        health,
        identity,
        projects,
        integrations,
        integrationTester,
        audit,
        teams,
        incidents,
        ingest,
        ingestTokens,
        live,
        metrics,
        queryTemplates,
      },
      {
        secretHeader: config.SECRET_HEADER,
        bodyLimitBytes: config.BODY_LIMIT_BYTES,
        rateLimitUserPerMinute: config.RATE_LIMIT_USER_PER_MINUTE,
        rateLimitProjectPerMinute: config.RATE_LIMIT_PROJECT_PER_MINUTE,
        version: packageJson.version,
        headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
        requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
        idleTimeoutMs: config.HTTP_IDLE_TIMEOUT_SECONDS * 1000,
        keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
        maxConnectionsPerAddress: config.HTTP_MAX_CONNECTIONS_PER_ADDRESS,
        webhooks: {
          bodyLimitBytes: config.WEBHOOK_BODY_LIMIT_BYTES,
          serviceLabels: config.SERVICE_LABELS,
          ratePerProjectPerSecond: config.INGEST_RATE_LIMIT_PER_PROJECT_PER_SECOND,
        },
      }
    );

    return {
      app,
      db,
      logger,
      audit,
      integrations,
      identity,
      ingest,
      metrics,
      poller,
      async close() {
        // Stop accepting and let the requests in flight answer (a delivery cut now would be sent again although it
        // may be stored), while the jobs stop; the database closes only after both.
        const [cut] = await Promise.all([app.drain(config.SHUTDOWN_GRACE_SECONDS * 1000), stopJobs()]);
        if (cut > 0) {
          logger.warn({ cut }, 'requests still unanswered at the end of the shutdown grace period were cut');
        }
        await app.close();
        // The last entries written get their checkpoint before the database closes.
        await audit
          .checkpointWritten()
          .catch((error: unknown) => logger.error({ err: error }, 'audit checkpoint failed'));
        await live.stop();
        grafana.close();
        await db.close();
      },
    };
  } catch (error) {
    await stopJobs();
    await db.close();
    throw error;
  }
}

async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.DATABASE_URL) {
    const db = new PostgresDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
    try {
      await checkConnectionRole(db, config, logger);
    } catch (error) {
      await db.close();
      throw error;
    }
    return db;
  }
  return PgliteDatabase.open({ dataDir: config.DATA_DIR, sharedBuffersMb: config.PGLITE_SHARED_BUFFERS_MB });
}

/**
 * Every tenant query runs as the application role under row-level security; a connection role that is a superuser
 * or has BYPASSRLS is bound by neither once it leaves that role (RESET ROLE), so the switch would be no boundary.
 * Such a role is refused, or with DATABASE_ALLOW_SUPERUSER accepted with a warning at every start.
 */
async function checkConnectionRole(db: PostgresDatabase, config: Config, logger: Logger): Promise<void> {
  const role = await db.connectionRole();
  if (!role.superuser && !role.bypassRls) {
    return;
  }
  const what = role.superuser ? 'a superuser' : 'a role with BYPASSRLS';
  const why = `the PostgreSQL role "${role.name}" of DATABASE_URL is ${what}: row-level security does not bind it, so the tenant boundary would be none`;
  if (!config.DATABASE_ALLOW_SUPERUSER) {
    throw new ConfigError(
      `Refusing to start: ${why}. Connect as an owner role created NOSUPERUSER NOBYPASSRLS (docs/operations.md), or set DATABASE_ALLOW_SUPERUSER=true to start anyway.`
    );
  }
  logger.warn({ role: role.name }, `${why}; starting anyway because DATABASE_ALLOW_SUPERUSER is set`);
}

/**
 * ENCRYPTION_KEYS when given. The embedded mode without it keeps a generated key in the data directory, so that
 * `npm start` works out of the box; PostgreSQL deployments must set ENCRYPTION_KEYS.
 */
function encryptionKeys(config: Config, logger: Logger): EncryptionKey[] {
  if (config.ENCRYPTION_KEYS?.length) {
    return config.ENCRYPTION_KEYS;
  }
  if (config.DATABASE_URL) {
    throw new ConfigError('ENCRYPTION_KEYS is required with DATABASE_URL (e.g. k1:<base64 of 32 random bytes>)');
  }
  const path = join(config.DATA_DIR, 'encryption.key');
  if (!existsSync(path)) {
    writeFileSync(path, `local:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    logger.warn(
      { path },
      'generated an encryption key for integration secrets; set ENCRYPTION_KEYS to manage keys yourself'
    );
  }
  const [id, b64] = readFileSync(path, 'utf8').trim().split(':');
  return [{ id: id!, key: Buffer.from(b64 ?? '', 'base64') }];
}

/** The label of the HKDF that derives audit MAC keys from the encryption keys. */
const AUDIT_KEY_INFO = 'sre-copilot audit mac v1';

/**
 * The audit MAC keys: AUDIT_KEYS first when given. Keys derived from ENCRYPTION_KEYS (HKDF-SHA256, ids `enc-<id>`)
 * follow, so that a deployment that has ENCRYPTION_KEYS alone keys its chain from the start and keeps verifying it
 * after AUDIT_KEYS is set. The embedded mode with neither generates a key in the data directory, like the encryption
 * key; once there, that key stays in the list, so that its entries verify after keys are configured.
 */
function auditKeys(config: Config, logger: Logger): AuditKey[] {
  const derived = (config.ENCRYPTION_KEYS ?? []).map((k) => ({
    id: `enc-${k.id}`,
    key: Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), AUDIT_KEY_INFO, 32)),
  }));
  const keys = [...(config.AUDIT_KEYS ?? []), ...derived];
  if (config.DATABASE_URL) {
    return keys;
  }
  const path = join(config.DATA_DIR, 'audit.key');
  if (keys.length === 0 && !existsSync(path)) {
    writeFileSync(path, `local:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    logger.warn({ path }, 'generated an audit MAC key; set AUDIT_KEYS to manage keys yourself, and keep a copy');
  }
  if (existsSync(path)) {
    const [id, b64] = readFileSync(path, 'utf8').trim().split(':');
    keys.push({ id: id!, key: Buffer.from(b64 ?? '', 'base64') });
  }
  return keys;
}

/**
 * The checkpoints in `text`: one checkpoint in JSON, a page of `GET /audit/checkpoints`, or log lines (JSON lines,
 * those with a `checkpoint` are taken). The newest of every chain is kept.
 */
export function readCheckpoints(text: string): AuditCheckpoint[] {
  let values: unknown[];
  try {
    values = [JSON.parse(text) as unknown];
  } catch {
    values = text
      .split('\n')
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          return null;
        }
      });
  }
  const candidates = values.flatMap((value) => {
    const object = (value ?? {}) as { checkpoint?: unknown; items?: unknown };
    return Array.isArray(object.items) ? object.items : [object.checkpoint ?? value];
  });
  const newest = new Map<string, AuditCheckpoint>();
  for (const candidate of candidates) {
    const parsed = auditCheckpoint.safeParse(candidate);
    if (parsed.success) {
      const chain = `${parsed.data.orgId}:${parsed.data.projectId ?? ''}`;
      if ((newest.get(chain)?.seq ?? 0) < parsed.data.seq) {
        newest.set(chain, parsed.data);
      }
    }
  }
  return [...newest.values()];
}

/**
 * `verify --checkpoint <file or JSON>`: verifies the chain of every checkpoint given against it, or
 * `verify --org <id> [--project <uuid>]` one chain without. Prints one result per chain; exits 1 if any is broken.
 */
async function verifyCommand(sidecar: Sidecar, args: string[]): Promise<boolean> {
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at === -1 ? undefined : args[at + 1];
  };
  const given = option('--checkpoint');
  const org = option('--org');
  if (given === undefined && org === undefined) {
    throw new ConfigError('verify needs --checkpoint <file or JSON> or --org <id> [--project <uuid>]');
  }
  const runs: Array<{ scope: { orgId: number; projectId: string | null }; checkpoint?: AuditCheckpoint }> = [];
  if (given !== undefined) {
    const checkpoints = readCheckpoints(given.trim().startsWith('{') ? given : readFileSync(given, 'utf8'));
    if (checkpoints.length === 0) {
      throw new ConfigError('--checkpoint: no audit checkpoint found in it');
    }
    runs.push(...checkpoints.map((c) => ({ scope: { orgId: c.orgId, projectId: c.projectId }, checkpoint: c })));
  } else {
    runs.push({ scope: { orgId: Number(org), projectId: option('--project') ?? null } });
  }
  let ok = true;
  for (const { scope, checkpoint } of runs) {
    const result = await sidecar.audit.verify(scope, { checkpoint });
    ok &&= result.ok;
    process.stdout.write(`${JSON.stringify({ ...scope, checkpointSeq: checkpoint?.seq ?? null, ...result })}\n`);
  }
  return ok;
}

async function run(command: string | undefined): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const sidecar = await createSidecar(config);
  if (command === 'migrate') {
    await sidecar.close();
    return;
  }
  if (command === 'rotate-keys') {
    const count = await sidecar.integrations.resealAll();
    sidecar.logger.info({ count }, 'integration secrets re-sealed under the active key');
    await sidecar.close();
    return;
  }
  if (command === 'verify') {
    let ok = false;
    try {
      ok = await verifyCommand(sidecar, process.argv.slice(3));
    } finally {
      await sidecar.close();
    }
    process.exit(ok ? 0 : 1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    sidecar.logger.info({ signal }, 'stopping');
    await sidecar.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await sidecar.app.listen({ host: config.HOST, port: config.PORT });
  if (config.ORG_SECRETS.size === 0) {
    sidecar.logger.warn('no ORG_SECRETS configured: every API call will be refused until an org secret is set');
  }
}

if (import.meta.main) {
  const command = process.argv[2];
  if (command && !['serve', 'migrate', 'rotate-keys', 'verify'].includes(command)) {
    process.stderr.write(`unknown command "${command}"; use serve (default), migrate, rotate-keys or verify\n`);
    process.exit(2);
  }
  run(command).catch((error: unknown) => {
    // Operator errors get their message; anything else its stack.
    const plain =
      error instanceof ConfigError ||
      error instanceof DataDirLockedError ||
      error instanceof TemplatesFileError ||
      error instanceof AppError;
    process.stderr.write(
      `${error instanceof Error ? (plain ? error.message : (error.stack ?? error.message)) : String(error)}\n`
    );
    if (error instanceof Error && error.cause) {
      process.stderr.write(`caused by: ${String((error.cause as Error).message ?? error.cause)}\n`);
    }
    // Configuration (settings or the templates file) and a refused argument exit 2, like an invalid environment.
    process.exit(
      error instanceof ConfigError || error instanceof TemplatesFileError || error instanceof AppError ? 2 : 1
    );
  });
}
