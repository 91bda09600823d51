/**
 * Projects and the audit log against the real Grafana of docker-compose.yaml, with the sidecar behind its plugin
 * proxy: switching projects, who sees which audit entries, and which controls each project role gets. The same
 * flows run in Chromium against the stand-in Grafana host in tests/browser/projects-and-audit.test.ts.
 *
 * The environment these specs expect, and the users and teams they create, are described in ./environment.ts.
 */
import type { Locator, Page } from '@playwright/test';
import { testIds } from '../../src/components/testIds';
import { ROUTES } from '../../src/constants';
import { callSidecar, ensureEnvironment, PASSWORD, PLUGIN_ID, SIDECAR_API, USERS, type E2EUser } from './environment';
import { expect, test } from './fixtures';

// The flows build on each other's audit entries, and every test signs in as the user it needs.
test.describe.configure({ mode: 'serial' });
test.use({ storageState: { cookies: [], origins: [] } });

/** Marks what this run writes, so that a Grafana and sidecar used before do not confuse the assertions. */
const RUN = Date.now().toString(36);
/** Role overrides for users who are in no team; ids unlikely to exist, different per run. */
const OVERRIDE_USER = { x: 700_000 + (Date.now() % 100_000), y: 800_000 + (Date.now() % 100_000) };

async function signIn(page: Page, user: E2EUser): Promise<void> {
  await page.context().clearCookies();
  const response = await page.request.post('/login', { data: { user: user.login, password: PASSWORD } });
  expect(response.ok(), `sign-in as ${user.login}`).toBeTruthy();
}

/**
 * Collects what the plugin gets wrong in the browser: uncaught errors, console errors from the plugin's code and
 * failed calls through its proxy. Grafana's own console output is not the plugin's to judge.
 */
function watchForErrors(page: Page): { expectNone: () => void } {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && message.location().url.includes(`/plugins/${PLUGIN_ID}/`)) {
      errors.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.url().includes(SIDECAR_API) && response.status() >= 400) {
      errors.push(`http ${response.status()}: ${response.request().method()} ${response.url()}`);
    }
  });
  return { expectNone: () => expect(errors).toEqual([]) };
}

const switcher = (page: Page) => page.getByTestId(testIds.projectSwitcher.select);

/** Opens the project switcher and returns the project names it offers; closes it again. */
async function switcherOptions(page: Page): Promise<string[]> {
  await switcher(page).click();
  const options = page.getByRole('option');
  await expect(options.first()).toBeVisible();
  // An option shows the project's name over "Your role: …".
  const names = (await options.allInnerTexts()).map((text) => text.split('\n')[0]!.trim());
  await page.keyboard.press('Escape');
  await expect(options).toHaveCount(0);
  return names;
}

async function switchProject(page: Page, name: string): Promise<void> {
  await switcher(page).click();
  await page.getByRole('option', { name: new RegExp(`^${name}\\b`) }).click();
  await expect(switcher(page)).toHaveValue(name);
  await expect(switcher(page)).toBeEnabled();
}

const auditRows = (page: Page): Locator => page.getByTestId(testIds.audit.row);

