import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
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
  interface FastifyInstance {
    /**
     * Stops taking connections, ends the long-lived streams and lets the requests in flight finish and answer
     * within `graceMs`; what is still open then is cut. Resolves with the number of requests that were cut.
     */
    drain: (graceMs: number) => Promise<number>;
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
  /** Time allowed to receive a request's headers, and all of it (headers and body). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (server-sent-event streams send a heartbeat). */
  idleTimeoutMs: number;
  /** How long a keep-alive connection may wait for its next request. */
  keepAliveTimeoutMs: number;
  /** Open connections allowed per client address; more are closed at once. */
  maxConnectionsPerAddress: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * A connection beyond the cap of its client address is closed at once, before anything of it is read: answering
 * 503 would mean reading and parsing a request on a connection that is refused to save exactly that, and a sender
 * retries a closed connection as it retries a 503. Behind Grafana's plugin proxy every browser call comes from
 * Grafana's address, one connection per open event stream and per call in flight, hence a high default.
 */
function limitConnectionsPerAddress(app: FastifyInstance, max: number): void {
  const open = new Map<string, number>();
  app.server.on('connection', (socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) {
      return;
    }
    const count = open.get(address) ?? 0;
    if (count >= max) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) {
        open.set(address, left);
      } else {
        open.delete(address);
      }
    });
  });
}

/**
 * Keeps the requests in flight, for `app.drain`. A reply its handler hijacked is a long-lived stream (the
 * server-sent events): drain ends it, and the client reconnects to a replica that is not stopping. Every other
 * request finishes, and its answer says `Connection: close`.
 */
function trackRequestsForDrain(app: FastifyInstance): void {
  const inFlight = new Set<FastifyReply>();
  let draining = false;
  app.addHook('onRequest', async (_request, reply) => {
    inFlight.add(reply);
    reply.raw.once('close', () => inFlight.delete(reply));
  });
  app.addHook('onSend', async (_request, reply) => {
    if (draining) {
      reply.header('connection', 'close');
    }
  });
  app.decorate('drain', async (graceMs: number) => {
    draining = true;
    const server = app.server;
    const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : null;
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      for (const reply of inFlight) {
        if (reply.sent && !reply.raw.writableEnded) {
          // The stream's response said keep-alive: its connection is closed after its end, not kept for reuse.
          reply.raw.end();
          reply.raw.socket?.end();
        }
      }
      if (inFlight.size === 0) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const cut = inFlight.size;
    server.closeAllConnections();
    await closed;
    return cut;
  });
}

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
    // Node cuts a request whose headers, or whose whole body, have not arrived in time (408). It checks every
    // connectionsCheckingInterval, so the check runs every second instead of Node's 30 s. A request is timed only
    // while it is being received: a server-sent-event stream, whose request is complete, is not cut.
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: 1000 },
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.idleTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // What drain() leaves open (requests past the grace period) is closed by app.close().
    forceCloseConnections: true,
  });
  limitConnectionsPerAddress(app, config.maxConnectionsPerAddress);
  trackRequestsForDrain(app);

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
