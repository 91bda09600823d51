/**
 * Browser-test harness: the real sidecar (embedded PGlite in a temp dir) behind the stand-in Grafana host, and
 * headless Debian Chromium driven by playwright-core. A flow reads like
 *
 *   const stack = await startStack();                 // host + sidecar, org secrets for orgs 1 and 2
 *   stack.configureOrg(1);                            // provision org 1's app settings (sidecar URL + secret)
 *   const session = await openSession(browser, stack);
 *   await session.signIn('alice', 1);
 *   await session.goto('/a/sre-copilot-app/audit');
 *   await session.screenshot('audit');
 *   session.expectNoConsoleErrors();
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Writable } from 'node:stream';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Page,
  type Request,
} from 'playwright-core';
import { expect } from 'vitest';
import type { Project, ProjectList } from '../../pkg/contract/index.ts';
import { loadConfig } from '../../pkg/config.ts';
import { createSidecar, type Sidecar } from '../../pkg/main.ts';
import { REPO_ROOT } from '../grafana-host/bundle.ts';
import { PLUGIN_ID, defaultFixture, type GrafanaFixture } from '../grafana-host/fixture.ts';
import { startGrafanaHost, type GrafanaHost, type GrafanaHostOptions } from '../grafana-host/server.ts';

export { PLUGIN_ID };
/** The sidecar's API as the plugin reaches it: through Grafana's plugin proxy. */
export const API = `/api/plugin-proxy/${PLUGIN_ID}/api/v1`;

export const SCREENSHOT_DIR = join(REPO_ROOT, 'artifacts', 'screenshots');

/** The secret each org's sidecar expects (ORG_SECRETS); the app settings must send the same one. */
export const ORG_SECRETS: Record<number, string> = {
  1: 'org-one-browser-secret-0123456789',
  2: 'org-two-browser-secret-0123456789',
};

/** A fixed key, so that the temp data dir needs no generated one. */
const ENCRYPTION_KEYS = `k1:${Buffer.alloc(32, 9).toString('base64')}`;

