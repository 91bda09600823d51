/**
 * Incidents in Chromium, with the real sidecar: an admin creates an ingest token on the Project page, Alertmanager
 * deliveries (posted straight to the sidecar with that token) open and resolve incidents, and the pages follow
 * live over the server-sent-event stream through the host's plugin proxy; responders acknowledge, investigate and
 * comment, viewers watch, and other teams see nothing of it.
 *
 * Who is who (the default fixture plus frank and grace, see `fixtureWithEngineerAndViewer` in harness.ts):
 * - Checkout (team 2, org 1) is project X: bob is its team Admin (project admin), frank a member with org Editor
 *   (engineer), grace a member with org Viewer (viewer).
 * - Payments (team 1, org 1) is project Y: carol is its team Admin and in no other team.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { IncidentDetail, IncidentPage, IngestResult, Project } from '../../pkg/contract/index.ts';
import { alertmanagerPayload, type TestAlert } from '../../pkg/testing/alert-payloads.ts';
import { testIds } from '../../src/components/testIds.ts';
import {
  API,
  fixtureWithEngineerAndViewer,
  launchBrowser,
  PLUGIN_ID,
  registerOrgOneProjects,
  startStack,
  withSession,
  type Session,
  type Stack,
} from './harness.ts';

const PAGES = {
  app: `/a/${PLUGIN_ID}`,
  incidents: `/a/${PLUGIN_ID}/incidents`,
  project: `/a/${PLUGIN_ID}/project`,
  incident: (id: string) => `/a/${PLUGIN_ID}/incidents/${id}`,
};

/** Polls up to 10 s (vitest's default is 1 s): live updates, listings and transitions take a moment. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });

/** When the alerts started firing: a few minutes ago, as Alertmanager reports them. */
const STARTS_AT = new Date(Date.now() - 5 * 60_000).toISOString();
const GROUP_KEY = '{}:{env="prod"}';

const FIRING: TestAlert[] = [
  { name: 'HighErrorRate', service: 'checkout-api', severity: 'critical', labels: { env: 'prod', route: '/pay' } },
  { name: 'HighLatency', service: 'checkout-api', severity: 'warning', labels: { env: 'prod' } },
  { name: 'CartQueueBacklog', service: 'cart-service', severity: 'warning', labels: { env: 'prod' } },
];
/** One delivery of Alertmanager's group: two alerts for checkout-api, one for cart-service. */
const ALERTS = FIRING.map((alert) => ({ ...alert, startsAt: STARTS_AT }));

const CHECKOUT_TITLE = 'HighErrorRate on checkout-api';
const CART_TITLE = 'CartQueueBacklog on cart-service';

/** The Alertmanager v4 body for `alerts`; resolved alerts end now (the builder's fixed end may precede the start). */
function delivery(alerts: TestAlert[]) {
  const payload = alertmanagerPayload(alerts, GROUP_KEY);
  const now = new Date().toISOString();
  return {
    ...payload,
    groupLabels: { env: 'prod' },
    commonLabels: { env: 'prod' },
    alerts: payload.alerts.map((alert) => (alert.status === 'resolved' ? { ...alert, endsAt: now } : alert)),
  };
}

/** One incident row as the list shows it. */
interface IncidentRow {
  id: string;
  status: string;
  severity: string;
  title: string;
  service: string;
  statusBadge: string;
  severityBadge: string;
  /** Firing / total, as the row shows it, e.g. `2 / 2`. */
  signals: string;
  signalsTitle: string;
}

async function incidentRows(page: Page): Promise<IncidentRow[]> {
  return page.getByTestId(testIds.incidents.row).evaluateAll(
    (rows, ids) =>
      rows.map((row) => {
        const text = (testId: string) =>
          (row.querySelector(`[data-testid="${testId}"]`) as HTMLElement | null)?.innerText;
        // Incident | Service | Severity | Status | Signals | Created | Response
        const cells = Array.from(row.querySelectorAll('td'), (cell) => (cell as HTMLElement).innerText.trim());
        const count = row.querySelector(`[data-testid="${ids.signalCount}"]`);
        return {
          id: row.getAttribute('data-incident-id') ?? '',
          status: row.getAttribute('data-status') ?? '',
          severity: row.getAttribute('data-severity') ?? '',
          title: text(ids.rowLink)?.trim() ?? '',
          service: cells[1] ?? '',
          statusBadge: text(ids.statusBadge)?.trim() ?? '',
          severityBadge: text(ids.severityBadge)?.trim() ?? '',
          signals: ((count as HTMLElement | null)?.innerText ?? '').replace(/\s+/g, ' ').trim(),
          signalsTitle: count?.getAttribute('title') ?? '',
        };
      }),
    testIds.incidents
  );
}

