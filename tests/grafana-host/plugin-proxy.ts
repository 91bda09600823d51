import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { interpolate, TemplateError, type TemplateData } from './go-template.ts';
import { grafanaContextHeader, isValidRole, roleIncludes, type SignedInIdentity } from './identity.ts';

/** One entry of `plugin.json` `routes[]`, as Grafana reads it for app plugins. */
export interface PluginRoute {
  path: string;
  method?: string;
  url?: string;
  reqRole?: string;
  reqAction?: string;
  headers?: Array<{ name: string; content: string }>;
  body?: unknown;
}

export interface ProxyContext {
  routes: PluginRoute[];
  /** Path after `/api/plugin-proxy/<id>/`, without the query string, as the router captured it. */
  proxyPath: string;
  /** The query string of the incoming request, with its `?`, or ''. */
  search: string;
  identity: SignedInIdentity;
  settings: TemplateData;
  /** Whether the identity holds an RBAC action (for `reqAction`). */
  hasAction(action: string): boolean;
  idToken: string;
}

export type RouteMatch = { route: PluginRoute; proxyPath: string };

/**
 * Grafana's route choice: routes in order, skipping those whose method does not match; the first whose path
 * matches wins, and if the caller may not use it the answer is 403 (no fall-through to later routes).
 */
export function matchRoute(
  routes: PluginRoute[],
  method: string,
  proxyPath: string,
  mayUse: (route: PluginRoute) => boolean
): RouteMatch | 'forbidden' | null {
  for (const route of routes) {
    if (route.method && route.method !== '*' && route.method !== method) {
      continue;
    }
    const match = matchPath(route.path, proxyPath);
    if (!match) {
      continue;
    }
    if (!mayUse(route)) {
      return 'forbidden';
    }
    return { route, proxyPath: match.wildcard ?? '' };
  }
  return null;
}

/** Grafana's router syntax: literal segments, `:param` (one segment) and a trailing `*` (the rest, maybe empty). */
export function matchPath(pattern: string, path: string): { params: Record<string, string>; wildcard?: string } | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/');
  if (have[0] === '') {
    have.shift();
  }
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    if (part === '*' && i === want.length - 1) {
      // Without Grafana's pluginProxyPreserveTrailingSlash toggle the captured rest loses its trailing slash.
      return { params, wildcard: have.slice(i).join('/').replace(/\/+$/, '') };
    }
    const segment = have[i];
    if (segment === undefined || segment === '') {
      return null;
    }
    if (part.startsWith(':')) {
      params[part.slice(1)] = segment;
    } else if (part !== segment) {
      return null;
    }
  }
  const rest = have.slice(want.length).filter(Boolean);
  return rest.length === 0 ? { params } : null;
}

/** util.JoinURLFragments: one slash between the two parts; an empty second part leaves the first as it is. */
export function joinUrlFragments(a: string, b: string): string {
  if (b.length === 0) {
    return a;
  }
  const aSlash = a.endsWith('/');
  const bSlash = b.startsWith('/');
  if (aSlash && bSlash) {
    return a + b.slice(1);
  }
  if (!aSlash && !bSlash) {
    return `${a}/${b}`;
  }
  return a + b;
}

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** The headers a reverse proxy forwards: all but hop-by-hop ones and those named in Connection. */
export function withoutHopByHop(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.includes(name) || listed.includes(name)) {
      continue;
    }
    out[name] = value;
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

/**
 * Forwards one request through the matched route the way Grafana's app plugin proxy does (pkg/api/pluginproxy):
 * the route URL and headers are templates over the org's settings; Cookie and Authorization are dropped;
 * X-Grafana-Context and X-Grafana-Id are set by the host (a client-sent one never passes); route headers are set
 * last and win; Origin/Referer and X-Forwarded-Host/Port/Proto are removed; X-Forwarded-For gets the client
 * address. The answer streams back without Set-Cookie, flushed as it arrives (server-sent events work).
 */
