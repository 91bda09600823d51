/**
 * Incidents against the real Grafana of docker-compose.yaml, with the sidecar behind its plugin proxy: an admin
 * creates an ingest token on the Project page, Alertmanager deliveries (posted straight to the sidecar with that
 * token) open and resolve incidents, and the pages follow live over the server-sent-event stream through Grafana's
 * plugin proxy; an engineer responds, a viewer watches, another team sees nothing. The same flows run in Chromium
 * against the stand-in Grafana host in tests/browser/incidents.test.ts.
 *
 * The environment these specs expect, and the users and teams they create, are described in ./environment.ts. The
 * incidents live in Payments (project Y): e2e-carol is its admin, e2e-frank an engineer, e2e-grace a viewer;
 * e2e-bob is in Checkout only. The test runner posts alerts to the sidecar at E2E_SIDECAR_PUBLIC_URL (default
 * http://localhost:8787, the port docker-compose.yaml publishes), as Alertmanager would.
 */
import type { APIRequestContext, Browser, Locator, Page } from '@playwright/test';
import type { Incident, IncidentDetail } from '../../src/api/types';
import { testIds } from '../../src/components/testIds';
import { ROUTES } from '../../src/constants';
import {
  authAs,
  callSidecar,
  ensureEnvironment,
  PASSWORD,
  PLUGIN_ID,
  SIDECAR_API,
  USERS,
  type E2EUser,
} from './environment';
import { expect, test } from './fixtures';

// The flows build on each other's incidents, and every test signs in as the user it needs.
test.describe.configure({ mode: 'serial' });
test.use({ storageState: { cookies: [], origins: [] } });

/** Where the test runner reaches the sidecar directly (not through Grafana), as an Alertmanager would. */
const SIDECAR_PUBLIC_URL = (process.env.E2E_SIDECAR_PUBLIC_URL ?? 'http://localhost:8787').replace(/\/+$/, '');

/** Marks what this run writes: the sidecar keeps the incidents of earlier runs. */
const RUN = Date.now().toString(36);
const SERVICE = { checkout: `checkout-api-${RUN}`, cart: `cart-service-${RUN}` };
const CHECKOUT_TITLE = `HighErrorRate on ${SERVICE.checkout}`;
const CART_TITLE = `CartQueueBacklog on ${SERVICE.cart}`;
const DECLARED_TITLE = `Card payments declined for EU customers (${RUN})`;

interface AlertInput {
  name: string;
  service: string;
  severity: string;
  status?: 'firing' | 'resolved';
}

const ALERTS: AlertInput[] = [
  { name: 'HighErrorRate', service: SERVICE.checkout, severity: 'critical' },
  { name: 'HighLatency', service: SERVICE.checkout, severity: 'warning' },
  { name: 'CartQueueBacklog', service: SERVICE.cart, severity: 'warning' },
];
/** When the alerts started firing: a few minutes before the run. */
const STARTS_AT = new Date(Date.now() - 5 * 60_000).toISOString();

