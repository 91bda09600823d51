import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { BUNDLE_ENTRY, REPO_ROOT, hostBundleDir, isHostBundleBuilt } from './bundle.ts';
import {
  defaultFixture,
  type FixtureOrg,
  type FixturePluginSettings,
  type FixtureTeam,
  type GrafanaFixture,
} from './fixture.ts';
import {
  PROMETHEUS_LOGO_PATH,
  PROMETHEUS_LOGO_SVG,
  datasourceBootSettings,
  datasourceDetails,
  datasourceListItem,
  proxyDatasourceRequest,
} from './datasources.ts';
import { IdTokenSigner } from './id-tokens.ts';
import { serviceAccountIdentity, userIdentity, type SignedInIdentity } from './identity.ts';
import { indexHtml, GRAFANA_VERSION } from './index-html.ts';
import { hasAction, readPluginManifest, type PluginManifest } from './plugin-manifest.ts';
import { proxyPluginRequest } from './plugin-proxy.ts';

export interface GrafanaHostOptions {
  /** Orgs, users, teams, service accounts and provisioned app settings; `defaultFixture()` when omitted. */
  fixture?: GrafanaFixture;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The built plugin (default: the repository's dist/). */
  pluginDir?: string;
  /** Replaces `plugin.json` read from pluginDir (the host's own tests use their own routes). */
  manifest?: PluginManifest;
  /** The host's browser bundle (default: the build for the current sources, if there is one). */
  bundleDir?: string;
  theme?: 'dark' | 'light';
}

export interface StoredPluginSettings {
  enabled: boolean;
  pinned: boolean;
  jsonData: Record<string, unknown> | null;
  secureJsonData: Record<string, string>;
}

export interface GrafanaHost {
  /** Root URL without the trailing slash, e.g. http://127.0.0.1:41234. */
  url: string;
  /** `iss` of the host's ID tokens: the root URL with its trailing slash, as Grafana's root_url. */
  issuer: string;
  fixture: GrafanaFixture;
  manifest: PluginManifest;
  signer: IdTokenSigner;
  /** Sets an org's app settings as provisioning would (secure values merge, as Grafana's settings update does). */
  setPluginSettings(orgId: number, settings: Partial<StoredPluginSettings>): void;
  /** The stored settings of an org, secrets included (for assertions; the HTTP API never returns secrets). */
  getPluginSettings(orgId: number): StoredPluginSettings | undefined;
  /** Signs a user in as `GET /login` does and returns the Cookie header value for that session. */
  signIn(login: string, orgId?: number): string;
  close(): Promise<void>;
}

export const SESSION_COOKIE = 'grafana_session';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

const NODE_MODULES = join(REPO_ROOT, 'node_modules');
const ICONS_DIR = join(NODE_MODULES, '@grafana', 'ui', 'dist', 'public', 'img', 'icons');
/**
 * The font files Grafana's GlobalStyles asks for (under /public/fonts/), from @fontsource packages: Grafana ships
 * its own copies, which are not on npm.
 */
const FONT_FILES: Record<string, string> = {
  'inter/Inter-Regular.woff2': '@fontsource/inter/files/inter-latin-400-normal.woff2',
  'inter/Inter-Medium.woff2': '@fontsource/inter/files/inter-latin-500-normal.woff2',
  'inter/Inter-Italic.woff2': '@fontsource/inter/files/inter-latin-400-italic.woff2',
  'inter/Inter-MediumItalic.woff2': '@fontsource/inter/files/inter-latin-500-italic.woff2',
  'roboto/L0xTDF4xlVMF-BfR8bXMIhJHg45mwgGEFl0_3vrtSM1J-gEPT5Ese6hmHSh0mQ.woff2':
    '@fontsource/roboto-mono/files/roboto-mono-latin-400-normal.woff2',
};

/** Icons Grafana's build adds to those @grafana/ui ships: drawn here (a plain arc for the loading spinner). */
const EXTRA_ICONS: Record<string, string> = {
  'unicons/spinner.svg':
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 2a10 10 0 1 0 10 10 1 1 0 0 0-2 0 8 8 0 1 1-8-8 1 1 0 0 0 0-2Z"/></svg>',
};

class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    super(typeof body === 'object' && body && 'message' in body ? String(body.message) : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Resolves `relativePath` inside `root`, refusing anything that escapes it. */
function safeJoin(root: string, relativePath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relativePath);
  } catch {
    return null;
  }
  const full = normalize(join(root, decoded));
  return full === root || full.startsWith(root.endsWith(sep) ? root : root + sep) ? full : null;
}

