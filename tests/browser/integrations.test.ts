/**
 * The Integrations page in Chromium, with the real sidecar and a real Prometheus (Debian's) behind the stand-in
 * host's datasource proxy: a project admin adds a Prometheus integration by picking a Grafana data source, tests
 * it, moves it to direct mode with a password that is only ever shown as "configured", and deletes it; engineers
 * and viewers read without write controls; the PromQL templates tab shows the defaults, and an admin customises
 * them (the sidecar's validation message shown as it is) and resets them.
 *
 * Who is who (the default fixture plus frank and grace, see `fixtureWithEngineerAndViewer` in harness.ts):
 * Payments (team 1, org 1): carol is its team Admin (project admin), frank a member with org Editor (engineer),
 * grace a member with org Viewer (viewer).
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { IntegrationList, Project, ProjectList } from '../../pkg/contract/index.ts';
import {
  startExporter,
  startPrometheus,
  type RunningExporter,
  type RunningPrometheus,
} from '../../pkg/testing/prometheus.ts';
import { testIds } from '../../src/components/testIds.ts';
import {
  API,
  fixtureWithEngineerAndViewer,
  launchBrowser,
  PLUGIN_ID,
  startStack,
  withSession,
  type Session,
  type Stack,
} from './harness.ts';

const PAGE = `/a/${PLUGIN_ID}/integrations`;
const ids = testIds.integrations;

/** Polls up to 15 s: a test reaches Prometheus through the sidecar and the host's datasource proxy. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 });

const PASSWORD = 'pw-never-shown-7f3a9c';

/**
 * Picks `name` in Grafana's DataSourcePicker (a Select) inside `wrapper`; returns the options it offered.
 * (Escape would close the drawer around it too.)
 */
async function pickDatasource(page: Page, wrapper: Locator, name: string): Promise<string[]> {
  await wrapper.locator('input').click();
  const options = page.getByRole('option');
  await options.first().waitFor();
  const labels = (await options.allInnerTexts()).map((l) => l.trim());
  await options
    .filter({ hasText: new RegExp(`^${name}`) })
    .first()
    .click();
  return labels;
}

const row = (page: Page, name: string) => page.getByTestId(ids.row).filter({ hasText: name });

