/**
 * Prometheus integrations against the real Grafana of docker-compose.yaml: a project admin adds one through
 * Grafana's datasource proxy (the provisioned data source `prometheus`, provisioning/datasources/prometheus.yaml),
 * the connection test reaches the Prometheus of docker-compose.yaml through Grafana with the org's service-account
 * token, and a viewer sees the list without write controls. The same flows run in Chromium against the stand-in
 * Grafana host in tests/browser/integrations.test.ts and tests/browser/prometheus-through-grafana.test.ts.
 *
 * Users and teams: ./environment.ts (e2e-carol is the admin of Payments, e2e-grace a viewer there).
 */
import type { Integration, IntegrationTestResult } from '../../src/api/types';
import { testIds } from '../../src/components/testIds';
import { ROUTES } from '../../src/constants';
import { callSidecar, ensureEnvironment, PASSWORD, PLUGIN_ID, USERS } from './environment';
import { expect, test } from './fixtures';

test.describe.configure({ mode: 'serial' });
test.use({ storageState: { cookies: [], origins: [] } });

const NAME = `prom-e2e-${Date.now().toString(36)}`;
let integrationId = '';

test('a project admin adds a Prometheus through Grafana and tests it', async ({ request, page, gotoAppPage }) => {
  const { Y } = await ensureEnvironment(request);
  const created = await callSidecar(request, USERS.carol, 'POST', '/integrations', {
    project: Y,
    data: { type: 'prometheus', name: NAME, config: { mode: 'grafana', datasourceUid: 'prometheus' } },
  });
  expect(created.status()).toBe(201);
  integrationId = ((await created.json()) as Integration).id;
  const tested = (await (
    await callSidecar(request, USERS.carol, 'POST', `/integrations/${integrationId}/test`, { project: Y })
  ).json()) as IntegrationTestResult;
  expect(tested).toMatchObject({ ok: true, error: null });
  expect(tested.version).toMatch(/^\d+\./);

  await page.context().clearCookies();
  expect(
    (await page.request.post('/login', { data: { user: USERS.carol.login, password: PASSWORD } })).ok()
  ).toBeTruthy();
  await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Integrations}` });
  const row = page.locator(`[data-testid="${testIds.integrations.row}"][data-integration-id="${integrationId}"]`);
  await expect(row).toContainText(NAME);
  await row.getByTestId(testIds.integrations.testButton).click();
  await expect(row.getByTestId(testIds.integrations.rowTestResult)).toHaveAttribute('data-ok', 'true');
});

test('a viewer sees the integrations and the templates without write controls', async ({
  request,
  page,
  gotoAppPage,
}) => {
  await ensureEnvironment(request);
  await page.context().clearCookies();
  expect(
    (await page.request.post('/login', { data: { user: USERS.grace.login, password: PASSWORD } })).ok()
  ).toBeTruthy();
  await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Integrations}` });
  await expect(page.getByTestId(testIds.integrations.table)).toContainText(NAME);
  await expect(page.getByTestId(testIds.integrations.readOnlyNotice)).toBeVisible();
  await expect(page.getByTestId(testIds.integrations.addButton)).toHaveCount(0);
  await expect(page.getByTestId(testIds.integrations.testButton)).toHaveCount(0);
});

test.afterAll(async ({ request }) => {
  if (integrationId) {
    const { Y } = await ensureEnvironment(request);
    await callSidecar(request, USERS.carol, 'DELETE', `/integrations/${integrationId}`, { project: Y });
  }
});
