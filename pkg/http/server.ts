import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Health } from '../contract/index.ts';
import { FixedWindowLimiter } from '../core/rate-limit.ts';
import type { Caller } from '../services/caller.ts';
import { AppError } from '../services/errors.ts';
import type { ServerDeps } from './deps.ts';
import { handleError, sendError } from './errors.ts';
import { unstorableTextProblem } from './json-text.ts';
import { header } from './request-headers.ts';
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
  new AppError('rate_limited', 'too many requests; retry after the time in Retry-After', { retryAfterSeconds });

export interface ServerConfig {
  secretHeader: string;
  bodyLimitBytes: number;
  rateLimitUserPerMinute: number;
  rateLimitProjectPerMinute: number;
  /** The sidecar's version, as the OpenAPI document states it. */
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
  // fastify's own JSON parser (prototype poisoning refused), then no string the database cannot store.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error, value) => {
      const problem = error ? null : unstorableTextProblem(body as string, value);
      done(error ?? (problem ? new AppError('bad_request', problem) : null), value);
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`)
  );

  app.get('/health', async (): Promise<Health> => deps.health.check());

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
