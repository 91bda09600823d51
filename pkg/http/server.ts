import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Health, IntegrationHealth } from '../contract/index.ts';
import type { Database } from '../adapters/db/database.ts';
import { FixedWindowLimiter } from '../core/rate-limit.ts';
import type { AuditService } from '../services/audit.ts';
import type { Caller } from '../services/caller.ts';
import { AppError } from '../services/errors.ts';
import type { IdentityService } from '../services/identity.ts';
import type { IntegrationsService } from '../services/integrations.ts';
import type { ProjectsService } from '../services/projects.ts';
import type { TeamDirectory } from '../services/team-directory.ts';
import { handleError, sendError } from './errors.ts';
import { header } from './request-headers.ts';
import type { IncidentsService } from '../services/incidents.ts';
import type { IngestService } from '../services/ingest.ts';
import type { IngestTokensService } from '../services/ingest-tokens.ts';
import type { LiveEvents } from '../services/live-events.ts';
import type { Metrics } from '../services/metrics.ts';
import type { PrometheusClient } from '../adapters/prometheus/client.ts';
import type { QueryTemplatesService } from '../services/query-templates.ts';
import { auditRoutes } from './routes/audit.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { ingestTokenRoutes } from './routes/ingest-tokens.ts';
import { webhookRoutes, type WebhookConfig } from './routes/webhooks.ts';
import { integrationRoutes } from './routes/integrations.ts';
import { openapiRoutes } from './routes/openapi.ts';
import { projectRoutes } from './routes/projects.ts';
import { queryTemplateRoutes } from './routes/query-templates.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
    /** Counts one call against the project's rate limit; throws 429 when it is spent. */
    chargeProject: (projectId: string) => void;
  }
}

const rateLimited = (retryAfterSeconds: number) =>
  new AppError('rate_limited', 'too many requests; retry after the time in Retry-After', {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });

export interface ServerDeps {
  db: Database;
  logger: FastifyBaseLogger;
  clock: () => Date;
  identity: IdentityService;
  projects: ProjectsService;
  integrations: IntegrationsService;
  audit: AuditService;
  teams: TeamDirectory;
  incidents: IncidentsService;
  ingest: IngestService;
  ingestTokens: IngestTokensService;
  live: LiveEvents;
  metrics: Metrics;
  prometheus: PrometheusClient;
  queryTemplates: QueryTemplatesService;
  /** Prometheus integrations whose recent polls failed (every org; ids and counts only). */
  pollerHealth: () => Promise<IntegrationHealth[]>;
}

export interface ServerConfig {
  secretHeader: string;
  bodyLimitBytes: number;
  rateLimitUserPerMinute: number;
  rateLimitProjectPerMinute: number;
  version: string;
  webhooks: WebhookConfig;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export async function buildServer(deps: ServerDeps, config: ServerConfig): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: false,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    // Server-sent-event streams never end by themselves: close them on shutdown.
    forceCloseConnections: true,
  });

  await app.register(helmet, {
    // An API: nothing here is a document to render.
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('cache-control', 'no-store');
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => sendError(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));

  app.get('/health', async (): Promise<Health> => {
    const ok = await deps.db
      .withOwner((tx) => tx.query('SELECT 1'))
      .then(() => true)
      .catch(() => false);
    const integrations = ok ? await deps.pollerHealth().catch(() => []) : [];
    const healthy = ok && integrations.every((i) => i.status !== 'failing');
    return { status: healthy ? 'ok' : 'degraded', version: config.version, database: { dialect: deps.db.dialect, ok }, integrations };
  });

  // Prometheus exposition of the sidecar's own metrics (no tenant data in them).
  app.get('/metrics', async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  // Machine senders authenticate with ingest tokens, not through the plugin proxy.
  await app.register(webhookRoutes, { prefix: '/api/v1', deps, config: config.webhooks });
  await app.register(openapiRoutes, { prefix: '/api/v1', config });

  const userLimiter = new FixedWindowLimiter(config.rateLimitUserPerMinute, 60_000);
  const projectLimiter = new FixedWindowLimiter(config.rateLimitProjectPerMinute, 60_000);
  const secretHeader = config.secretHeader.toLowerCase();

  await app.register(
    async (api) => {
      api.decorateRequest('caller', null as unknown as Caller);
      api.decorateRequest('chargeProject', null as unknown as FastifyRequest['chargeProject']);
      api.addHook('onRequest', async (request) => {
        request.caller = await deps.identity.authenticate({
          secret: header(request, secretHeader),
          idToken: header(request, 'x-grafana-id'),
          context: header(request, 'x-grafana-context'),
          ip: request.ip ?? null,
          requestId: String(request.id),
        });
        const user = userLimiter.hit(`${request.caller.orgId}:${request.caller.userId}`, deps.clock().getTime());
        if (!user.allowed) {
          throw rateLimited(user.retryAfterSeconds);
        }
        // The project's budget is charged by resolveScope, once access to the project is established: a caller
        // who cannot see a project must not be able to spend its budget.
        request.chargeProject = (projectId: string) => {
          const project = projectLimiter.hit(`${request.caller.orgId}:${projectId}`, deps.clock().getTime());
          if (!project.allowed) {
            throw rateLimited(project.retryAfterSeconds);
          }
        };
      });
      await api.register(projectRoutes, { deps });
      await api.register(integrationRoutes, { deps });
      await api.register(auditRoutes, { deps });
      await api.register(incidentRoutes, { deps });
      await api.register(ingestTokenRoutes, { deps });
      await api.register(queryTemplateRoutes, { deps });
    },
    { prefix: '/api/v1' }
  );
  return app;
}