export function proxyPluginRequest(req: IncomingMessage, res: ServerResponse, ctx: ProxyContext): void {
  const match = matchRoute(ctx.routes, req.method ?? 'GET', ctx.proxyPath, (route) => {
    if (route.reqAction) {
      return ctx.hasAction(route.reqAction);
    }
    if (isValidRole(route.reqRole)) {
      return roleIncludes(ctx.identity.orgRole, route.reqRole);
    }
    return true;
  });
  if (match === 'forbidden') {
    return sendJson(res, 403, { message: 'plugin proxy route access denied' });
  }
  if (!match) {
    return sendJson(res, 404, { message: 'plugin route match not found' });
  }
  const { route } = match;

  let target: URL;
  let routeHeaders: Array<[string, string]>;
  let body: string | undefined;
  try {
    const interpolated = interpolate(route.url ?? '', ctx.settings);
    routeHeaders = (route.headers ?? []).map((h) => [h.name.toLowerCase(), interpolate(h.content, ctx.settings)]);
    body = route.body === undefined ? undefined : interpolate(JSON.stringify(route.body), ctx.settings);
    try {
      target = new URL(interpolated);
    } catch {
      // Go parses "<no value>/api" as a bare path; the reverse proxy then fails to reach it: Bad Gateway.
      res.writeHead(502);
      res.end();
      return;
    }
  } catch (error) {
    if (error instanceof TemplateError) {
      return sendJson(res, 500, { message: 'Could not interpolate plugin route url' });
    }
    throw error;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    res.writeHead(502);
    res.end();
    return;
  }

  const headers = withoutHopByHop(req.headers);
  for (const name of ['cookie', 'authorization', 'x-grafana-id', 'x-grafana-context', 'x-grafana-user', 'host']) {
    delete headers[name];
  }
  headers['x-grafana-context'] = grafanaContextHeader(ctx.identity);
  headers['x-grafana-id'] = ctx.idToken;
  for (const [name, value] of routeHeaders) {
    headers[name] = value;
  }
  headers['x-grafana-referer'] = String(req.headers.referer ?? '');
  for (const name of ['origin', 'referer', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-proto']) {
    delete headers[name];
  }
  if (body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(body));
    delete headers['transfer-encoding'];
  }
  forwardUpstream(req, res, target, {
    method: req.method ?? 'GET',
    path: joinUrlFragments(target.pathname, match.proxyPath) + ctx.search,
    headers,
    body,
    // Server-sent events go out as they come; other answers as Go's reverse proxy buffers them.
    flush: (upstreamRes) => String(upstreamRes.headers['content-type'] ?? '').startsWith('text/event-stream'),
    failedStatus: (error) => (error.code === 'ETIMEDOUT' ? 504 : 502),
  });
}

/**
 * The upstream half of Grafana's reverse proxies (plugin routes and data sources): the client's address appended to
 * X-Forwarded-For, the request sent to `target` (its body, or the client's request streamed), and the answer piped
 * back without hop-by-hop headers or Set-Cookie and with `Content-Security-Policy: sandbox`. A failed connection is
 * answered with a bare `failedStatus(error)`; when the client goes away (e.g. an EventSource closed), the upstream
 * request stops too.
 */
export function forwardUpstream(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  options: {
    method: string;
    path: string;
    headers: Record<string, string | string[]>;
    body?: string;
    flush: (upstreamRes: IncomingMessage) => boolean;
    failedStatus: (error: NodeJS.ErrnoException) => number;
  }
): void {
  const headers: Record<string, string | string[]> = { ...options.headers, host: target.host };
  const clientAddress = req.socket.remoteAddress ?? '';
  const forwardedFor = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor ? `${String(forwardedFor)}, ${clientAddress}` : clientAddress;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send(
    {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: options.method,
      path: options.path,
      headers,
    },
    (upstreamRes) => {
      const responseHeaders = withoutHopByHop(upstreamRes.headers);
      delete responseHeaders['set-cookie'];
      responseHeaders['content-security-policy'] = 'sandbox';
      res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders);
      if (options.flush(upstreamRes)) {
        res.flushHeaders();
        res.socket?.setNoDelay(true);
      }
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    }
  );
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(options.failedStatus(error));
    res.end();
  });
  res.on('close', () => {
    if (!res.writableFinished) {
      upstream.destroy();
    }
  });
  if (options.body !== undefined) {
    req.resume();
    upstream.end(options.body);
  } else {
    req.pipe(upstream);
  }
}
