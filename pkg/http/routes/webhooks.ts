import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  alertmanagerWebhook,
  deploymentBody,
  grafanaWebhook,
  signalsBody,
  type IngestResult,
  type IngestRoute,
} from '../../contract/index.ts';
import {
  normalizeAlertmanager,
  normalizeDeployment,
  normalizeGrafana,
  normalizeSignals,
} from '../../core/alert-normalizer.ts';
import { FixedWindowLimiter } from '../../core/rate-limit.ts';
import type { SignalDraft } from '../../core/signal.ts';
import { isGrafanaTestNotification } from '../../core/test-notification.ts';
import { AppError, unauthorized } from '../../services/errors.ts';
import { deliverySignatureProblem } from '../../services/ingest.ts';
import type { ResolvedIngestToken } from '../../services/ingest-tokens.ts';
import { replaceUnstorableText } from '../json-text.ts';
import { header } from '../request-headers.ts';
import type { ServerDeps } from '../deps.ts';

type RouteDeps = Pick<ServerDeps, 'ingest' | 'ingestTokens' | 'metrics' | 'clock'>;

export interface WebhookConfig {
  bodyLimitBytes: number;
  serviceLabels: readonly string[];
  ratePerProjectPerSecond: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

/** The bearer token (or the password of basic auth, for senders that only do that). */
function credential(request: FastifyRequest): string | undefined {
  const value = header(request, 'authorization');
  if (!value) {
    return undefined;
  }
  const [scheme, rest] = [value.slice(0, value.indexOf(' ')).toLowerCase(), value.slice(value.indexOf(' ') + 1).trim()];
  if (scheme === 'bearer') {
    return rest;
  }
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

/**
 * Machine senders: Alertmanager and Grafana webhooks, other signal sources, deployments. They authenticate with a
 * project's ingest token (not through Grafana's plugin proxy). Answers: 200 after the signals are committed, 4xx
 * for anything malformed, 503 with Retry-After when overloaded or over the project's rate — Alertmanager retries
 * 5xx, and treats 429 as final.
 */
export const webhookRoutes: FastifyPluginAsync<{ deps: RouteDeps; config: WebhookConfig }> = async (
  app,
  { deps, config }
) => {
  const { ingest, ingestTokens, metrics, clock } = deps;
  const limiter = new FixedWindowLimiter(config.ratePerProjectPerSecond, 1000);

  // Under overload, refuse before reading and parsing the body: the answer must come fast to be of use.
  app.addHook('onRequest', async () => {
    if (ingest.saturated) {
      throw ingest.refuse();
    }
  });

  // Keep the raw body: Grafana's signature covers the exact bytes (this replaces the server's JSON parser here).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: config.bodyLimitBytes },
    (request, body, done) => {
      request.rawBody = body as string;
      let value: unknown;
      try {
        value = JSON.parse(body as string);
      } catch {
        done(new AppError('bad_request', 'body: is not valid JSON'), undefined);
        return;
      }
      // What the database cannot store becomes U+FFFD: the rest of the delivery is kept (the raw text is unchanged,
      // since a signature covers it).
      done(null, replaceUnstorableText(body as string, value));
    }
  );

  const authenticate = async (request: FastifyRequest): Promise<ResolvedIngestToken> => {
    const token = credential(request);
    if (!token) {
      metrics.ingestRejected.inc({ reason: 'unauthorized' });
      throw unauthorized('missing ingest token: send Authorization: Bearer <token> of the project');
    }
    const resolved = await ingestTokens.resolve(token);
    if (!resolved) {
      metrics.ingestRejected.inc({ reason: 'unauthorized' });
      throw unauthorized('unknown or revoked ingest token');
    }
    const decision = limiter.hit(resolved.projectId, clock().getTime());
    if (!decision.allowed) {
      metrics.ingestRejected.inc({ reason: 'rate_limited' });
      throw new AppError('unavailable', "over the project's ingest rate; retry after Retry-After", {
        retryAfterSeconds: decision.retryAfterSeconds,
      });
    }
    return resolved;
  };

  /** A token with an HMAC secret takes only signed deliveries, on every route. */
  const verifySignature = (request: FastifyRequest, token: ResolvedIngestToken) => {
    if (!token.hmac) {
      return;
    }
    const problem = deliverySignatureProblem(token.hmac, {
      body: request.rawBody ?? '',
      header: (name) => header(request, name),
      nowMs: clock().getTime(),
    });
    if (problem) {
      metrics.ingestRejected.inc({ reason: 'signature' });
      throw unauthorized(problem);
    }
  };

  const accept = async (
    token: ResolvedIngestToken,
    drafts: SignalDraft[],
    route: IngestRoute
  ): Promise<IngestResult> => {
    await ingestTokens.recordDelivery(token, route, false);
    const started = process.hrtime.bigint();
    const result = await ingest.submit({ orgId: token.orgId, projectId: token.projectId, drafts });
    metrics.ingestLatency.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    return result;
  };

  app.post('/webhooks/alertmanager', { bodyLimit: config.bodyLimitBytes }, async (request) => {
    const token = await authenticate(request);
    // Alertmanager's webhook_config has no way to sign a request: a signed token here would be unsigned after all.
    if (token.hmac) {
      metrics.ingestRejected.inc({ reason: 'signature' });
      throw unauthorized(
        'this ingest token has an HMAC secret, and Alertmanager cannot sign its webhooks: use a token without one here'
      );
    }
    const payload = alertmanagerWebhook.parse(request.body);
    const drafts = normalizeAlertmanager(payload, {
      serviceLabels: config.serviceLabels,
      receivedAt: clock().toISOString(),
    });
    return accept(token, drafts, 'alertmanager');
  });

  app.post('/webhooks/grafana', { bodyLimit: config.bodyLimitBytes }, async (request) => {
    const token = await authenticate(request);
    verifySignature(request, token);
    const payload = grafanaWebhook.parse(request.body);
    if (isGrafanaTestNotification(payload)) {
      await ingestTokens.recordDelivery(token, 'grafana', true);
      return {
        received: payload.alerts.length,
        created: 0,
        resolved: 0,
        duplicates: 0,
        notificationTest: true,
      } satisfies IngestResult;
    }
    const drafts = normalizeGrafana(payload, {
      serviceLabels: config.serviceLabels,
      receivedAt: clock().toISOString(),
    });
    return accept(token, drafts, 'grafana');
  });

  app.post('/signals', { bodyLimit: config.bodyLimitBytes }, async (request) => {
    const token = await authenticate(request);
    verifySignature(request, token);
    const body = signalsBody.parse(request.body);
    const drafts = normalizeSignals(body, { serviceLabels: config.serviceLabels, receivedAt: clock().toISOString() });
    return accept(token, drafts, 'signals');
  });

  app.post('/deployments', { bodyLimit: config.bodyLimitBytes }, async (request) => {
    const token = await authenticate(request);
    verifySignature(request, token);
    const body = deploymentBody.parse(request.body);
    const draft = normalizeDeployment(body, { serviceLabels: config.serviceLabels, receivedAt: clock().toISOString() });
    return accept(token, [draft], 'deployments');
  });
};
