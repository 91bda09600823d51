import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FixtureDatasource } from './fixture.ts';
import { GRAFANA_VERSION } from './index-html.ts';
import { forwardUpstream, joinUrlFragments, withoutHopByHop } from './plugin-proxy.ts';

/** Where Grafana serves the Prometheus logo; the host draws its own (Grafana's image is not on npm). */
export const PROMETHEUS_LOGO_PATH = 'public/app/plugins/datasource/prometheus/img/prometheus_logo.svg';

export const PROMETHEUS_LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="11" fill="#e6522c"/>' +
  '<path d="M7 15h10v1.6H7zm1.2 2.4h7.6V19H8.2zM12 4.5c.6 2.2 3.4 3.6 3.4 6.6 0 1.4-.7 2.6-1.7 3.3h-3.4' +
  'c-1-.7-1.7-1.9-1.7-3.3 0-1.6 1-2.5 1.7-3.3.1 1 .5 1.7 1 2 0-2.3.2-3.7.7-5.3z" fill="#fff"/></svg>';

/**
 * Prometheus paths on which Grafana's datasource proxy lets a POST through: the routes of its Prometheus plugin
 * (every other POST, and every PUT or DELETE, is refused with 403).
 */
export const PROMETHEUS_POST_PATHS = [
  'api/v1/query',
  'api/v1/query_range',
  'api/v1/series',
  'api/v1/labels',
  'api/v1/query_exemplars',
];

const PROMETHEUS_META = {
  id: 'prometheus',
  type: 'datasource',
  name: 'Prometheus',
  module: 'core:plugin/prometheus',
  baseUrl: 'public/app/plugins/datasource/prometheus',
  info: {
    author: { name: 'Grafana Labs', url: 'https://grafana.com' },
    description: 'Open source time series database & alerting',
    links: [],
    logos: { small: PROMETHEUS_LOGO_PATH, large: PROMETHEUS_LOGO_PATH },
    screenshots: [],
    updated: '',
    version: GRAFANA_VERSION,
  },
  metrics: true,
  alerting: true,
  annotations: true,
  backend: true,
  builtIn: false,
  signature: 'internal',
};

/** Grafana's numeric id: the data source's position in the fixture (ids are not reused across orgs). */
const numericId = (all: FixtureDatasource[], ds: FixtureDatasource) => all.indexOf(ds) + 1;

/** `GET /api/datasources`: one entry of the list. */
export function datasourceListItem(all: FixtureDatasource[], ds: FixtureDatasource) {
  return {
    id: numericId(all, ds),
    uid: ds.uid,
    orgId: ds.orgId,
    name: ds.name,
    type: ds.type,
    typeName: 'Prometheus',
    typeLogoUrl: PROMETHEUS_LOGO_PATH,
    access: 'proxy',
    url: ds.url,
    user: '',
    database: '',
    basicAuth: false,
    isDefault: Boolean(ds.isDefault),
    jsonData: { httpMethod: 'POST' },
    readOnly: true,
  };
}

/** `GET /api/datasources/uid/:uid`: the data source (secrets only as `secureJsonFields`). */
export function datasourceDetails(all: FixtureDatasource[], ds: FixtureDatasource) {
  const { typeName: _typeName, ...item } = datasourceListItem(all, ds);
  return { ...item, basicAuthUser: '', withCredentials: false, secureJsonFields: {}, version: 1 };
}

/**
 * What Grafana puts in `grafanaBootData.settings.datasources` (keyed by name) for the data sources the user may
 * query: `DataSourcePicker` and `getDataSourceSrv()` read these.
 */
export function datasourceBootSettings(all: FixtureDatasource[], orgId: number) {
  return Object.fromEntries(
    all
      .filter((ds) => ds.orgId === orgId)
      .map((ds) => [
        ds.name,
        {
          id: numericId(all, ds),
          uid: ds.uid,
          type: ds.type,
          name: ds.name,
          meta: PROMETHEUS_META,
          url: `/api/datasources/proxy/uid/${ds.uid}`,
          isDefault: Boolean(ds.isDefault),
          access: 'proxy',
          jsonData: { httpMethod: 'POST' },
          readOnly: true,
        },
      ])
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

/**
 * Why Grafana's datasource proxy refuses a request to a Prometheus data source, or null when it forwards it:
 * any GET (and HEAD); POST only on the query paths of the Prometheus plugin's routes.
 */
export function refusedPrometheusRequest(method: string, proxyPath: string): string | null {
  if (method === 'GET' || method === 'HEAD') {
    return null;
  }
  if (method === 'POST' && PROMETHEUS_POST_PATHS.includes(proxyPath)) {
    return null;
  }
  return `non allow-listed ${method}s not allowed on proxied Prometheus datasource`;
}

/**
 * Forwards one request through Grafana's datasource proxy (`/api/datasources/proxy/uid/<uid>/<proxyPath>`), as
 * pkg/api/pluginproxy/ds_proxy.go does for a Prometheus data source without auth of its own: the path is
 * appended to the data source URL, the query string kept; Cookie and Authorization are dropped (they are the
 * caller's Grafana credentials), as are Origin, Referer and X-Forwarded-Host/Port/Proto; X-Forwarded-For gets the
 * client. Redirects are not followed: the answer, whatever it is, streams back as it arrives, without Set-Cookie.
 */
export function proxyDatasourceRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ds: FixtureDatasource,
  proxyPath: string,
  search: string
): void {
  const method = req.method ?? 'GET';
  const refused = refusedPrometheusRequest(method, proxyPath);
  if (refused) {
    req.resume();
    return sendJson(res, 403, { message: refused });
  }
  let target: URL;
  try {
    target = new URL(ds.url);
  } catch {
    return sendJson(res, 502, { message: 'Invalid data source URL' });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return sendJson(res, 502, { message: 'Invalid data source URL' });
  }

  const headers = withoutHopByHop(req.headers);
  for (const name of [
    'cookie',
    'authorization',
    'host',
    'origin',
    'referer',
    'x-grafana-id',
    'x-grafana-org-id',
    'x-forwarded-host',
    'x-forwarded-port',
    'x-forwarded-proto',
  ]) {
    delete headers[name];
  }
  headers['user-agent'] = `Grafana/${GRAFANA_VERSION}`;
  forwardUpstream(req, res, target, {
    method,
    path: joinUrlFragments(target.pathname, proxyPath) + search,
    headers,
    flush: () => true,
    // Grafana's data source proxy answers a refused or failed upstream connection with a bare 502.
    failedStatus: () => 502,
  });
}