function sendFile(res: ServerResponse, path: string | null, cacheControl: string): boolean {
  if (!path || !existsSync(path) || !statSync(path).isFile()) {
    return false;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    'content-length': statSync(path).size,
    'cache-control': cacheControl,
  });
  createReadStream(path).pipe(res);
  return true;
}

async function readJsonBody(req: IncomingMessage, limit = 1_048_576): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new HttpError(413, { message: 'request body too large' });
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, { message: 'bad request data' });
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
  }
  return out;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Starts the stand-in Grafana host: Grafana's HTTP contracts that the plugin and the sidecar use, and the pages
 * that load the built plugin the way Grafana does. Test infrastructure only.
 */
export async function startGrafanaHost(options: GrafanaHostOptions = {}): Promise<GrafanaHost> {
  const fixture = options.fixture ?? defaultFixture();
  const pluginDir = options.pluginDir ?? join(REPO_ROOT, 'dist');
  const manifest = options.manifest ?? readPluginManifest(pluginDir);
  const bundleDir = options.bundleDir ?? hostBundleDir();
  const theme = options.theme ?? 'dark';
  const signer = await IdTokenSigner.create();
  const sessions = new Map<string, { userId: number; orgId: number }>();
  const settings = new Map<number, StoredPluginSettings>();
  let url = '';

  for (const provisioned of fixture.pluginSettings.filter((s) => s.pluginId === manifest.id)) {
    settings.set(provisioned.orgId, fromFixture(provisioned));
  }

  const orgById = (id: number): FixtureOrg | undefined => fixture.orgs.find((o) => o.id === id);
  const teamsOf = (orgId: number): FixtureTeam[] => fixture.teams.filter((t) => t.orgId === orgId);
  const datasources = () => fixture.datasources ?? [];
  /** A data source of the caller's org; another org's is "not found", as in Grafana. */
  const datasourceOf = (identity: SignedInIdentity, uid: string) =>
    datasources().find((ds) => ds.uid === uid && ds.orgId === identity.orgId);

  function createSession(login: string, orgId?: number): string {
    const user = fixture.users.find((u) => u.login === login);
    if (!user) {
      throw new HttpError(401, { message: `no user "${login}" in the fixture` });
    }
    const org = orgId ?? user.orgs[0]?.orgId;
    if (org === undefined || !user.orgs.some((o) => o.orgId === org)) {
      throw new HttpError(403, { message: `user "${login}" is not a member of org ${orgId}` });
    }
    const token = randomBytes(24).toString('hex');
    sessions.set(token, { userId: user.id, orgId: org });
    return token;
  }

  /** The caller: a service-account token (Authorization: Bearer) or the session cookie, in the requested org. */
  function authenticate(req: IncomingMessage, requestedOrg: number | null): SignedInIdentity | null {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) {
      const sa = fixture.serviceAccounts.find((a) => a.tokens.includes(bearer));
      const org = sa && orgById(sa.orgId);
      if (!sa || !org) {
        throw new HttpError(401, { message: 'Invalid API key' });
      }
      if (requestedOrg !== null && requestedOrg !== sa.orgId) {
        throw new HttpError(401, { message: 'API key does not belong to the requested organization' });
      }
      return serviceAccountIdentity(sa, org);
    }
    const session = sessions.get(parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? '');
    const user = session && fixture.users.find((u) => u.id === session.userId);
    if (!session || !user) {
      return null;
    }
    const org = orgById(requestedOrg ?? session.orgId);
    const identity = org && userIdentity(user, org, fixture.teams);
    if (!identity) {
      throw new HttpError(403, { message: `You are not a member of organization ${requestedOrg}` });
    }
    return identity;
  }

  function requestedOrgId(req: IncomingMessage, search: URLSearchParams): number | null {
    const raw = req.headers['x-grafana-org-id'] ?? search.get('orgId');
    if (raw === undefined || raw === null || raw === '') {
      return null;
    }
    const id = Number(raw);
    if (!Number.isSafeInteger(id) || id < 1) {
      throw new HttpError(400, { message: 'invalid organization id' });
    }
    return id;
  }

  function pluginSettingsDto(identity: SignedInIdentity) {
    const stored = settings.get(identity.orgId);
    const asset = (path: string | undefined) => (path ? `public/plugins/${manifest.id}/${path}` : undefined);
    return {
      name: manifest.name,
      type: manifest.type,
      id: manifest.id,
      enabled: stored?.enabled ?? false,
      pinned: stored?.pinned ?? false,
      autoEnabled: Boolean(manifest.autoEnabled),
      module: `public/plugins/${manifest.id}/module.js`,
      baseUrl: `public/plugins/${manifest.id}`,
      info: {
        ...manifest.info,
        logos: { small: asset(manifest.info.logos?.small), large: asset(manifest.info.logos?.large) },
      },
      includes: manifest.includes ?? [],
      dependencies: manifest.dependencies ?? {},
      jsonData: stored?.jsonData ?? {},
      secureJsonFields: Object.fromEntries(
        Object.entries(stored?.secureJsonData ?? {})
          .filter(([, value]) => value.length > 0)
          .map(([key]) => [key, true])
      ),
      defaultNavUrl: (manifest.includes ?? []).find((i) => i.defaultNav && i.path)?.path ?? `/a/${manifest.id}`,
      latestVersion: '',
      hasUpdate: false,
      state: '',
      signature: 'unsigned',
      signatureType: '',
      signatureOrg: '',
      angularDetected: false,
      loadingStrategy: 'script',
    };
  }

  function requirePlugin(pluginId: string): void {
    if (pluginId !== manifest.id) {
      throw new HttpError(404, { message: 'Plugin not found, no installed plugin with that id' });
    }
  }

  function teamDto(team: FixtureTeam) {
    return {
      id: team.id,
      uid: team.uid,
      orgId: team.orgId,
      name: team.name,
      email: team.email ?? '',
      avatarUrl: `/avatar/${team.uid}`,
      memberCount: team.members.length,
      permission: 0,
    };
  }

  /** Simplified RBAC for teams: org Admins (users or service accounts) see all teams, others their own. */
  function visibleTeam(identity: SignedInIdentity, team: FixtureTeam): boolean {
    return (
      team.orgId === identity.orgId &&
      (identity.orgRole === 'Admin' || (identity.kind === 'user' && team.members.some((m) => m.userId === identity.id)))
    );
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, search: URLSearchParams) {
    const method = req.method ?? 'GET';
    if (path === '/api/health') {
      return sendJson(res, 200, { database: 'ok', version: GRAFANA_VERSION, commit: 'stand-in' });
    }
    if (path === '/api/signing-keys/keys') {
      return sendJson(res, 200, signer.jwks());
    }
    const identity = authenticate(req, requestedOrgId(req, search));
    if (!identity) {
      return sendJson(res, 401, { message: 'Unauthorized' });
    }

    const proxy = /^\/api\/plugin-proxy\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (proxy) {
      requirePlugin(proxy[1]!);
      const stored = settings.get(identity.orgId);
      if (!stored) {
        return sendJson(res, 500, { message: 'Failed to fetch plugin settings' });
      }
      // The raw query string, as Go's reverse proxy keeps it (no re-encoding).
      const rawUrl = req.url ?? '';
      return proxyPluginRequest(req, res, {
        routes: manifest.routes ?? [],
        proxyPath: proxy[2] ?? '',
        search: rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?')) : '',
        identity,
        settings: { JsonData: stored.jsonData ?? {}, SecureJsonData: stored.secureJsonData },
        hasAction: (action) => hasAction(manifest, identity, action),
        idToken: await signer.sign(identity, `${url}/`),
      });
    }

    // The datasource proxy: `datasources:query`, which every basic role has.
    const dsProxy = /^\/api\/datasources\/proxy\/uid\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (dsProxy) {
      const ds = datasourceOf(identity, decodeURIComponent(dsProxy[1]!));
      if (!ds) {
        req.resume();
        return sendJson(res, 404, { message: 'Unable to find datasource' });
      }
      const rawUrl = req.url ?? '';
      return proxyDatasourceRequest(
        req,
        res,
        ds,
        dsProxy[2] ?? '',
        rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?')) : ''
      );
    }
    // Reading data source settings needs `datasources:read`: org Admins (users or service accounts) only.
    const dsByUid = /^\/api\/datasources\/uid\/([^/]+)$/.exec(path);
    if (method === 'GET' && (path === '/api/datasources' || dsByUid)) {
      if (identity.orgRole !== 'Admin') {
        return sendJson(res, 403, {
          accessErrorId: 'ACE0000000002',
          message: "You'll need additional permissions to perform this action. Permissions needed: datasources:read",
          title: 'Access denied',
        });
      }
      if (!dsByUid) {
        return sendJson(
          res,
          200,
          datasources()
            .filter((ds) => ds.orgId === identity.orgId)
            .map((ds) => datasourceListItem(datasources(), ds))
        );
      }
      const ds = datasourceOf(identity, decodeURIComponent(dsByUid[1]!));
      return ds
        ? sendJson(res, 200, datasourceDetails(datasources(), ds))
        : sendJson(res, 404, { message: 'Data source not found' });
    }

    const pluginSettings = /^\/api\/plugins\/([^/]+)\/settings$/.exec(path);
    if (pluginSettings) {
      requirePlugin(pluginSettings[1]!);
      if (method === 'GET') {
        return sendJson(res, 200, pluginSettingsDto(identity));
      }
      if (method === 'POST') {
        if (!hasAction(manifest, identity, 'plugins:write')) {
          return sendJson(res, 403, {
            accessErrorId: 'ACE0000000001',
            message: "You'll need additional permissions to perform this action. Permissions needed: plugins:write",
            title: 'Access denied',
          });
        }
        const body = await readJsonBody(req);
        if (!body || typeof body !== 'object' || Array.isArray(body)) {
          throw new HttpError(400, { message: 'bad request data' });
        }
        const cmd = body as Record<string, unknown>;
        const secure = cmd.secureJsonData;
        if (secure !== undefined && secure !== null && (typeof secure !== 'object' || Array.isArray(secure))) {
          throw new HttpError(400, { message: 'bad request data' });
        }
        const previous = settings.get(identity.orgId);
        settings.set(identity.orgId, {
          enabled: Boolean(cmd.enabled),
          pinned: Boolean(cmd.pinned),
          // jsonData is replaced; secure values are merged key by key (Grafana keeps the ones not sent).
          jsonData: (cmd.jsonData as Record<string, unknown> | null | undefined) ?? null,
          secureJsonData: {
            ...(previous?.secureJsonData ?? {}),
            ...Object.fromEntries(
              Object.entries((secure as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)])
            ),
          },
        });
        return sendJson(res, 200, { message: 'Plugin settings updated' });
      }
    }

    const markdown = /^\/api\/plugins\/([^/]+)\/markdown\/([^/]+)$/.exec(path);
    if (markdown && method === 'GET') {
      requirePlugin(markdown[1]!);
      const file = join(pluginDir, `${markdown[2]!.toUpperCase() === 'README' ? 'README' : markdown[2]}.md`);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(existsSync(file) ? readFileSync(file, 'utf8') : '');
      return;
    }

    if (method === 'GET' && path === '/api/user' && identity.kind === 'user') {
      const user = fixture.users.find((u) => u.id === identity.id)!;
      return sendJson(res, 200, {
        id: user.id,
        uid: user.uid,
        email: user.email,
        name: user.name,
        login: user.login,
        theme: theme,
        orgId: identity.orgId,
        isGrafanaAdmin: Boolean(user.isGrafanaAdmin),
        isDisabled: false,
        isExternal: false,
        authLabels: [],
        avatarUrl: `/avatar/${user.uid}`,
      });
    }
    if (method === 'GET' && path === '/api/user/teams' && identity.kind === 'user') {
      return sendJson(
        res,
        200,
        teamsOf(identity.orgId)
          .filter((t) => t.members.some((m) => m.userId === identity.id))
          .map(teamDto)
      );
    }
    if (method === 'GET' && path === '/api/user/orgs' && identity.kind === 'user') {
      const user = fixture.users.find((u) => u.id === identity.id)!;
      return sendJson(
        res,
        200,
        user.orgs.map((o) => ({ orgId: o.orgId, name: orgById(o.orgId)?.name ?? '', role: o.role }))
      );
    }
    const using = /^\/api\/user\/using\/(\d+)$/.exec(path);
    if (using && method === 'POST' && identity.kind === 'user') {
      const orgId = Number(using[1]);
      const token = parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? '';
      const user = fixture.users.find((u) => u.id === identity.id)!;
      if (!user.orgs.some((o) => o.orgId === orgId)) {
        return sendJson(res, 401, { message: 'Not a valid organization' });
      }
      sessions.set(token, { userId: user.id, orgId });
      return sendJson(res, 200, { message: 'Active organization changed' });
    }
    if (method === 'GET' && path === '/api/org') {
      return sendJson(res, 200, { id: identity.orgId, name: identity.orgName });
    }

    if (method === 'GET' && path === '/api/teams/search') {
      const perPage = Math.max(1, Number(search.get('perpage') ?? 1000) || 1000);
      const page = Math.max(1, Number(search.get('page') ?? 1) || 1);
      const name = search.get('name');
      const query = (search.get('query') ?? '').toLowerCase();
      const ids = search.getAll('teamId').map(Number);
      const teams = teamsOf(identity.orgId)
        .filter((t) => visibleTeam(identity, t))
        .filter((t) => (name ? t.name === name : t.name.toLowerCase().includes(query)))
        .filter((t) => ids.length === 0 || ids.includes(t.id));
      return sendJson(res, 200, {
        totalCount: teams.length,
        teams: teams.slice((page - 1) * perPage, page * perPage).map(teamDto),
        page,
        perPage,
      });
    }
    const team = /^\/api\/teams\/(\d+)(\/members)?$/.exec(path);
    if (team && method === 'GET') {
      const found = fixture.teams.find((t) => t.id === Number(team[1]));
      if (!found || !visibleTeam(identity, found)) {
        return sendJson(res, 404, { message: 'Team not found' });
      }
      if (!team[2]) {
        return sendJson(res, 200, teamDto(found));
      }
      const isTeamAdmin = found.members.some((m) => m.userId === identity.id && m.permission === 4);
      if (identity.orgRole !== 'Admin' && !(identity.kind === 'user' && isTeamAdmin)) {
        return sendJson(res, 403, { message: 'You are not allowed to read the members of this team' });
      }
      return sendJson(
        res,
        200,
        found.members.map((m) => {
          const member = fixture.users.find((u) => u.id === m.userId);
          return {
            orgId: found.orgId,
            teamId: found.id,
            teamUID: found.uid,
            userId: m.userId,
            userUID: member?.uid ?? '',
            auth_module: '',
            email: member?.email ?? '',
            name: member?.name ?? '',
            login: member?.login ?? '',
            avatarUrl: `/avatar/${member?.uid ?? ''}`,
            labels: [],
            permission: m.permission,
          };
        })
      );
    }
    return sendJson(res, 404, { message: 'Not found' });
  }

  function serveStatic(res: ServerResponse, path: string): boolean {
    const pluginPrefix = `/public/plugins/${manifest.id}/`;
    if (path.startsWith(pluginPrefix)) {
      return sendFile(res, safeJoin(pluginDir, path.slice(pluginPrefix.length)), 'no-cache');
    }
    if (path.startsWith('/public/build/img/icons/')) {
      const icon = path.slice('/public/build/img/icons/'.length);
      if (EXTRA_ICONS[icon]) {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
        res.end(EXTRA_ICONS[icon]);
        return true;
      }
      return sendFile(res, safeJoin(ICONS_DIR, icon), 'max-age=3600');
    }
    if (path === `/${PROMETHEUS_LOGO_PATH}`) {
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
      res.end(PROMETHEUS_LOGO_SVG);
      return true;
    }
    if (path === '/public/build/uplot.min.css') {
      return sendFile(res, join(NODE_MODULES, 'uplot', 'dist', 'uPlot.min.css'), 'max-age=3600');
    }
    if (path.startsWith('/public/build/')) {
      return sendFile(res, safeJoin(bundleDir, path.slice('/public/build/'.length)), 'max-age=3600');
    }
    if (path.startsWith('/public/fonts/')) {
      const file = FONT_FILES[path.slice('/public/fonts/'.length)];
      return sendFile(res, file ? join(NODE_MODULES, file) : null, 'max-age=3600');
    }
    return false;
  }

  function loginPage(res: ServerResponse): void {
    const links = fixture.users
      .flatMap((user) =>
        user.orgs.map(
          (o) =>
            `<li><a href="/login?user=${encodeURIComponent(user.login)}&amp;org=${o.orgId}">${escapeHtml(user.login)}</a>` +
            ` — ${escapeHtml(o.role)} in ${escapeHtml(orgById(o.orgId)?.name ?? String(o.orgId))}</li>`
        )
      )
      .join('\n');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign in (stand-in Grafana host)</title></head>` +
        `<body style="font-family:sans-serif;background:#111217;color:#ccccdc;padding:32px">` +
        `<h1>Stand-in Grafana host for tests</h1><p>Sign in as:</p><ul>${links}</ul></body></html>`
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', 'http://host');
    const path = requestUrl.pathname;
    if (path.startsWith('/api/')) {
      return handleApi(req, res, path, requestUrl.searchParams);
    }
    if (path.startsWith('/public/')) {
      if (!serveStatic(res, path)) {
        sendJson(res, 404, { message: 'Not found' });
      }
      return;
    }
    if (path.startsWith('/avatar/')) {
      // Grafana serves generated avatars here; a plain disc stands in.
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
      res.end(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="8" fill="#6e9fff"/></svg>'
      );
      return;
    }
    if (path === '/login') {
      const login = requestUrl.searchParams.get('user');
      if (!login) {
        return loginPage(res);
      }
      const org = requestUrl.searchParams.get('org');
      const token = createSession(login, org ? Number(org) : undefined);
      const redirectTo = requestUrl.searchParams.get('redirectTo') ?? '/';
      res.writeHead(302, {
        'set-cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax`,
        // Only paths of this host: an open redirect would be a bad habit even here.
        location: redirectTo.startsWith('/') && !redirectTo.startsWith('//') ? redirectTo : '/',
      });
      res.end();
      return;
    }
    if (path === '/logout') {
      sessions.delete(parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? '');
      res.writeHead(302, { 'set-cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0`, location: '/login' });
      res.end();
      return;
    }
    // Every other path is a page of the single-page app: index.html with the boot data of the signed-in user.
    const token = parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? '';
    const session = sessions.get(token);
    if (!session) {
      res.writeHead(302, { location: `/login?redirectTo=${encodeURIComponent(path + requestUrl.search)}` });
      res.end();
      return;
    }
    // `?orgId=` switches the current org, as in Grafana, when the user belongs to it.
    const orgParam = requestUrl.searchParams.get('orgId');
    if (orgParam && Number(orgParam) !== session.orgId) {
      const user = fixture.users.find((u) => u.id === session.userId);
      if (!user?.orgs.some((o) => o.orgId === Number(orgParam))) {
        throw new HttpError(403, { message: `You are not a member of organization ${orgParam}` });
      }
      sessions.set(token, { ...session, orgId: Number(orgParam) });
    }
    const identity = authenticate(req, null)!;
    const html = indexHtml({
      url,
      identity,
      userOrgCount: fixture.users.find((u) => u.id === identity.id)?.orgs.length ?? 1,
      manifest,
      pluginEnabled: settings.get(identity.orgId)?.enabled ?? false,
      theme,
      bundleFile: isHostBundleBuilt(bundleDir) ? BUNDLE_ENTRY : null,
      datasources: datasourceBootSettings(datasources(), identity.orgId),
    });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendJson(res, error.status, error.body);
        return;
      }
      sendJson(res, 500, { message: 'Internal Server Error', error: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    issuer: `${url}/`,
    fixture,
    manifest,
    signer,
    setPluginSettings(orgId, update) {
      const previous = settings.get(orgId) ?? { enabled: false, pinned: false, jsonData: {}, secureJsonData: {} };
      settings.set(orgId, {
        enabled: update.enabled ?? previous.enabled,
        pinned: update.pinned ?? previous.pinned,
        jsonData: update.jsonData !== undefined ? update.jsonData : previous.jsonData,
        secureJsonData: { ...previous.secureJsonData, ...(update.secureJsonData ?? {}) },
      });
    },
    getPluginSettings(orgId) {
      const stored = settings.get(orgId);
      return stored && structuredClone(stored);
    },
    signIn(login, orgId) {
      return `${SESSION_COOKIE}=${createSession(login, orgId)}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function fromFixture(provisioned: FixturePluginSettings): StoredPluginSettings {
  return {
    enabled: provisioned.enabled,
    pinned: Boolean(provisioned.pinned),
    jsonData: provisioned.jsonData ?? {},
    secureJsonData: { ...(provisioned.secureJsonData ?? {}) },
  };
}