export interface Stack {
  host: GrafanaHost;
  sidecar: Sidecar;
  sidecarUrl: string;
  /** Every log line the sidecar wrote, for failure messages. */
  sidecarLogs: string[];
  /** Provisions an org's app settings: the sidecar URL and that org's secret (or the one given). */
  configureOrg(orgId: number, secret?: string): void;
  /**
   * Registers the org's service-account token with the sidecar (its org-level `grafana` integration, through the
   * plugin proxy as an org Admin), so the sidecar reads team names and team admins from the host's teams API.
   * Needs configureOrg first; once per org and stack.
   */
  connectTeamsApi(orgId: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the stand-in Grafana host and the real sidecar that trusts it (JWKS, teams API at the host's URL). */
export async function startStack(
  options: { host?: GrafanaHostOptions; sidecarEnv?: Record<string, string> } = {}
): Promise<Stack> {
  const host = await startGrafanaHost(options.host);
  const dataDir = mkdtempSync(join(tmpdir(), 'sre-copilot-browser-'));
  const sidecarLogs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      sidecarLogs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  let sidecar: Sidecar;
  try {
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      GRAFANA_URL: host.url,
      ORG_SECRETS: Object.entries(ORG_SECRETS)
        .map(([org, secret]) => `${org}=${secret}`)
        .join(','),
      ENCRYPTION_KEYS,
      LOG_LEVEL: 'warn',
      // The Prometheus poller and its job queue only where a test asks for them.
      POLLING_ENABLED: 'false',
      ...options.sidecarEnv,
    });
    sidecar = await createSidecar(config, { logStream });
  } catch (error) {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const sidecarUrl = await sidecar.app.listen({ host: '127.0.0.1', port: 0 });
  const teamsApiConnected = new Set<number>();
  return {
    host,
    sidecar,
    sidecarUrl,
    sidecarLogs,
    configureOrg(orgId, secret) {
      host.setPluginSettings(orgId, {
        enabled: true,
        jsonData: { sidecarUrl },
        secureJsonData: { sidecarSecret: secret ?? ORG_SECRETS[orgId] ?? '' },
      });
    },
    async connectTeamsApi(orgId) {
      if (teamsApiConnected.has(orgId)) {
        return;
      }
      const admin = host.fixture.users.find((u) => u.orgs.some((o) => o.orgId === orgId && o.role === 'Admin'));
      const token = host.fixture.serviceAccounts.find((sa) => sa.orgId === orgId)?.tokens[0];
      if (!admin || !token) {
        throw new Error(`the fixture has no Admin user or service-account token in org ${orgId}`);
      }
      const response = await fetch(`${host.url}${API}/integrations`, {
        method: 'POST',
        headers: { cookie: host.signIn(admin.login, orgId), 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'grafana', scope: 'org', name: 'grafana', secrets: { token } }),
      });
      if (!response.ok) {
        throw new Error(
          `registering org ${orgId}'s service account failed: ${response.status} ${await response.text()}`
        );
      }
      teamsApiConnected.add(orgId);
    },
    async close() {
      await sidecar.close();
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The system's Chromium (Debian package `chromium`): CHROMIUM_PATH, else the first on PATH. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) {
    return process.env.CHROMIUM_PATH;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      if (dir && existsSync(join(dir, name))) {
        return join(dir, name);
      }
    }
  }
  throw new Error('Chromium is not on PATH: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH');
}

/** Headless Chromium with a fresh temporary profile (playwright's default for launch). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    // A fresh profile per launch; these flags keep Chromium from calling home or needing a GPU or sandbox.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ConsoleEntry {
  type: string;
  text: string;
  url: string;
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught page errors and failed responses (status ≥ 400) seen so far. */
  errors: ConsoleEntry[];
  /** Signs in as a fixture user in an org (a session cookie, as Grafana's login sets). */
  signIn(login: string, orgId?: number): Promise<void>;
  /** Opens a path of the host and waits until the page has booted and no request is in flight. */
  goto(path: string): Promise<void>;
  /** Waits until no request (server-sent event streams aside) has been in flight for `quietMs`. */
  waitForQuiet(quietMs?: number, timeoutMs?: number): Promise<void>;
  /** fetch() from the page, with the session cookie, as the plugin's code would call. */
  fetchFromPage(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> }
  ): Promise<{
    status: number;
    body: unknown;
  }>;
  screenshot(name: string): Promise<string>;
  /** Throws with every collected error unless there were none (optionally ignoring some by pattern). */
  expectNoConsoleErrors(ignore?: RegExp[]): void;
  close(): Promise<void>;
}

export async function openSession(browser: Browser, stack: Pick<Stack, 'host'>): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: stack.host.url });
  const page = await context.newPage();
  const errors: ConsoleEntry[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') {
      errors.push({ type: 'console', text: message.text(), url: message.location().url });
    }
  });
  page.on('pageerror', (error) => errors.push({ type: 'pageerror', text: error.stack ?? error.message, url: '' }));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      errors.push({ type: `http ${response.status()}`, text: response.statusText(), url: response.url() });
    }
  });
  // Requests in flight, without long-lived streams (server-sent events never finish: "networkidle" would wait forever).
  const pending = new Set<Request>();
  page.on('request', (request) => {
    if (!['eventsource', 'websocket'].includes(request.resourceType())) {
      pending.add(request);
    }
  });
  page.on('requestfinished', (request) => pending.delete(request));
  page.on('requestfailed', (request) => pending.delete(request));

  async function waitForQuiet(quietMs = 300, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietSince = Date.now();
    while (Date.now() - quietSince < quietMs) {
      if (Date.now() > deadline) {
        throw new Error(`requests still pending after ${timeoutMs} ms: ${[...pending].map((r) => r.url()).join(', ')}`);
      }
      if (pending.size > 0) {
        quietSince = Date.now();
      }
      await page.waitForTimeout(50);
    }
  }

  return {
    context,
    page,
    errors,
    async signIn(login, orgId) {
      const query = new URLSearchParams({ user: login, redirectTo: '/' });
      if (orgId !== undefined) {
        query.set('org', String(orgId));
      }
      const response = await page.request.get(`/login?${query}`, { maxRedirects: 0 });
      if (response.status() !== 302) {
        throw new Error(`sign-in as ${login} failed: ${response.status()} ${await response.text()}`);
      }
    },
    async goto(path) {
      await page.goto(path);
      // The host renders its top bar once it has booted; the plugin's module, chunks and API calls follow.
      await page.getByTestId('stand-in-host-label').waitFor();
      await waitForQuiet();
    },
    waitForQuiet,
    async fetchFromPage(path, init = {}) {
      return page.evaluate(
        async ({ path, init }) => {
          const response = await fetch(path, {
            method: init.method ?? 'GET',
            headers: { 'Content-Type': 'application/json', ...init.headers },
            body: init.body === undefined ? undefined : JSON.stringify(init.body),
          });
          const text = await response.text();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          return { status: response.status, body };
        },
        { path, init }
      );
    },
    async screenshot(name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    expectNoConsoleErrors(ignore = []) {
      const relevant = errors.filter((e) => !ignore.some((pattern) => pattern.test(`${e.type} ${e.text} ${e.url}`)));
      if (relevant.length > 0) {
        throw new Error(
          `errors in the browser:\n${relevant.map((e) => `  [${e.type}] ${e.text} ${e.url}`.trimEnd()).join('\n')}`
        );
      }
    },
    async close() {
      await context.close();
    },
  };
}