describe('the Integrations page in the stand-in Grafana host, with the real sidecar and Prometheus', () => {
  let stack: Stack;
  let browser: Browser;
  let prometheus: RunningPrometheus;
  let exporter: RunningExporter;
  /** Payments. */
  let Y: Project;

  beforeAll(async () => {
    exporter = await startExporter({ services: ['payments-api'] });
    prometheus = await startPrometheus({ scrapeTargets: [exporter.address] });
    const fixture = fixtureWithEngineerAndViewer({ frank: ['Payments'], grace: ['Payments'] });
    fixture.datasources = [
      { uid: 'prom-main', orgId: 1, name: 'Prometheus', type: 'prometheus', url: prometheus.url, isDefault: true },
      // Nothing listens there.
      { uid: 'prom-staging', orgId: 1, name: 'Staging Prometheus', type: 'prometheus', url: 'http://127.0.0.1:9' },
      { uid: 'prom-second', orgId: 2, name: 'Second org Prometheus', type: 'prometheus', url: prometheus.url },
    ];
    [stack, browser] = await Promise.all([
      startStack({
        host: { fixture },
        sidecarEnv: {
          POLLING_ENABLED: 'false',
          PROMETHEUS_ALLOWED_HOSTS: new URL(prometheus.url).host,
          PROMETHEUS_TIMEOUT_SECONDS: '3',
        },
      }),
      launchBrowser(),
    ]);
    stack.configureOrg(1);
    await stack.connectTeamsApi(1);
    const response = await fetch(`${stack.host.url}${API}/projects`, {
      headers: { cookie: stack.host.signIn('carol', 1) },
    });
    const { items } = (await response.json()) as ProjectList;
    Y = items.find((p) => p.name === 'Payments')!;
    expect(Y?.role).toBe('admin');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await prometheus?.stop();
    await exporter?.stop();
  });

  const flow = (run: (session: Session) => Promise<void>) => withSession(browser, stack, run);

  test('an admin adds a Grafana-mode integration, tests it, moves it to direct mode with a password, and deletes it', async () => {
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('carol', 1);
      await session.goto(PAGE);
      await page.getByTestId(ids.empty).waitFor();
      await session.screenshot('integrations-empty');

      // Add: the form says what is missing before anything is sent.
      await page.getByTestId(ids.addButton).click();
      const form = page.getByTestId(ids.form);
      await form.waitFor();
      await page.getByTestId(ids.saveButton).click();
      await expect.poll(() => form.innerText()).toContain('Give the integration a name');
      expect(await form.innerText()).toContain('Pick a Prometheus data source');

      // The picker offers this org's Prometheus data sources only, the default marked.
      await page.getByTestId(ids.nameInput).fill('payments-prometheus');
      const offered = await pickDatasource(page, page.getByTestId(ids.datasourcePicker), 'Prometheus');
      expect(offered).toEqual(['Prometheus (default)', 'Staging Prometheus']);
      await page.getByTestId(ids.labelFilterInput).fill('service="payments-api"');
      await session.screenshot('integrations-add-grafana-mode');
      await page.getByTestId(ids.saveButton).click();
      await form.waitFor({ state: 'detached' });

      const added = row(page, 'payments-prometheus');
      await added.waitFor();
      expect(await added.getAttribute('data-mode')).toBe('grafana');
      const target = await added.getByTestId(ids.rowTarget).innerText();
      expect(target).toContain('Prometheus');
      expect(target).toContain('prom-main');
      expect(target).toContain('service="payments-api"');
      expect(await added.getByTestId(ids.rowSecrets).innerText()).toContain("Grafana's service account");

      // The sidecar stored what the form sent.
      const stored = await session.fetchFromPage(`${API}/integrations`, { headers: { 'X-Project-Id': Y.id } });
      const prometheusItems = (list: unknown) => (list as IntegrationList).items.filter((i) => i.type === 'prometheus');
      expect(prometheusItems(stored.body)).toEqual([
        expect.objectContaining({
          type: 'prometheus',
          name: 'payments-prometheus',
          config: { mode: 'grafana', datasourceUid: 'prom-main', labelFilter: 'service="payments-api"' },
          secretFields: [],
        }),
      ]);

      // Test: through the sidecar, the host's datasource proxy, to the real Prometheus that scrapes one target.
      await added.getByTestId(ids.testButton).click();
      const result = added.getByTestId(ids.rowTestResult);
      await eventually(() => result.count()).toBe(1);
      expect(await result.getAttribute('data-ok')).toBe('true');
      const resultText = await result.innerText();
      const buildinfo = (await (await fetch(`${prometheus.url}/api/v1/status/buildinfo`)).json()) as {
        data: { version: string };
      };
      expect(resultText).toMatch(
        new RegExp(`^Prometheus ${buildinfo.data.version.replace(/[.+]/g, '\\$&')} · \\d+ ms`)
      );
      expect(resultText).toContain('Targets up: 1 of 1');
      await session.screenshot('integrations-tested');

      // Edit: direct mode. A host the sidecar does not allow is refused, with the sidecar's reason in the form.
      await added.getByTestId(ids.editButton).click();
      await form.waitFor();
      await page.getByTestId(ids.modeRadio).getByRole('radio', { name: 'Direct' }).check();
      await page.getByTestId(ids.urlInput).fill('http://not-allowed.example:9090');
      await page.getByTestId(ids.passwordInput).locator('input').fill(PASSWORD);
      await page.getByTestId(ids.saveButton).click();
      await expect.poll(() => form.innerText()).toContain('Basic auth needs the username');
      await page.getByTestId(ids.usernameInput).fill('poller');
      await page.getByTestId(ids.saveButton).click();
      const formError = page.getByTestId(ids.formError);
      await formError.waitFor();
      expect(await formError.innerText()).toContain("not in the sidecar's PROMETHEUS_ALLOWED_HOSTS");
      await page.getByTestId(ids.urlInput).fill(prometheus.url);
      await page.getByTestId(ids.saveButton).click();
      await form.waitFor({ state: 'detached' });

      await eventually(() => added.getAttribute('data-mode')).toBe('direct');
      expect(await added.getByTestId(ids.rowTarget).innerText()).toContain(prometheus.url);
      expect(await added.getByTestId(ids.rowSecrets).innerText()).toBe('Password configured');
      // The earlier result was for the old settings.
      expect(await added.getByTestId(ids.rowTestResult).count()).toBe(0);

      // The secret is write-only: the form shows "configured" and a Reset button, never the value.
      await added.getByTestId(ids.editButton).click();
      await form.waitFor();
      const password = page.getByTestId(ids.passwordInput);
      expect(await password.locator('input').inputValue()).toBe('configured');
      expect(await password.locator('input').isDisabled()).toBe(true);
      expect(await password.getByRole('button', { name: 'Reset' }).count()).toBe(1);
      expect(await page.content()).not.toContain(PASSWORD);
      await session.screenshot('integrations-edit-direct-mode');
      await page.getByTestId(ids.cancelButton).click();
      await form.waitFor({ state: 'detached' });

      // Direct mode reaches the same Prometheus (it does not check the password).
      await added.getByTestId(ids.testButton).click();
      await eventually(() => added.getByTestId(ids.rowTestResult).count()).toBe(1);
      expect(await added.getByTestId(ids.rowTestResult).getAttribute('data-ok')).toBe('true');
      expect(await added.getByTestId(ids.rowTestResult).innerText()).toContain('Targets up: 1 of 1');

      // Reset the password: saving removes it.
      await added.getByTestId(ids.editButton).click();
      await form.waitFor();
      await password.getByRole('button', { name: 'Reset' }).click();
      expect(await password.locator('input').inputValue()).toBe('');
      await page.getByTestId(ids.usernameInput).fill('');
      await page.getByTestId(ids.saveButton).click();
      await form.waitFor({ state: 'detached' });
      await eventually(() => added.getByTestId(ids.rowSecrets).innerText()).toBe('None');

      // Delete, after confirming.
      await added.getByTestId(ids.deleteButton).click();
      await page.getByRole('button', { name: 'Delete' }).last().click();
      await page.getByTestId(ids.empty).waitFor();
      const after = await session.fetchFromPage(`${API}/integrations`, { headers: { 'X-Project-Id': Y.id } });
      expect(prometheusItems(after.body)).toEqual([]);
      session.expectNoConsoleErrors([/400.*\/api\/v1\/integrations\//]);
    });
  });

  test('a failing data source shows the reason of the test, not a success', async () => {
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('carol', 1);
      await session.goto(PAGE);
      await page.getByTestId(ids.addButton).click();
      await page.getByTestId(ids.nameInput).fill('staging');
      await pickDatasource(page, page.getByTestId(ids.datasourcePicker), 'Staging Prometheus');
      await page.getByTestId(ids.saveButton).click();
      const staging = row(page, 'staging');
      await staging.waitFor();
      await staging.getByTestId(ids.testButton).click();
      const result = staging.getByTestId(ids.rowTestResult);
      await eventually(() => result.count()).toBe(1);
      expect(await result.getAttribute('data-ok')).toBe('false');
      expect((await result.innerText()).length).toBeGreaterThan(0);
      await session.screenshot('integrations-test-failed');
      session.expectNoConsoleErrors();
    });
  });

  test('engineers and viewers see the integrations but no write controls', async () => {
    // The previous flow left "staging" behind: there is something to see.
    for (const login of ['frank', 'grace']) {
      await flow(async (session) => {
        const { page } = session;
        await session.signIn(login, 1);
        await session.goto(PAGE);
        await row(page, 'staging').waitFor();
        await page.getByTestId(ids.readOnlyNotice).waitFor();
        for (const control of [ids.addButton, ids.editButton, ids.deleteButton, ids.testButton]) {
          expect(await page.getByTestId(control).count(), `${login}: ${control}`).toBe(0);
        }
        await page.getByTestId(ids.tabTemplates).click();
        await page.getByTestId(ids.templates.table).waitFor();
        expect(await page.getByTestId(ids.templates.editButton).count()).toBe(0);
        expect(await page.getByTestId(ids.templates.resetButton).count()).toBe(0);
        if (login === 'grace') {
          await page.getByTestId(ids.tabPrometheus).click();
          await session.screenshot('integrations-viewer');
        }
        session.expectNoConsoleErrors();
      });
    }
  });

  test('the templates tab shows the defaults; an admin customises them and resets them', async () => {
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('carol', 1);
      await session.goto(`${PAGE}?tab=templates`);
      const t = ids.templates;
      await page.getByTestId(t.table).waitFor();
      expect(await page.getByTestId(t.sourceBadge).getAttribute('data-source')).toBe('default');
      const names = await page.getByTestId(t.row).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
      expect(names).toContain('request-rate');
      expect(names).toContain('error-ratio');
      expect(await page.locator('[data-name="request-rate"]').innerText()).toContain('rate(http_requests_total');
      await session.screenshot('integrations-templates-defaults');

      // An invalid template: the sidecar's message, naming the field, is shown and nothing changes.
      await page.getByTestId(t.editButton).click();
      const editor = page.getByTestId(t.editor);
      expect(await editor.inputValue()).toContain('- name: request-rate');
      await editor.fill('templates:\n  - name: Bad Name\n    query: up\n');
      await page.getByTestId(t.saveButton).click();
      const saveError = page.getByTestId(t.saveError);
      await saveError.waitFor();
      expect(await saveError.innerText()).toContain('templates.0.name');
      // Broken YAML never reaches the sidecar.
      await editor.fill('templates:\n  - name: "unterminated\n');
      await page.getByTestId(t.saveButton).click();
      await eventually(() => saveError.innerText()).toContain('Not valid YAML');
      await session.screenshot('integrations-templates-error');

      await editor.fill(
        'templates:\n  - name: up-targets\n    description: Targets up\n    query: sum by (job) (up{ {{filter}} })\n' +
          "    service: '{{job}}'\n    direction: down\n    tier: critical\n    intervalSeconds: 90\n"
      );
      await page.getByTestId(t.saveButton).click();
      await editor.waitFor({ state: 'detached' });
      await eventually(() => page.getByTestId(t.sourceBadge).getAttribute('data-source')).toBe('project');
      const rows = page.getByTestId(t.row);
      expect(await rows.count()).toBe(1);
      const custom = await rows.first().innerText();
      expect(custom).toContain('up-targets');
      expect(custom).toContain('sum by (job) (up{ {{filter}} })');
      expect(custom).toContain('1m 30s');
      await session.screenshot('integrations-templates-custom');

      // A reload keeps them (and the tab); then back to the defaults.
      await page.reload();
      await page.getByTestId(t.table).waitFor();
      expect(await page.getByTestId(t.sourceBadge).getAttribute('data-source')).toBe('project');
      await page.getByTestId(t.resetButton).click();
      await page.getByRole('button', { name: 'Reset to defaults' }).last().click();
      await eventually(() => page.getByTestId(t.sourceBadge).getAttribute('data-source')).toBe('default');
      expect(await page.getByTestId(t.row).count()).toBeGreaterThan(1);
      session.expectNoConsoleErrors([/400.*\/api\/v1\/query-templates$/]);
    });
  });
});