/** An Alertmanager webhook (version 4) body for one group, as Alertmanager posts it. */
function alertmanagerDelivery(alerts: AlertInput[]) {
  const now = new Date().toISOString();
  const isFiring = (alert: AlertInput) => (alert.status ?? 'firing') === 'firing';
  return {
    version: '4',
    groupKey: `{}:{env="prod",run="${RUN}"}`,
    truncatedAlerts: 0,
    status: alerts.some(isFiring) ? 'firing' : 'resolved',
    receiver: 'sre-copilot-payments',
    groupLabels: { env: 'prod' },
    commonLabels: { env: 'prod' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((alert) => ({
      status: alert.status ?? 'firing',
      labels: { alertname: alert.name, service: alert.service, severity: alert.severity, env: 'prod' },
      annotations: {
        summary: `${alert.name} on ${alert.service}`,
        description: `${alert.name} fired for ${alert.service}`,
      },
      startsAt: STARTS_AT,
      endsAt: isFiring(alert) ? '0001-01-01T00:00:00Z' : now,
      generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
      fingerprint: `${alert.name}-${alert.service}`,
    })),
  };
}

/** The ingest token the admin created through the Project page. */
let ingestToken = '';
let checkoutIncidentId = '';
let cartIncidentId = '';

async function postAlertmanager(request: APIRequestContext, alerts: AlertInput[], token = ingestToken) {
  const response = await request.post(`${SIDECAR_PUBLIC_URL}/api/v1/webhooks/alertmanager`, {
    headers: { Authorization: `Bearer ${token}`, 'User-Agent': 'Alertmanager/0.28.1' },
    data: alertmanagerDelivery(alerts),
  });
  return { status: response.status(), body: (await response.json()) as unknown };
}

async function signIn(page: Page, user: E2EUser): Promise<void> {
  await page.context().clearCookies();
  const response = await page.request.post('/login', { data: { user: user.login, password: PASSWORD } });
  expect(response.ok(), `sign-in as ${user.login}`).toBeTruthy();
}

/**
 * Collects what the plugin gets wrong in the browser: uncaught errors, console errors from the plugin's code and
 * failed calls through its proxy (but those `expected` to fail). Grafana's own console output is not the plugin's
 * to judge.
 */
function watchForErrors(page: Page, expected: RegExp[] = []): { expectNone: () => void } {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && message.location().url.includes(`/plugins/${PLUGIN_ID}/`)) {
      errors.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    const url = response.url();
    if (url.includes(SIDECAR_API) && response.status() >= 400 && !expected.some((pattern) => pattern.test(url))) {
      errors.push(`http ${response.status()}: ${response.request().method()} ${url}`);
    }
  });
  return { expectNone: () => expect(errors).toEqual([]) };
}

const switcher = (page: Page) => page.getByTestId(testIds.projectSwitcher.select);

/** Makes `name` the current project (a fresh browser starts with the first by name). */
async function useProject(page: Page, name: string): Promise<void> {
  if ((await switcher(page).inputValue()) === name) {
    return;
  }
  await switcher(page).click();
  await page.getByRole('option', { name: new RegExp(`^${name}\\b`) }).click();
  await expect(switcher(page)).toHaveValue(name);
  await expect(switcher(page)).toBeEnabled();
}

const incidentRow = (page: Page, id: string): Locator =>
  page.locator(`[data-testid="${testIds.incidents.row}"][data-incident-id="${id}"]`);
/** The rows of this run's incidents (the sidecar keeps those of earlier runs). */
const runRows = (page: Page): Locator => page.getByTestId(testIds.incidents.row).filter({ hasText: RUN });

async function pickOptions(page: Page, wrapper: string, labels: string[]): Promise<void> {
  await page.getByTestId(wrapper).getByRole('combobox').click();
  for (const label of labels) {
    await page.getByRole('option', { name: label, exact: true }).click();
  }
  await page.keyboard.press('Escape');
}

/** The page address's query parameters that hold the list's filters. */
const FILTER_PARAMS = ['status', 'severity', 'service', 'q', 'from', 'to'];

async function clearFilters(page: Page): Promise<void> {
  await page.getByTestId(testIds.incidents.clearFilters).click();
  await expect(page).toHaveURL((url) => FILTER_PARAMS.every((name) => !url.searchParams.has(name)));
}

const transitionButtons = (page: Page): Locator => page.getByTestId(testIds.incident.transitions).locator('[data-to]');

async function expectTransitions(page: Page, targets: string[]): Promise<void> {
  await expect(transitionButtons(page)).toHaveCount(targets.length);
  for (const [index, to] of targets.entries()) {
    await expect(transitionButtons(page).nth(index)).toHaveAttribute('data-to', to);
  }
}

const timelineEntries = (page: Page): Locator => page.getByTestId(testIds.incident.timelineEntry);