/** Waits until the list has loaded and its rows satisfy `check`; returns them. */
async function waitForIncidentRows(page: Page, check: (rows: IncidentRow[]) => boolean): Promise<IncidentRow[]> {
  let rows: IncidentRow[] = [];
  await eventually(async () => {
    if ((await page.getByTestId(testIds.incidents.loading).count()) > 0) {
      return false;
    }
    rows = await incidentRows(page);
    return check(rows);
  }).toBe(true);
  return rows;
}

const titles = (rows: IncidentRow[]) => rows.map((r) => r.title).sort();

/** Picks options of one of the list's multi-selects (status, severity) and closes it. */
async function pickOptions(page: Page, wrapper: string, labels: string[]): Promise<void> {
  await page.getByTestId(wrapper).getByRole('combobox').click();
  for (const label of labels) {
    await page.getByRole('option', { name: label, exact: true }).click();
  }
  await page.keyboard.press('Escape');
}

/** Applies the filters in the form and waits for the listing of the new query. */
async function applyFilters(session: Session): Promise<void> {
  await session.page.getByTestId(testIds.incidents.applyFilters).click();
  await session.waitForQuiet();
}

/** Clears the filters and waits until the address has none and the listing of everything has loaded. */
async function clearFilters(session: Session): Promise<void> {
  const { page } = session;
  await page.getByTestId(testIds.incidents.clearFilters).click();
  await eventually(() => new URL(page.url()).search).toBe('');
  await session.waitForQuiet();
}

/** The transition buttons the detail page offers, by target status, in page order. */
async function transitionTargets(page: Page): Promise<string[]> {
  return page
    .locator(`[data-testid="${testIds.incident.transitions}"] [data-to]`)
    .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-to') ?? ''));
}