/**
 * Runs a flow in a fresh session (its own cookies and cache); on failure, saves a screenshot `failed-<test>` and
 * adds the sidecar's last log lines to the error.
 */
export async function withSession(
  browser: Browser,
  stack: Stack,
  run: (session: Session) => Promise<void>
): Promise<void> {
  const session = await openSession(browser, stack);
  try {
    await run(session);
  } catch (error) {
    const name = (expect.getState().currentTestName ?? 'test').replace(/\W+/g, '-');
    await session.screenshot(`failed-${name}`).catch(() => undefined);
    const logs = stack.sidecarLogs.slice(-20).join('\n');
    throw new Error(`${(error as Error).message}${logs ? `\nsidecar log:\n${logs}` : ''}`, { cause: error });
  } finally {
    await session.close();
  }
}

/**
 * Org 1's two teams as projects: bob is in both, so his first listing registers both (audited as
 * project.registered). Checkout is team 2, Payments team 1.
 */
export async function registerOrgOneProjects(
  stack: Pick<Stack, 'host'>
): Promise<{ checkout: Project; payments: Project }> {
  const response = await fetch(`${stack.host.url}${API}/projects`, {
    headers: { cookie: stack.host.signIn('bob', 1) },
  });
  expect(response.status).toBe(200);
  const { items } = (await response.json()) as ProjectList;
  const checkout = items.find((p) => p.name === 'Checkout')!;
  const payments = items.find((p) => p.name === 'Payments')!;
  expect([checkout?.teamId, payments?.teamId]).toEqual([2, 1]);
  return { checkout, payments };
}

/**
 * The default fixture plus frank (id 7, org Editor) and grace (id 8, org Viewer), made members of the named teams
 * of org 1: an engineer and a viewer for flows that need both.
 */
export function fixtureWithEngineerAndViewer(teams: { frank: string[]; grace: string[] }): GrafanaFixture {
  const base = defaultFixture();
  base.users.push(
    {
      id: 7,
      uid: 'u-frank',
      login: 'frank',
      name: 'Frank Engineer',
      email: 'frank@example.com',
      orgs: [{ orgId: 1, role: 'Editor' }],
    },
    {
      id: 8,
      uid: 'u-grace',
      login: 'grace',
      name: 'Grace Viewer',
      email: 'grace@example.com',
      orgs: [{ orgId: 1, role: 'Viewer' }],
    }
  );
  for (const [userId, names] of [
    [7, teams.frank],
    [8, teams.grace],
  ] as const) {
    for (const name of names) {
      const team = base.teams.find((t) => t.orgId === 1 && t.name === name);
      if (!team) {
        throw new Error(`the default fixture has no team ${name} in org 1`);
      }
      team.members.push({ userId, permission: 0 });
    }
  }
  return base;
}