test.describe('projects and the audit log', () => {
  test('an engineer in two teams switches project in the header; the pages follow, and the choice survives a reload', async ({
    gotoAppPage,
    page,
    request,
  }) => {
    const { X, Y } = await ensureEnvironment(request);
    const errors = watchForErrors(page);
    await signIn(page, USERS.frank);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Project}` });

    const name = page.getByTestId(testIds.project.detailName);
    const teamId = page.getByTestId(testIds.project.detailTeamId);
    // Nothing remembered in this browser yet: the first project by name.
    await expect(name).toHaveText('Checkout');
    await expect(teamId).toHaveText(String(X.teamId));
    await expect(page.getByTestId(testIds.project.role)).toHaveText('engineer');
    await expect(page.getByTestId(testIds.projectSwitcher.role)).toHaveText('Your role: engineer');
    expect(await switcherOptions(page)).toEqual(['Checkout', 'Payments']);

    await switchProject(page, 'Payments');
    await expect(name).toHaveText('Payments');
    await expect(teamId).toHaveText(String(Y.teamId));
    await expect(page.getByTestId(testIds.project.editForm)).toHaveCount(0);

    // Remembered per org: a reload starts with Payments rather than the first project.
    expect(await page.evaluate(() => window.localStorage.getItem('sre-copilot-app.currentProject.1'))).toBe(Y.id);
    await page.reload();
    await expect(name).toHaveText('Payments');
    await expect(switcher(page)).toHaveValue('Payments');

    // The Audit page lists the current project's chain, and follows a switch.
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Audit}` });
    await expect(switcher(page)).toHaveValue('Payments');
    await expect(auditRows(page).filter({ hasText: Y.id }).first()).toBeVisible();
    await expect(auditRows(page).filter({ hasText: X.id })).toHaveCount(0);

    await switchProject(page, 'Checkout');
    await expect(auditRows(page).filter({ hasText: X.id }).first()).toBeVisible();
    await expect(auditRows(page).filter({ hasText: Y.id })).toHaveCount(0);

    await page.reload();
    await expect(switcher(page)).toHaveValue('Checkout');
    await expect(auditRows(page).filter({ hasText: X.id }).first()).toBeVisible();
    errors.expectNone();
  });

  test('audit entries are visible to the project’s members only: not to another team, not to another org', async ({
    gotoAppPage,
    page,
    request,
  }) => {
    const { X, Y, secondOrgId } = await ensureEnvironment(request);
    const xDescription = `Cart and payment pages (${RUN})`;
    const yDescription = `Card payments and refunds (${RUN})`;

    // The admins of X and Y each change their project's description and add a role override.
    for (const [admin, project, description, userId] of [
      [USERS.bob, X, xDescription, OVERRIDE_USER.x],
      [USERS.carol, Y, yDescription, OVERRIDE_USER.y],
    ] as const) {
      const patched = await callSidecar(request, admin, 'PATCH', `/projects/${project.id}`, {
        project,
        data: { description },
      });
      expect(patched.status()).toBe(200);
      const added = await callSidecar(request, admin, 'PUT', `/projects/${project.id}/members/${userId}`, {
        project,
        data: { role: 'viewer', login: `override-${RUN}` },
      });
      expect(added.status()).toBe(200);
    }

    // frank, a member of X, sees X's new entries and the chain intact; the filters narrow the rows.
    const errors = watchForErrors(page);
    await signIn(page, USERS.frank);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Audit}` });
    await expect(switcher(page)).toHaveValue('Checkout');
    const rows = auditRows(page);
    const overrideRow = rows.filter({ hasText: 'member.added' }).filter({ hasText: String(OVERRIDE_USER.x) });
    await expect(overrideRow).toHaveCount(1);
    await expect(overrideRow).toContainText('project_member');
    await expect(overrideRow).toContainText(USERS.bob.login);
    await expect(rows.filter({ hasText: 'project.updated' }).filter({ hasText: xDescription })).toHaveCount(1);
    await expect(rows.filter({ hasText: yDescription })).toHaveCount(0);
    await expect(rows.filter({ hasText: Y.id })).toHaveCount(0);
    await expect(rows.filter({ hasText: String(OVERRIDE_USER.y) })).toHaveCount(0);
    await expect(page.getByTestId(testIds.audit.chainStatus)).toHaveAttribute('data-state', 'intact');

    await page.getByTestId(testIds.audit.filterAction).fill('member');
    await page.getByTestId(testIds.audit.applyFilters).click();
    await expect(rows.filter({ hasText: xDescription })).toHaveCount(0);
    await expect(overrideRow).toHaveCount(1);
    // Every row left is of the member family.
    for (const action of await rows.locator('code').allInnerTexts()) {
      expect(action).toMatch(/^member\./);
    }
    await page.getByTestId(testIds.audit.clearFilters).click();
    await expect(rows.filter({ hasText: xDescription })).toHaveCount(1);
    errors.expectNone();

    // carol is in Payments only: Y's entries, nothing of X, and X is not among her projects.
    await signIn(page, USERS.carol);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Audit}` });
    expect(await switcherOptions(page)).toEqual(['Payments']);
    await expect(rows.filter({ hasText: yDescription })).toHaveCount(1);
    await expect(rows.filter({ hasText: String(OVERRIDE_USER.y) })).toHaveCount(1);
    await expect(rows.filter({ hasText: X.id })).toHaveCount(0);
    await expect(rows.filter({ hasText: xDescription })).toHaveCount(0);
    await expect(page.getByTestId(testIds.audit.chainStatus)).toHaveAttribute('data-state', 'intact');
    errors.expectNone();
    // Nor can she ask the sidecar for it: to her, X does not exist.
    const switched = await callSidecar(request, USERS.carol, 'POST', '/auth/switch-project', {
      data: { projectId: X.id },
    });
    expect(switched.status()).toBe(404);
    expect((await callSidecar(request, USERS.carol, 'GET', '/audit', { project: X })).status()).toBe(404);

    // erin is in the second org only: nothing of org 1 on her pages, and the sidecar gives her nothing of it. (This
    // sidecar refuses the second org outright, as it has no secret for it: the page shows that error.)
    await signIn(page, USERS.erin);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Audit}` });
    await expect(
      page.getByTestId(testIds.projectState.error).or(page.getByTestId(testIds.projectState.empty))
    ).toBeVisible();
    await expect(rows).toHaveCount(0);
    await expect(page.getByText(/Checkout|Payments/)).toHaveCount(0);
    const foreign = await callSidecar(request, USERS.erin, 'GET', '/audit', { project: X, orgId: secondOrgId });
    expect([401, 404]).toContain(foreign.status());
    expect(await foreign.text()).not.toContain(xDescription);
  });

  test('a viewer gets the Project page read-only; an admin edits the description and adds a role override', async ({
    gotoAppPage,
    page,
    request,
  }) => {
    const { Y } = await ensureEnvironment(request);
    const description = `Card payments, refunds and payouts (${RUN})`;
    const overrideUserId = String(OVERRIDE_USER.y + 1);
    const errors = watchForErrors(page);

    // carol, Payments' team Admin: project admin.
    await signIn(page, USERS.carol);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Project}` });
    await expect(page.getByTestId(testIds.project.detailName)).toHaveText('Payments');
    await expect(page.getByTestId(testIds.project.role)).toHaveText('admin');
    await page.getByTestId(testIds.project.descriptionInput).fill(description);
    const saved = page.waitForResponse(
      (r) => r.url().endsWith(`${SIDECAR_API}/projects/${Y.id}`) && r.request().method() === 'PATCH'
    );
    await page.getByTestId(testIds.project.saveButton).click();
    expect((await saved).status()).toBe(200);
    await expect(page.getByTestId(testIds.project.saveSuccess)).toBeVisible();
    await expect(page.getByTestId(testIds.project.detailDescription)).toHaveText(description);

    const addForm = page.getByTestId(testIds.members.addForm);
    await addForm.getByTestId(testIds.members.addUserId).fill(overrideUserId);
    await addForm.getByTestId(testIds.members.addLogin).fill(`contractor-${RUN}`);
    await page.getByTestId(testIds.members.addRole).getByRole('radio', { name: 'engineer' }).check();
    await addForm.getByTestId(testIds.members.addSubmit).click();
    const added = page.locator(`[data-testid="${testIds.members.row}"][data-user-id="${overrideUserId}"]`);
    await expect(added).toContainText(`contractor-${RUN}`);

    await page.reload();
    await expect(page.getByTestId(testIds.project.detailDescription)).toHaveText(description);
    await expect(page.getByTestId(testIds.project.descriptionInput)).toHaveValue(description);
    await expect(added.getByRole('radio', { name: 'engineer' })).toBeChecked();
    await expect(added.getByTestId(testIds.members.removeButton)).toBeVisible();
    errors.expectNone();

    // grace, a Payments member with org Viewer: project viewer, and not a single write control.
    await signIn(page, USERS.grace);
    await gotoAppPage({ pluginId: PLUGIN_ID, path: `/${ROUTES.Project}` });
    await expect(page.getByTestId(testIds.project.role)).toHaveText('viewer');
    await expect(page.getByTestId(testIds.project.detailDescription)).toHaveText(description);
    await expect(added).toContainText('engineer');
    for (const id of [
      testIds.project.editForm,
      testIds.project.nameInput,
      testIds.project.descriptionInput,
      testIds.project.activeSwitch,
      testIds.project.saveButton,
      testIds.members.addForm,
      testIds.members.addSubmit,
      testIds.members.roleSelect,
      testIds.members.removeButton,
      testIds.ingestTokens.createForm,
      testIds.ingestTokens.revokeButton,
    ]) {
      await expect(page.getByTestId(id), id).toHaveCount(0);
    }
    await expect(page.getByTestId(testIds.project.container).getByRole('button')).toHaveCount(0);
    errors.expectNone();
    // The sidecar refuses her the same change, whatever the page shows.
    const refused = await callSidecar(request, USERS.grace, 'PATCH', `/projects/${Y.id}`, {
      project: Y,
      data: { description: 'by a viewer' },
    });
    expect(refused.status()).toBe(403);
  });
});
