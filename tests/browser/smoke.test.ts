import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testIds } from '../../src/components/testIds.ts';
import {
  API,
  launchBrowser,
  ORG_SECRETS,
  PLUGIN_ID,
  startStack,
  withSession,
  type Session,
  type Stack,
} from './harness.ts';

const PROJECTS = `${API}/projects`;

describe('the app in the stand-in Grafana host, with the real sidecar', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const flow = (run: (session: Session) => Promise<void>) => withSession(browser, stack, run);

  test('an org Admin opens the app home page without console errors', async () => {
    stack.configureOrg(1);
    await stack.connectTeamsApi(1);
    await flow(async (session) => {
      await session.signIn('alice', 1);
      await session.goto(`/a/${PLUGIN_ID}/home`);
      const { page } = session;
      await expect.poll(() => page.getByRole('heading', { level: 1, name: 'SRE Copilot' }).isVisible()).toBe(true);
      await page.getByTestId(testIds.home.container).waitFor();
      // The page asked the sidecar for projects through the proxy; the team name comes from the host's teams API.
      await expect.poll(() => page.getByTestId(testIds.home.container).innerText()).toContain('Checkout');
      await session.screenshot('app-home');
      session.expectNoConsoleErrors();
    });
  });

  test('an org Admin saves the sidecar URL and secret on the config page; they persist after a reload', async () => {
    // Org 2 starts unconfigured; dave is its Admin.
    expect(stack.host.getPluginSettings(2)?.jsonData).toEqual({});
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('dave', 2);
      await session.goto(`/plugins/${PLUGIN_ID}`);
      const url = page.getByTestId(testIds.appConfig.sidecarUrl);
      const secret = page.getByTestId(testIds.appConfig.sidecarSecret);
      await url.waitFor();
      await session.screenshot('plugin-config');

      await url.fill(stack.sidecarUrl);
      await secret.fill(ORG_SECRETS[2]!);
      const saved = page.waitForResponse(
        (r) => r.url().endsWith(`/api/plugins/${PLUGIN_ID}/settings`) && r.request().method() === 'POST'
      );
      await page.getByTestId(testIds.appConfig.submit).click();
      expect((await saved).status()).toBe(200);

      // Stored for org 2 only, the secret among the secure fields.
      expect(stack.host.getPluginSettings(2)).toMatchObject({
        jsonData: { sidecarUrl: stack.sidecarUrl },
        secureJsonData: { sidecarSecret: ORG_SECRETS[2] },
      });
      expect(stack.host.getPluginSettings(1)?.secureJsonData.sidecarSecret).toBe(ORG_SECRETS[1]);

      await page.reload();
      await url.waitFor();
      await expect.poll(() => url.inputValue()).toBe(stack.sidecarUrl);
      // A stored secret is shown as configured, never as its value.
      await expect.poll(() => secret.inputValue()).not.toBe(ORG_SECRETS[2]);
      await expect.poll(() => page.getByRole('button', { name: /reset/i }).isVisible()).toBe(true);
      const settings = await session.fetchFromPage(`/api/plugins/${PLUGIN_ID}/settings`);
      expect(settings.status).toBe(200);
      expect(settings.body).toMatchObject({
        jsonData: { sidecarUrl: stack.sidecarUrl },
        secureJsonFields: { sidecarSecret: true },
      });
      expect(JSON.stringify(settings.body)).not.toContain(ORG_SECRETS[2]);
      await session.screenshot('plugin-config-saved');

      // The config page's connection test goes through the proxy with the saved settings.
      await page.getByTestId(testIds.appConfig.testConnection).click();
      await page.getByTestId(testIds.appConfig.testConnectionSuccess).waitFor();

      // The saved settings are what the proxy uses from now on.
      const projects = await session.fetchFromPage(PROJECTS);
      expect(projects.status).toBe(200);
      session.expectNoConsoleErrors();
    });
  });

  test("every page in the app's navigation renders for an org Admin without console errors", async () => {
    stack.configureOrg(1);
    await stack.connectTeamsApi(1);
    const pages = (stack.host.manifest.includes ?? []).filter((inc) => inc.type === 'page' && inc.addToNav && inc.path);
    expect(pages.length).toBeGreaterThan(0);
    await flow(async (session) => {
      await session.signIn('alice', 1);
      for (const include of pages) {
        await session.goto(include.path!);
        // Each page has a title (h1) and reached the sidecar without an error the console would show.
        await session.page.getByRole('heading', { level: 1 }).first().waitFor();
        await session.screenshot(`app-${include.path!.split('/').pop()}`);
      }
      session.expectNoConsoleErrors();
    });
  });

  test('a proxied call from the page succeeds for a configured org and is refused (401) with a wrong secret', async () => {
    stack.configureOrg(1);
    await flow(async (session) => {
      await session.signIn('bob', 1);
      await session.goto('/');
      const ok = await session.fetchFromPage(PROJECTS);
      expect(ok.status).toBe(200);
      // bob is in Payments and Checkout (org 1); the sidecar lists the projects of his teams.
      expect((ok.body as { items: Array<{ teamId: number }> }).items.map((p) => p.teamId).sort()).toEqual([1, 2]);

      // Org 1's settings now carry org 2's secret: the sidecar refuses it for a token of org 1.
      stack.configureOrg(1, ORG_SECRETS[2]);
      try {
        const refused = await session.fetchFromPage(PROJECTS);
        expect(refused.status).toBe(401);
        expect(refused.body).toMatchObject({ error: { code: expect.any(String) } });
        // The app gets the refusal as a FetchError from the host's BackendSrv and shows it.
        await session.goto(`/a/${PLUGIN_ID}/home`);
        await session.page.getByTestId(testIds.projectState.error).waitFor();
        await session.screenshot('app-home-wrong-secret');
      } finally {
        stack.configureOrg(1);
      }
      await session.screenshot('host-home');
    });
  });
});