/** Marks the page's document, so that a test can tell that it was not loaded again. */
async function markDocument(page: Page): Promise<() => Promise<boolean>> {
  const mark = `mark-${RUN}-${Math.random().toString(36).slice(2)}`;
  await page.evaluate((value) => {
    (window as unknown as { __testMark?: string }).__testMark = value;
  }, mark);
  return () => page.evaluate((value) => (window as unknown as { __testMark?: string }).__testMark === value, mark);
}

async function openSecondPage(browser: Browser, baseURL: string | undefined, user: E2EUser): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, user);
  return page;
}

test.describe('incidents', () => {
  test('an admin creates an ingest token; an Alertmanager delivery opens incidents that appear live on the Incidents page; filters narrow the list', async ({
    gotoAppPage,
    page,
    request,
  }) => {
    const { Y } = await ensureEnvironment(request);
    const errors = watchForErrors(page);

    // carol, Payments' team Admin, creates the token on the Project page; it is shown once.
    await signIn(page, USERS.carol);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Project}` });
    await expect(page.getByTestId(testIds.project.detailName)).toHaveText('Payments');
    await page.getByTestId(testIds.ingestTokens.nameInput).fill(`e2e-alertmanager-${RUN}`);
    await page.getByTestId(testIds.ingestTokens.createSubmit).click();
    const panel = page.getByTestId(testIds.ingestTokens.created);
    await expect(panel).toBeVisible();
    ingestToken = await page.getByTestId(testIds.ingestTokens.createdToken).inputValue();
    expect(ingestToken.length).toBeGreaterThanOrEqual(20);
    const snippet = page.getByTestId(testIds.ingestTokens.alertmanagerSnippet);
    await expect(snippet).toContainText('/api/v1/webhooks/alertmanager"');
    await expect(snippet).toContainText(`credentials: "${ingestToken}"`);
    await page.getByTestId(testIds.ingestTokens.dismissCreated).click();
    await expect(panel).toHaveCount(0);
    await expect(page.getByText(ingestToken)).toHaveCount(0);
    await expect(
      page.getByTestId(testIds.ingestTokens.row).filter({ hasText: `e2e-alertmanager-${RUN}` })
    ).toHaveAttribute('data-revoked', 'false');
    errors.expectNone();

    // frank, an engineer of Payments, has the app open on its default page, the Incidents list.
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'eventsource') {
        streams.push(new URL(r.url()).pathname);
      }
    });
    await signIn(page, USERS.frank);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: '/' });
    await expect(page.getByTestId(testIds.incidents.container)).toBeVisible();
    await useProject(page, 'Payments');
    const live = page.getByTestId(testIds.incidents.liveIndicator);
    await expect(live).toHaveAttribute('data-state', 'live');
    await expect(live).toHaveText('Live');
    expect(streams).toContain(`${SIDECAR_API}/stream`);
    await expect(page.getByTestId(testIds.incidents.loading)).toHaveCount(0);
    await expect(runRows(page)).toHaveCount(0);
    const isSameDocument = await markDocument(page);

    const delivered = await postAlertmanager(request, ALERTS);
    expect(delivered).toEqual({ status: 200, body: { received: 3, created: 3, resolved: 0, duplicates: 0 } });

    // Both incidents appear without a reload, one per service.
    await expect(runRows(page)).toHaveCount(2);
    expect(await isSameDocument()).toBe(true);
    const checkout = page.getByTestId(testIds.incidents.row).filter({ hasText: CHECKOUT_TITLE });
    const cart = page.getByTestId(testIds.incidents.row).filter({ hasText: CART_TITLE });
    await expect(checkout).toHaveAttribute('data-status', 'triggered');
    await expect(checkout).toHaveAttribute('data-severity', 'critical');
    await expect(checkout.getByTestId(testIds.incidents.statusBadge)).toHaveText('Triggered');
    await expect(checkout.getByTestId(testIds.incidents.severityBadge)).toHaveText('Critical');
    await expect(checkout.getByTestId(testIds.incidents.signalCount)).toHaveText(/^2\s*\/\s*2$/);
    await expect(cart).toHaveAttribute('data-severity', 'warning');
    await expect(cart.getByTestId(testIds.incidents.severityBadge)).toHaveText('Warning');
    await expect(cart.getByTestId(testIds.incidents.signalCount)).toHaveText(/^1\s*\/\s*1$/);
    checkoutIncidentId = (await checkout.getAttribute('data-incident-id')) ?? '';
    cartIncidentId = (await cart.getAttribute('data-incident-id')) ?? '';
    expect(checkoutIncidentId).not.toBe('');
    expect(cartIncidentId).not.toBe('');
    await expect(live).toHaveAttribute('data-state', 'live');

    // The incidents belong to Payments.
    const detail = await callSidecar(request, USERS.frank, 'GET', `/incidents/${checkoutIncidentId}`, { project: Y });
    expect(detail.status()).toBe(200);

    // A wrong token is refused; a repeat of the same delivery changes nothing.
    expect((await postAlertmanager(request, ALERTS, `${ingestToken.slice(0, -4)}xxxx`)).status).toBe(401);
    expect(await postAlertmanager(request, ALERTS)).toEqual({
      status: 200,
      body: { received: 3, created: 0, resolved: 0, duplicates: 3 },
    });

    // Status: none of this run's incidents is acknowledged.
    await pickOptions(page, testIds.incidents.filterStatus, ['Acknowledged']);
    await page.getByTestId(testIds.incidents.applyFilters).click();
    await expect(page).toHaveURL(/status=acknowledged/);
    await expect(page.getByTestId(testIds.incidents.loading)).toHaveCount(0);
    await expect(runRows(page)).toHaveCount(0);
    await clearFilters(page);

    // Severity: critical keeps the checkout incident, not the cart one.
    await pickOptions(page, testIds.incidents.filterSeverity, ['Critical']);
    await page.getByTestId(testIds.incidents.applyFilters).click();
    await expect(page).toHaveURL(/severity=critical/);
    await expect(runRows(page)).toHaveCount(1);
    await expect(incidentRow(page, checkoutIncidentId)).toBeVisible();
    await clearFilters(page);

    // Service: the exact name.
    await page.getByTestId(testIds.incidents.filterService).fill(SERVICE.cart);
    await page.getByTestId(testIds.incidents.applyFilters).click();
    await expect(page.getByTestId(testIds.incidents.row)).toHaveCount(1);
    await expect(incidentRow(page, cartIncidentId)).toBeVisible();
    await clearFilters(page);

    // Search: text of the title, any case.
    await page.getByTestId(testIds.incidents.filterSearch).fill(CHECKOUT_TITLE.toUpperCase());
    await page.getByTestId(testIds.incidents.applyFilters).click();
    await expect(page.getByTestId(testIds.incidents.row)).toHaveCount(1);
    await expect(incidentRow(page, checkoutIncidentId)).toBeVisible();
    await clearFilters(page);
    await expect(runRows(page)).toHaveCount(2);
    expect(await isSameDocument()).toBe(true);
    errors.expectNone();
  });

  test('the engineer acknowledges and investigates an incident and comments; a viewer watching the same page sees it live and gets no controls', async ({
    gotoAppPage,
    page,
    request,
    browser,
    baseURL,
  }) => {
    expect(checkoutIncidentId).not.toBe('');
    await ensureEnvironment(request);
    const errors = watchForErrors(page);
    await signIn(page, USERS.frank);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Incidents}` });
    await useProject(page, 'Payments');
    await incidentRow(page, checkoutIncidentId).getByTestId(testIds.incidents.rowLink).click();
    await expect(page).toHaveURL(new RegExp(`/a/${PLUGIN_ID}/${ROUTES.Incidents}/${checkoutIncidentId}$`));

    const status = page.getByTestId(testIds.incident.status);
    await expect(page.getByTestId(testIds.incident.title)).toHaveText(CHECKOUT_TITLE);
    await expect(status).toHaveAttribute('data-status', 'triggered');
    await expect(page.getByTestId(testIds.incident.severity)).toHaveAttribute('data-severity', 'critical');
    await expect(page.getByTestId(testIds.incident.liveIndicator)).toHaveAttribute('data-state', 'live');

    // Signals, each opening to its labels; the timeline of the correlation.
    const signals = page.getByTestId(testIds.incident.signalRow);
    await expect(signals).toHaveCount(2);
    await expect(page.getByTestId(testIds.incident.signalLabels)).toHaveCount(0);
    await signals.filter({ hasText: 'HighErrorRate' }).getByTestId(testIds.incident.signalToggle).click();
    const labels = page.getByTestId(testIds.incident.signalLabels);
    await expect(labels).toHaveCount(1);
    await expect(labels.locator('[data-label-key="alertname"]')).toHaveText('alertname=HighErrorRate');
    await expect(labels.locator('[data-label-key="service"]')).toHaveText(`service=${SERVICE.checkout}`);
    await expect(labels.locator('[data-label-key="severity"]')).toHaveText('severity=critical');
    await expect(timelineEntries(page)).toHaveCount(2);
    await expect(timelineEntries(page).nth(0)).toHaveAttribute('data-kind', 'created');
    await expect(timelineEntries(page).nth(1)).toHaveAttribute('data-kind', 'signals_attached');
    await expect(timelineEntries(page).nth(1)).toContainText('attached 2 signals');
    await expectTransitions(page, ['acknowledged', 'investigating', 'mitigated', 'resolved']);
    await expect(page.getByTestId(testIds.incident.editButton)).toBeVisible();
    await expect(page.getByTestId(testIds.incident.commentForm)).toBeVisible();

    // grace, a viewer of Payments, watches the same page in her own browser.
    const view = await openSecondPage(browser, baseURL, USERS.grace);
    try {
      const viewerErrors = watchForErrors(view);
      await view.goto(`/a/${PLUGIN_ID}/${ROUTES.Incidents}/${checkoutIncidentId}`);
      const viewStatus = view.getByTestId(testIds.incident.status);
      await expect(viewStatus).toHaveAttribute('data-status', 'triggered');
      await expect(view.getByTestId(testIds.incident.liveIndicator)).toHaveAttribute('data-state', 'live');
      await expect(view.getByTestId(testIds.incident.signalRow)).toHaveCount(2);
      const expectNoControls = async () => {
        for (const id of [
          testIds.incident.transitions,
          ...Object.values(testIds.incident.transition),
          testIds.incident.editButton,
          testIds.incident.commentForm,
          testIds.incident.commentInput,
        ]) {
          await expect(view.getByTestId(id), id).toHaveCount(0);
        }
      };
      await expectNoControls();
      const isSameDocument = await markDocument(view);

      // Acknowledge, with a note.
      const note = `Paging the payments on-call (${RUN})`;
      await page.getByTestId(testIds.incident.transitionNote).fill(note);
      await expect(page.getByTestId(testIds.incident.transition.acknowledged)).toHaveText('Acknowledge');
      await page.getByTestId(testIds.incident.transition.acknowledged).click();
      await expect(status).toHaveAttribute('data-status', 'acknowledged');
      await expectTransitions(page, ['investigating', 'mitigated', 'resolved']);
      await expect(timelineEntries(page)).toHaveCount(3);
      await expect(timelineEntries(page).nth(2)).toHaveAttribute('data-kind', 'status_changed');
      await expect(timelineEntries(page).nth(2)).toContainText('from triggered to acknowledged');
      await expect(timelineEntries(page).nth(2)).toContainText(note);
      await expect(viewStatus).toHaveAttribute('data-status', 'acknowledged');
      await expect(timelineEntries(view)).toHaveCount(3);

      // Start investigating.
      await expect(page.getByTestId(testIds.incident.transition.investigating)).toHaveText('Start investigating');
      await page.getByTestId(testIds.incident.transition.investigating).click();
      await expect(status).toHaveAttribute('data-status', 'investigating');
      await expectTransitions(page, ['mitigated', 'resolved']);
      await expect(timelineEntries(page).nth(3)).toContainText('from acknowledged to investigating');
      await expect(viewStatus).toHaveAttribute('data-status', 'investigating');
      await expect(viewStatus).toHaveText('Investigating');

      // A comment, at once for the engineer and live for the viewer.
      const comment = `Rolled back checkout-api 2.14.1 (${RUN})`;
      await expect(page.getByTestId(testIds.incident.commentSubmit)).toBeDisabled();
      await page.getByTestId(testIds.incident.commentInput).fill(comment);
      await page.getByTestId(testIds.incident.commentSubmit).click();
      await expect(timelineEntries(page).last()).toHaveAttribute('data-kind', 'comment');
      await expect(timelineEntries(page).last()).toContainText(comment);
      await expect(page.getByTestId(testIds.incident.commentInput)).toHaveValue('');
      await expect(timelineEntries(view)).toHaveCount(5);
      await expect(timelineEntries(view).last()).toContainText(comment);
      expect(await isSameDocument()).toBe(true);
      await expectNoControls();

      // The viewer's list: the statuses, and no Declare button.
      await view.goto(`/a/${PLUGIN_ID}/${ROUTES.Incidents}`);
      await expect(incidentRow(view, checkoutIncidentId)).toHaveAttribute('data-status', 'investigating');
      await expect(incidentRow(view, cartIncidentId)).toHaveAttribute('data-status', 'triggered');
      await expect(view.getByTestId(testIds.incidents.declareButton)).toHaveCount(0);
      viewerErrors.expectNone();
    } finally {
      await view.context().close();
    }

    // Back on the list, the status filter tells this run's two incidents apart.
    await page.getByTestId(testIds.incident.backLink).click();
    await pickOptions(page, testIds.incidents.filterStatus, ['Investigating']);
    await page.getByTestId(testIds.incidents.applyFilters).click();
    await expect(page).toHaveURL(/status=investigating/);
    await expect(runRows(page)).toHaveCount(1);
    await expect(incidentRow(page, checkoutIncidentId)).toBeVisible();
    errors.expectNone();
  });

  test('a resolved delivery for every alert of a service resolves its incident by itself; the open page flips live and offers only Reopen', async ({
    gotoAppPage,
    page,
    request,
  }) => {
    expect(checkoutIncidentId).not.toBe('');
    const { Y } = await ensureEnvironment(request);
    const errors = watchForErrors(page);
    await signIn(page, USERS.frank);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Incidents}` });
    await useProject(page, 'Payments');
    await incidentRow(page, checkoutIncidentId).getByTestId(testIds.incidents.rowLink).click();
    const status = page.getByTestId(testIds.incident.status);
    await expect(status).toHaveAttribute('data-status', 'investigating');
    await expect(page.getByTestId(testIds.incident.liveIndicator)).toHaveAttribute('data-state', 'live');
    const isSameDocument = await markDocument(page);

    const resolved = ALERTS.filter((a) => a.service === SERVICE.checkout).map((a) => ({
      ...a,
      status: 'resolved' as const,
    }));
    expect(await postAlertmanager(request, resolved)).toEqual({
      status: 200,
      body: { received: 2, created: 0, resolved: 2, duplicates: 0 },
    });

    await expect(status).toHaveAttribute('data-status', 'resolved');
    expect(await isSameDocument()).toBe(true);
    await expectTransitions(page, ['triggered']);
    await expect(page.getByTestId(testIds.incident.transition.triggered)).toHaveText('Reopen');
    await expect(timelineEntries(page).last()).toContainText('from investigating to resolved (all signals resolved)');
    await expect(page.getByTestId(testIds.incident.signalRow).locator('[data-status="resolved"]')).toHaveCount(2);

    // The other service's incident still fires.
    const cart = await callSidecar(request, USERS.frank, 'GET', `/incidents/${cartIncidentId}`, { project: Y });
    expect(cart.status()).toBe(200);
    expect(((await cart.json()) as IncidentDetail).incident).toMatchObject({ status: 'triggered', firingCount: 1 });
    errors.expectNone();
  });

  test('the engineer declares an incident from the list; a user of another team sees none of these incidents and cannot open one', async ({
    gotoAppPage,
    page,
    request,
  }) => {
    expect(checkoutIncidentId).not.toBe('');
    const { Y } = await ensureEnvironment(request);
    let errors = watchForErrors(page);
    await signIn(page, USERS.frank);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Incidents}` });
    await useProject(page, 'Payments');
    await page.getByTestId(testIds.incidents.declareButton).click();
    await expect(page.getByTestId(testIds.incidents.declareSubmit)).toBeDisabled();
    await page.getByTestId(testIds.incidents.declareTitle).fill(DECLARED_TITLE);
    await page.getByTestId(testIds.incidents.declareSeverity).getByRole('radio', { name: 'High' }).check();
    await page.getByTestId(testIds.incidents.declareService).fill(`payments-gateway-${RUN}`);
    await page.getByTestId(testIds.incidents.declareDescription).fill('Support reports declines.');
    const created = page.waitForResponse(
      (r) => r.url().endsWith(`${SIDECAR_API}/incidents`) && r.request().method() === 'POST'
    );
    await page.getByTestId(testIds.incidents.declareSubmit).click();
    const declared = (await (await created).json()) as Incident;
    await expect(page).toHaveURL(new RegExp(`/a/${PLUGIN_ID}/${ROUTES.Incidents}/${declared.id}$`));
    await expect(page.getByTestId(testIds.incident.title)).toHaveText(DECLARED_TITLE);
    await expect(page.getByTestId(testIds.incident.status)).toHaveAttribute('data-status', 'triggered');
    await expect(page.getByTestId(testIds.incident.severity)).toHaveAttribute('data-severity', 'high');
    await expect(page.getByTestId(testIds.incident.signalsEmpty)).toBeVisible();
    await expect(timelineEntries(page)).toHaveCount(1);
    await expect(timelineEntries(page).first()).toContainText('declared the incident (severity high)');
    await expectTransitions(page, ['acknowledged', 'investigating', 'mitigated', 'resolved']);
    errors.expectNone();

    // bob is in Checkout only: none of Payments' incidents on his list, and their pages are "not found" to him.
    const foreign = [checkoutIncidentId, declared.id];
    await signIn(page, USERS.bob);
    errors = watchForErrors(page, [new RegExp(`/incidents/(${foreign.join('|')})$`)]);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Incidents}` });
    await expect(switcher(page)).toHaveValue('Checkout');
    await expect(page.getByTestId(testIds.incidents.loading)).toHaveCount(0);
    await expect(page.getByTestId(testIds.incidents.row).filter({ hasText: RUN })).toHaveCount(0);
    await expect(page.getByText(RUN)).toHaveCount(0);
    for (const id of foreign) {
      await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Incidents}/${id}` });
      await expect(page.getByTestId(testIds.incident.error)).toContainText('Incident not found');
      await expect(page.getByTestId(testIds.incident.status)).toHaveCount(0);
      await expect(page.getByText(RUN)).toHaveCount(0);
    }
    errors.expectNone();
    const listed = await callSidecar(request, USERS.bob, 'GET', '/incidents', { project: Y });
    expect(listed.status()).toBe(404);
    expect(await listed.text()).not.toContain(RUN);
    // Nor may he listen to Payments' live events.
    const stream = await request.get(`${SIDECAR_API}/stream?projectId=${Y.id}`, {
      headers: authAs(USERS.bob),
      timeout: 10_000,
    });
    expect(stream.status()).toBe(404);
  });
});