/** The timeline as the page shows it: kind and text of each entry, oldest first. */
async function timeline(page: Page): Promise<Array<{ kind: string; text: string }>> {
  return page.getByTestId(testIds.incident.timelineEntry).evaluateAll((entries) =>
    entries.map((entry) => ({
      kind: entry.getAttribute('data-kind') ?? '',
      text: (entry as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
    }))
  );
}

/** Marks the page's document, so that a test can tell that it was not loaded again. */
async function markDocument(page: Page): Promise<() => Promise<boolean>> {
  const mark = `mark-${Math.random().toString(36).slice(2)}`;
  await page.evaluate((value) => {
    (window as unknown as { __testMark?: string }).__testMark = value;
  }, mark);
  return () => page.evaluate((value) => (window as unknown as { __testMark?: string }).__testMark === value, mark);
}

describe('incidents in the stand-in Grafana host, with the real sidecar', () => {
  let stack: Stack;
  let browser: Browser;
  /** Checkout, project X. */
  let X: Project;
  /** Payments, project Y. */
  let Y: Project;
  /** The ingest token the admin created through the page. */
  let ingestToken: string;
  /** The incidents the first delivery opened, by service. */
  let checkoutIncidentId: string;
  let cartIncidentId: string;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startStack({ host: { fixture: fixtureWithEngineerAndViewer({ frank: ['Checkout'], grace: ['Checkout'] }) } }),
      launchBrowser(),
    ]);
    stack.configureOrg(1);
    await stack.connectTeamsApi(1);
    ({ checkout: X, payments: Y } = await registerOrgOneProjects(stack));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const flow = (run: (session: Session) => Promise<void>) => withSession(browser, stack, run);

  /** Posts a delivery to the sidecar as Alertmanager does: straight to it, with the project's ingest token. */
  async function postAlertmanager(
    alerts: TestAlert[],
    token = ingestToken
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${stack.sidecarUrl}/api/v1/webhooks/alertmanager`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'user-agent': 'Alertmanager/0.28.1',
      },
      body: JSON.stringify(delivery(alerts)),
    });
    return { status: response.status, body: await response.json() };
  }

  test('an admin creates an ingest token; an Alertmanager delivery opens incidents that appear live on the Incidents page; filters narrow the list', async () => {
    // bob, Checkout's team Admin, creates the token through the Project page.
    await flow(async (admin) => {
      const { page } = admin;
      await admin.signIn('bob', 1);
      await admin.goto(PAGES.project);
      await eventually(() => page.getByTestId(testIds.project.detailName).innerText()).toBe('Checkout');
      expect(await page.getByTestId(testIds.project.role).innerText()).toBe('admin');
      await page.getByTestId(testIds.ingestTokens.empty).waitFor();

      const create = page.getByTestId(testIds.ingestTokens.createSubmit);
      expect(await create.isDisabled()).toBe(true);
      await page.getByTestId(testIds.ingestTokens.nameInput).fill('prod-alertmanager');
      const created = page.waitForResponse(
        (r) => r.url().endsWith(`${API}/ingest-tokens`) && r.request().method() === 'POST'
      );
      await create.click();
      expect((await created).status()).toBe(201);

      // The token is shown once, with an Alertmanager receiver that posts to this sidecar with it.
      const panel = page.getByTestId(testIds.ingestTokens.created);
      await panel.waitFor();
      ingestToken = await page.getByTestId(testIds.ingestTokens.createdToken).inputValue();
      expect(ingestToken.length).toBeGreaterThanOrEqual(20);
      const snippet = await page.getByTestId(testIds.ingestTokens.alertmanagerSnippet).innerText();
      expect(snippet).toContain(`url: "${stack.sidecarUrl}/api/v1/webhooks/alertmanager"`);
      expect(snippet).toContain(`credentials: "${ingestToken}"`);
      expect(snippet).toContain('send_resolved: true');
      const row = page.getByTestId(testIds.ingestTokens.row);
      expect(await row.count()).toBe(1);
      expect(await row.getAttribute('data-revoked')).toBe('false');
      expect(await row.innerText()).toContain('prod-alertmanager');
      await panel.scrollIntoViewIfNeeded();
      await admin.screenshot('ingest-token-created');

      // Once dismissed, the page no longer has it; nor after a reload (the list shows only its first characters).
      await page.getByTestId(testIds.ingestTokens.dismissCreated).click();
      await panel.waitFor({ state: 'detached' });
      expect(await page.locator('body').innerText()).not.toContain(ingestToken);
      await page.reload();
      await page.getByTestId(testIds.ingestTokens.row).waitFor();
      await admin.waitForQuiet();
      const html = await page.content();
      expect(html).not.toContain(ingestToken);
      const prefix = (await page.getByTestId(testIds.ingestTokens.row).locator('code').innerText()).replace(/…$/, '');
      expect(prefix.length).toBeGreaterThan(0);
      expect(ingestToken.startsWith(prefix)).toBe(true);
      admin.expectNoConsoleErrors();
    });

    // frank, an engineer of Checkout, has the app open: its default page is the Incidents list.
    await flow(async (engineer) => {
      const { page } = engineer;
      const streams: string[] = [];
      page.on('request', (request) => {
        if (request.resourceType() === 'eventsource') {
          streams.push(new URL(request.url()).pathname + new URL(request.url()).search);
        }
      });
      await engineer.signIn('frank', 1);
      await engineer.goto(PAGES.app);
      await page.getByTestId(testIds.incidents.container).waitFor();
      expect(new URL(page.url()).pathname).toBe(PAGES.incidents);
      const live = page.getByTestId(testIds.incidents.liveIndicator);
      await eventually(() => live.getAttribute('data-state')).toBe('live');
      expect(await live.innerText()).toBe('Live');
      // The stream goes through the host's plugin proxy, for the current project.
      expect(streams).toEqual([`${API}/stream?projectId=${X.id}`]);
      await page.getByTestId(testIds.incidents.empty).waitFor();
      expect(await page.getByTestId(testIds.incidents.empty).innerText()).toContain('No incidents yet');
      await engineer.screenshot('incidents-empty-live');
      const isSameDocument = await markDocument(page);

      // Alertmanager delivers the group: three firing alerts, two services.
      const delivered = await postAlertmanager(ALERTS);
      expect(delivered).toEqual({
        status: 200,
        body: { received: 3, created: 3, resolved: 0, duplicates: 0 } satisfies IngestResult,
      });

      // Both incidents appear without a reload: one per service, the worse severity of its signals, every signal firing.
      const rows = await waitForIncidentRows(page, (r) => r.length === 2);
      expect(await isSameDocument()).toBe(true);
      const checkout = rows.find((r) => r.title === CHECKOUT_TITLE);
      const cart = rows.find((r) => r.title === CART_TITLE);
      expect(checkout).toMatchObject({
        status: 'triggered',
        severity: 'critical',
        service: 'checkout-api',
        statusBadge: 'Triggered',
        severityBadge: 'Critical',
        signals: '2 / 2',
        signalsTitle: '2 firing of 2 signals',
      });
      expect(cart).toMatchObject({
        status: 'triggered',
        severity: 'warning',
        service: 'cart-service',
        statusBadge: 'Triggered',
        severityBadge: 'Warning',
        signals: '1 / 1',
      });
      checkoutIncidentId = checkout!.id;
      cartIncidentId = cart!.id;
      expect(await page.getByTestId(testIds.incidents.container).innerText()).toContain(
        '2 incidents shown, the oldest included'
      );
      expect(await live.getAttribute('data-state')).toBe('live');
      await engineer.screenshot('incidents-live');

      // A token the sidecar does not know is refused, and opens nothing.
      expect(await postAlertmanager(ALERTS, `${ingestToken.slice(0, -4)}xxxx`)).toMatchObject({
        status: 401,
        body: { error: { code: 'unauthorized' } },
      });

      // A repeat of the same delivery (Alertmanager re-sends on its repeat interval) changes nothing.
      expect(await postAlertmanager(ALERTS)).toEqual({
        status: 200,
        body: { received: 3, created: 0, resolved: 0, duplicates: 3 },
      });

      // Status: nothing is acknowledged yet; triggered brings both back.
      await pickOptions(page, testIds.incidents.filterStatus, ['Acknowledged']);
      await applyFilters(engineer);
      await page.getByTestId(testIds.incidents.empty).waitFor();
      expect(await page.getByTestId(testIds.incidents.empty).innerText()).toContain('No incidents match');
      expect(new URL(page.url()).searchParams.get('status')).toBe('acknowledged');
      await engineer.screenshot('incidents-filter-status-empty');
      await pickOptions(page, testIds.incidents.filterStatus, ['Acknowledged', 'Triggered']);
      await applyFilters(engineer);
      expect(new URL(page.url()).searchParams.get('status')).toBe('triggered');
      await waitForIncidentRows(page, (r) => r.length === 2);
      await clearFilters(engineer);

      // Severity: critical is the checkout incident only.
      await pickOptions(page, testIds.incidents.filterSeverity, ['Critical']);
      await applyFilters(engineer);
      let filtered = await waitForIncidentRows(page, (r) => r.length === 1);
      expect(titles(filtered)).toEqual([CHECKOUT_TITLE]);
      expect(new URL(page.url()).searchParams.get('severity')).toBe('critical');
      await engineer.screenshot('incidents-filter-severity');
      await clearFilters(engineer);
      await waitForIncidentRows(page, (r) => r.length === 2);

      // Service: the exact name.
      await page.getByTestId(testIds.incidents.filterService).fill('cart-service');
      await applyFilters(engineer);
      filtered = await waitForIncidentRows(page, (r) => r.length === 1);
      expect(titles(filtered)).toEqual([CART_TITLE]);
      await clearFilters(engineer);
      await waitForIncidentRows(page, (r) => r.length === 2);

      // Search: text in the title, any case.
      await page.getByTestId(testIds.incidents.filterSearch).fill('higherror');
      await applyFilters(engineer);
      filtered = await waitForIncidentRows(page, (r) => r.length === 1);
      expect(titles(filtered)).toEqual([CHECKOUT_TITLE]);
      await engineer.screenshot('incidents-filter-search');
      await page.getByTestId(testIds.incidents.filterSearch).fill('no such incident');
      await applyFilters(engineer);
      await page.getByTestId(testIds.incidents.empty).waitFor();

      // Cleared, the list shows both again; the page was never loaded anew and is still live.
      await clearFilters(engineer);
      await waitForIncidentRows(page, (r) => r.length === 2);
      expect(await page.getByTestId(testIds.incidents.filterSearch).inputValue()).toBe('');
      expect(await isSameDocument()).toBe(true);
      expect(await live.getAttribute('data-state')).toBe('live');
      engineer.expectNoConsoleErrors();
    });
  });

  test('the engineer acknowledges and investigates an incident and comments; a viewer watching the same page sees it live and gets no controls', async () => {
    expect(checkoutIncidentId).toBeTruthy();
    await flow(async (engineer) => {
      const { page } = engineer;
      await engineer.signIn('frank', 1);
      await engineer.goto(PAGES.incidents);
      const row = page.locator(`[data-testid="${testIds.incidents.row}"][data-incident-id="${checkoutIncidentId}"]`);
      await row.getByTestId(testIds.incidents.rowLink).click();
      await page.getByTestId(testIds.incident.status).waitFor();
      expect(new URL(page.url()).pathname).toBe(PAGES.incident(checkoutIncidentId));
      await engineer.waitForQuiet();

      expect(await page.getByTestId(testIds.incident.title).innerText()).toBe(CHECKOUT_TITLE);
      expect(await page.getByTestId(testIds.incident.status).getAttribute('data-status')).toBe('triggered');
      expect(await page.getByTestId(testIds.incident.severity).getAttribute('data-severity')).toBe('critical');
      expect(await page.getByTestId(testIds.incident.service).innerText()).toBe('Service checkout-api');
      expect(await page.getByTestId(testIds.incident.acknowledged).innerText()).toMatch(/^Not yet/);
      await eventually(() => page.getByTestId(testIds.incident.liveIndicator).getAttribute('data-state')).toBe('live');

      // The two signals of checkout-api, each opening to its labels.
      const signals = page.getByTestId(testIds.incident.signalRow);
      expect(await signals.count()).toBe(2);
      expect(await page.getByTestId(testIds.incident.signalsTable).innerText()).toContain(
        'HighLatency on checkout-api'
      );
      expect(await page.getByTestId(testIds.incident.signalLabels).count()).toBe(0);
      const first = signals.filter({ hasText: 'HighErrorRate' });
      await first.getByTestId(testIds.incident.signalToggle).click();
      const labels = page.getByTestId(testIds.incident.signalLabels);
      await labels.waitFor();
      expect(await labels.getAttribute('data-signal-id')).toBe(await first.getAttribute('data-signal-id'));
      const shown = await labels
        .getByTestId(testIds.incident.signalLabel)
        .evaluateAll((tags) => tags.map((t) => `${t.getAttribute('data-label-key')}: ${(t as HTMLElement).innerText}`));
      expect(shown).toEqual([
        'alertname: alertname=HighErrorRate',
        'env: env=prod',
        'route: route=/pay',
        'service: service=checkout-api',
        'severity: severity=critical',
      ]);
      expect(await labels.innerText()).toContain('HighErrorRate fired for checkout-api');
      expect(await first.getByTestId(testIds.incident.signalGeneratorLink).getAttribute('href')).toBe(
        'http://prometheus:9090/graph?g0.expr=up'
      );

      // The timeline: opened from the signals, which were attached.
      expect(await timeline(page)).toEqual([
        {
          kind: 'created',
          text: expect.stringContaining(
            'SRE Copilot (correlator) opened the incident from correlated signals (severity critical, service checkout-api)'
          ),
        },
        { kind: 'signals_attached', text: expect.stringContaining('SRE Copilot (correlator) attached 2 signals') },
      ]);
      // Every forward step is offered, no reopen; the edit button and the comment box are there.
      expect(await transitionTargets(page)).toEqual(['acknowledged', 'investigating', 'mitigated', 'resolved']);
      await page.getByTestId(testIds.incident.editButton).waitFor();
      await page.getByTestId(testIds.incident.commentForm).waitFor();
      await engineer.screenshot('incident-detail-engineer');

      // grace, a viewer of Checkout, has the same page open in her own browser.
      await flow(async (viewer) => {
        const view = viewer.page;
        await viewer.signIn('grace', 1);
        await viewer.goto(PAGES.incident(checkoutIncidentId));
        const status = view.getByTestId(testIds.incident.status);
        await status.waitFor();
        await eventually(() => view.getByTestId(testIds.incident.liveIndicator).getAttribute('data-state')).toBe(
          'live'
        );
        expect(await view.getByTestId(testIds.incident.title).innerText()).toBe(CHECKOUT_TITLE);
        expect(await status.getAttribute('data-status')).toBe('triggered');
        expect(await view.getByTestId(testIds.incident.signalRow).count()).toBe(2);
        const noControls = async () => {
          for (const id of [
            testIds.incident.transitions,
            testIds.incident.transitionNote,
            ...Object.values(testIds.incident.transition),
            testIds.incident.editButton,
            testIds.incident.editForm,
            testIds.incident.commentForm,
            testIds.incident.commentInput,
            testIds.incident.commentSubmit,
          ]) {
            expect(await view.getByTestId(id).count(), id).toBe(0);
          }
        };
        await noControls();
        await viewer.screenshot('incident-detail-viewer');
        const isSameDocument = await markDocument(view);

        // Acknowledge, with a note for the timeline.
        await page.getByTestId(testIds.incident.transitionNote).fill('Paging the payments on-call; 5xx on /pay');
        const acknowledge = page.getByTestId(testIds.incident.transition.acknowledged);
        expect(await acknowledge.innerText()).toBe('Acknowledge');
        await acknowledge.click();
        await eventually(() => page.getByTestId(testIds.incident.status).getAttribute('data-status')).toBe(
          'acknowledged'
        );
        expect(await page.getByTestId(testIds.incident.status).innerText()).toBe('Acknowledged');
        await eventually(() => transitionTargets(page)).toEqual(['investigating', 'mitigated', 'resolved']);
        await eventually(async () => (await timeline(page)).map((e) => e.kind)).toEqual([
          'created',
          'signals_attached',
          'status_changed',
        ]);
        expect((await timeline(page))[2]!.text).toContain(
          'frank changed the status from triggered to acknowledged Paging the payments on-call; 5xx on /pay'
        );
        expect(await page.getByTestId(testIds.incident.transitionNote).inputValue()).toBe('');
        expect(await page.getByTestId(testIds.incident.acknowledged).innerText()).toContain('by frank');

        // The viewer's page follows without a reload.
        await eventually(() => status.getAttribute('data-status')).toBe('acknowledged');
        await eventually(async () => (await timeline(view)).length).toBe(3);
        expect(await view.getByTestId(testIds.incident.acknowledged).innerText()).toContain('by frank');
        await noControls();
        await engineer.screenshot('incident-acknowledged-engineer');

        // Start investigating.
        const investigate = page.getByTestId(testIds.incident.transition.investigating);
        expect(await investigate.innerText()).toBe('Start investigating');
        await investigate.click();
        await eventually(() => page.getByTestId(testIds.incident.status).getAttribute('data-status')).toBe(
          'investigating'
        );
        await eventually(() => transitionTargets(page)).toEqual(['mitigated', 'resolved']);
        await eventually(async () => (await timeline(page)).length).toBe(4);
        expect((await timeline(page))[3]).toEqual({
          kind: 'status_changed',
          text: expect.stringContaining('frank changed the status from acknowledged to investigating'),
        });
        await eventually(() => status.getAttribute('data-status')).toBe('investigating');
        expect(await status.innerText()).toBe('Investigating');

        // A comment, on the engineer's timeline at once and on the viewer's live.
        const comment = 'Rolled back checkout-api 2.14.1; error rate falling';
        const submit = page.getByTestId(testIds.incident.commentSubmit);
        expect(await submit.isDisabled()).toBe(true);
        await page.getByTestId(testIds.incident.commentInput).fill(comment);
        await submit.click();
        await eventually(async () => (await timeline(page)).at(-1)).toEqual({
          kind: 'comment',
          text: expect.stringContaining(`frank commented ${comment}`),
        });
        await eventually(() => page.getByTestId(testIds.incident.commentInput).inputValue()).toBe('');
        await eventually(async () => (await timeline(view)).at(-1)?.kind).toBe('comment');
        expect((await timeline(view)).at(-1)!.text).toContain(comment);
        expect((await timeline(view)).map((e) => e.kind)).toEqual([
          'created',
          'signals_attached',
          'status_changed',
          'status_changed',
          'comment',
        ]);
        expect(await isSameDocument()).toBe(true);
        await noControls();
        await page.getByTestId(testIds.incident.timeline).scrollIntoViewIfNeeded();
        await engineer.screenshot('incident-investigating-engineer');
        await view.getByTestId(testIds.incident.timeline).scrollIntoViewIfNeeded();
        await viewer.screenshot('incident-investigating-viewer');

        // The viewer's list: the incidents with their statuses, and no Declare button.
        await viewer.goto(PAGES.incidents);
        const rows = await waitForIncidentRows(view, (r) => r.length === 2);
        expect(rows.find((r) => r.id === checkoutIncidentId)).toMatchObject({
          status: 'investigating',
          statusBadge: 'Investigating',
        });
        expect(rows.find((r) => r.id === cartIncidentId)).toMatchObject({ status: 'triggered' });
        expect(await view.getByTestId(testIds.incidents.declareButton).count()).toBe(0);
        await viewer.screenshot('incidents-viewer');
        viewer.expectNoConsoleErrors();

        // The sidecar refuses her the same change, whatever the page shows.
        const refused = await viewer.fetchFromPage(`${API}/incidents/${cartIncidentId}/transitions`, {
          method: 'POST',
          body: { to: 'acknowledged' },
          headers: { 'X-Project-Id': X.id },
        });
        expect(refused.status).toBe(403);
      });

      // Back on the engineer's list, the status filter now tells the two apart.
      await page.getByTestId(testIds.incident.backLink).click();
      await page.getByTestId(testIds.incidents.filters).waitFor();
      await waitForIncidentRows(page, (r) => r.length === 2);
      await pickOptions(page, testIds.incidents.filterStatus, ['Investigating']);
      await applyFilters(engineer);
      const investigating = await waitForIncidentRows(page, (r) => r.length === 1);
      expect(investigating.map((r) => r.id)).toEqual([checkoutIncidentId]);
      await engineer.screenshot('incidents-filter-status-investigating');
      engineer.expectNoConsoleErrors();
    });
  });

  test('a resolved delivery for every alert of a service resolves its incident by itself; the open page flips live and offers only Reopen', async () => {
    expect(checkoutIncidentId).toBeTruthy();
    await flow(async (engineer) => {
      const { page } = engineer;
      await engineer.signIn('frank', 1);
      await engineer.goto(PAGES.incident(checkoutIncidentId));
      const status = page.getByTestId(testIds.incident.status);
      await status.waitFor();
      await eventually(() => page.getByTestId(testIds.incident.liveIndicator).getAttribute('data-state')).toBe('live');
      expect(await status.getAttribute('data-status')).toBe('investigating');
      expect(await transitionTargets(page)).toEqual(['mitigated', 'resolved']);
      const isSameDocument = await markDocument(page);

      // bob, Checkout's admin, has the list open meanwhile.
      await flow(async (watcher) => {
        await watcher.signIn('bob', 1);
        await watcher.goto(PAGES.incidents);
        await eventually(() =>
          watcher.page.getByTestId(testIds.incidents.liveIndicator).getAttribute('data-state')
        ).toBe('live');
        const before = await waitForIncidentRows(watcher.page, (r) => r.length === 2);
        expect(before.find((r) => r.id === checkoutIncidentId)).toMatchObject({ status: 'investigating' });
        const isSameList = await markDocument(watcher.page);

        // Alertmanager reports both alerts of checkout-api resolved (the cart alert still fires).
        const resolved = ALERTS.filter((a) => a.service === 'checkout-api').map((a) => ({
          ...a,
          status: 'resolved' as const,
        }));
        expect(await postAlertmanager(resolved)).toEqual({
          status: 200,
          body: { received: 2, created: 0, resolved: 2, duplicates: 0 },
        });

        // His list follows without a reload: resolved, no signal firing; the cart incident as it was.
        const after = await waitForIncidentRows(
          watcher.page,
          (r) => r.find((row) => row.id === checkoutIncidentId)?.status === 'resolved'
        );
        expect(after.find((r) => r.id === checkoutIncidentId)).toMatchObject({
          statusBadge: 'Resolved',
          signals: '0 / 2',
        });
        expect(after.find((r) => r.id === cartIncidentId)).toMatchObject({ status: 'triggered', signals: '1 / 1' });
        expect(await isSameList()).toBe(true);
        await watcher.screenshot('incidents-resolved-live');
        watcher.expectNoConsoleErrors();
      });

      await eventually(() => status.getAttribute('data-status')).toBe('resolved');
      expect(await isSameDocument()).toBe(true);
      expect(await status.innerText()).toBe('Resolved');
      await eventually(() => transitionTargets(page)).toEqual(['triggered']);
      expect(await page.getByTestId(testIds.incident.transition.triggered).innerText()).toBe('Reopen');
      expect(await page.getByTestId(testIds.incident.resolved).innerText()).toContain('by SRE Copilot');
      const entries = await timeline(page);
      expect(entries.at(-1)).toEqual({
        kind: 'status_changed',
        text: expect.stringContaining(
          'SRE Copilot (correlator) changed the status from investigating to resolved (all signals resolved)'
        ),
      });
      const signalStates = await page
        .getByTestId(testIds.incident.signalRow)
        .evaluateAll((rows) => rows.map((row) => row.querySelector('[data-status]')?.getAttribute('data-status')));
      expect(signalStates).toEqual(['resolved', 'resolved']);
      await engineer.screenshot('incident-resolved-live');

      // The other service's incident is untouched.
      const cart = await engineer.fetchFromPage(`${API}/incidents/${cartIncidentId}`, {
        headers: { 'X-Project-Id': X.id },
      });
      expect(cart.status).toBe(200);
      expect((cart.body as IncidentDetail).incident).toMatchObject({ status: 'triggered', firingCount: 1 });

      await page.getByTestId(testIds.incident.backLink).click();
      const rows = await waitForIncidentRows(page, (r) => r.length === 2);
      expect(rows.find((r) => r.id === checkoutIncidentId)).toMatchObject({
        status: 'resolved',
        statusBadge: 'Resolved',
        signals: '0 / 2',
      });
      expect(rows.find((r) => r.id === cartIncidentId)).toMatchObject({ status: 'triggered', signals: '1 / 1' });
      await engineer.screenshot('incidents-after-resolve');
      engineer.expectNoConsoleErrors();
    });
  });

  test('the engineer declares an incident from the list; a user of another team sees none of these incidents and cannot open one', async () => {
    expect(checkoutIncidentId).toBeTruthy();
    let declaredId = '';
    const declaredTitle = 'Card payments declined for EU customers';
    await flow(async (engineer) => {
      const { page } = engineer;
      await engineer.signIn('frank', 1);
      await engineer.goto(PAGES.incidents);
      await waitForIncidentRows(page, (r) => r.length === 2);
      await page.getByTestId(testIds.incidents.declareButton).click();
      const form = page.getByTestId(testIds.incidents.declareForm);
      await form.waitFor();
      const submit = page.getByTestId(testIds.incidents.declareSubmit);
      expect(await submit.isDisabled()).toBe(true);
      await page.getByTestId(testIds.incidents.declareTitle).fill(declaredTitle);
      await page.getByTestId(testIds.incidents.declareSeverity).getByRole('radio', { name: 'High' }).check();
      await page.getByTestId(testIds.incidents.declareService).fill('payments-gateway');
      await page.getByTestId(testIds.incidents.declareDescription).fill('Support reports declines since 10:40 UTC.');
      await engineer.screenshot('incident-declare-form');
      const created = page.waitForResponse(
        (r) => r.url().endsWith(`${API}/incidents`) && r.request().method() === 'POST'
      );
      await submit.click();
      expect((await created).status()).toBe(201);

      // The new incident's page opens.
      await eventually(() => new URL(page.url()).pathname).toMatch(new RegExp(`^${PAGES.incidents}/[0-9a-f-]{36}$`));
      declaredId = new URL(page.url()).pathname.split('/').pop()!;
      expect([checkoutIncidentId, cartIncidentId]).not.toContain(declaredId);
      await eventually(() => page.getByTestId(testIds.incident.title).innerText()).toBe(declaredTitle);
      await engineer.waitForQuiet();
      expect(await page.getByTestId(testIds.incident.status).getAttribute('data-status')).toBe('triggered');
      expect(await page.getByTestId(testIds.incident.severity).getAttribute('data-severity')).toBe('high');
      expect(await page.getByTestId(testIds.incident.service).innerText()).toBe('Service payments-gateway');
      expect(await page.getByTestId(testIds.incident.description).innerText()).toBe(
        'Support reports declines since 10:40 UTC.'
      );
      await page.getByTestId(testIds.incident.signalsEmpty).waitFor();
      expect(await timeline(page)).toEqual([
        { kind: 'created', text: expect.stringContaining('frank declared the incident (severity high)') },
      ]);
      expect(await transitionTargets(page)).toEqual(['acknowledged', 'investigating', 'mitigated', 'resolved']);
      await engineer.screenshot('incident-declared');

      // The list has it on top.
      await page.getByTestId(testIds.incident.backLink).click();
      const rows = await waitForIncidentRows(page, (r) => r.length === 3);
      expect(rows[0]).toMatchObject({ id: declaredId, title: declaredTitle, severity: 'high', signals: '0 / 0' });
      engineer.expectNoConsoleErrors();
    });

    // carol is in Payments only: none of Checkout's incidents on her list, and Checkout's incident pages show
    // "not found" to her (the sidecar answers 404, so their existence does not leak).
    await flow(async (other) => {
      const { page } = other;
      await other.signIn('carol', 1);
      await other.goto(PAGES.incidents);
      await page.getByTestId(testIds.incidents.empty).waitFor();
      expect(await page.getByTestId(testIds.projectSwitcher.select).inputValue()).toBe('Payments');
      expect(await page.getByTestId(testIds.incidents.row).count()).toBe(0);
      const body = await page.locator('body').innerText();
      for (const text of [CHECKOUT_TITLE, CART_TITLE, declaredTitle, 'checkout-api']) {
        expect(body).not.toContain(text);
      }
      await other.screenshot('incidents-other-team');

      for (const id of [checkoutIncidentId, declaredId]) {
        await other.goto(PAGES.incident(id));
        const error = page.getByTestId(testIds.incident.error);
        await error.waitFor();
        expect(await error.innerText()).toContain('Incident not found');
        expect(await page.getByTestId(testIds.incident.status).count()).toBe(0);
        const shown = await page.locator('body').innerText();
        expect(shown).not.toContain(CHECKOUT_TITLE);
        expect(shown).not.toContain(declaredTitle);
      }
      await other.screenshot('incident-other-team-not-found');
      // The only failed calls are the two 404s of the incidents she may not see (and the browser's notes of them).
      const notFound = new RegExp(`${API}/incidents/(${checkoutIncidentId}|${declaredId})$`);
      expect(other.errors.filter((e) => e.type === 'http 404' && notFound.test(e.url))).toHaveLength(2);
      other.expectNoConsoleErrors([notFound]);

      // Her project has no incidents at all: X's token fed X only.
      const own = await other.fetchFromPage(`${API}/incidents`, { headers: { 'X-Project-Id': Y.id } });
      expect(own.status).toBe(200);
      expect((own.body as IncidentPage).items).toEqual([]);

      // Asking for X's incidents directly does not help either, nor listening to X's live events.
      const listed = await other.fetchFromPage(`${API}/incidents`, { headers: { 'X-Project-Id': X.id } });
      expect(listed.status).toBe(404);
      expect(JSON.stringify(listed.body)).not.toContain(CHECKOUT_TITLE);
      const stream = await page.evaluate(async (url) => {
        const controller = new AbortController();
        const response = await fetch(url, { signal: controller.signal });
        const type = response.headers.get('content-type');
        controller.abort();
        return { status: response.status, type };
      }, `${API}/stream?projectId=${X.id}`);
      expect(stream.status).toBe(404);
      expect(stream.type).not.toMatch(/event-stream/);
    });
  });
});
