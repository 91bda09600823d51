/**
 * Projects and the audit log in Chromium, with the real sidecar: switching projects, who sees which audit entries,
 * and which controls each project role gets on the Project page.
 *
 * Who is who (the default fixture plus frank and grace, see `fixtureWithEngineerAndViewer` in harness.ts):
 * - Checkout (team 2, org 1) is project X: bob is its team Admin (project admin), frank a member (engineer).
 * - Payments (team 1, org 1) is project Y: carol is its team Admin (project admin, Y only), frank and bob
 *   members with org Editor (engineers), grace a member with org Viewer (viewer).
 * - Platform (team 3, org 2): erin is its team Admin; org 2 shares nothing with org 1.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Project, ProjectMember } from '../../pkg/contract/index.ts';
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

/** Polls up to 10 s (vitest's default is 1 s): pages load again after a switch, a save or a filter. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });

const PAGES = {
  audit: `/a/${PLUGIN_ID}/audit`,
  project: `/a/${PLUGIN_ID}/project`,
};

/** One audit row as the page shows it. */
interface AuditRow {
  seq: number;
  actorName: string;
  actorId: string;
  action: string;
  resourceType: string;
  resourceId: string;
  details: string;
}

async function auditRows(page: Page): Promise<AuditRow[]> {
  return page.getByTestId(testIds.audit.row).evaluateAll((rows) =>
    rows.map((row) => {
      // Time | Actor (name over id) | Action | Resource (type over id) | Details
      const [, actor = '', action = '', resource = '', details = ''] = Array.from(row.querySelectorAll('td'), (cell) =>
        (cell as HTMLElement).innerText.trim()
      );
      const [actorName = '', actorId = ''] = actor.split('\n');
      const [resourceType = '', resourceId = ''] = resource.split('\n');
      return {
        seq: Number(row.getAttribute('data-seq')),
        actorName,
        actorId,
        action,
        resourceType,
        resourceId,
        details,
      };
    })
  );
}

/**
 * Waits until the listing has loaded (it loads again after a switch or a filter) and its rows satisfy `check`;
 * returns them.
 */
async function waitForAuditRows(page: Page, check: (rows: AuditRow[]) => boolean): Promise<AuditRow[]> {
  let rows: AuditRow[] = [];
  await eventually(async () => {
    if ((await page.getByTestId(testIds.audit.loading).count()) > 0) {
      return false;
    }
    rows = await auditRows(page);
    return check(rows);
  }).toBe(true);
  return rows;
}

/** The rows that name `text`: as actor, action, resource type or id, or anywhere in the details. */
const mentions = (rows: AuditRow[], text: string) =>
  rows.filter(
    (r) => [r.actorName, r.actorId, r.action, r.resourceType, r.resourceId].includes(text) || r.details.includes(text)
  );

/**
 * Opens the project switcher in the page header and returns its options' labels (the project names); closes it
 * again. `whileOpen` runs with the list open, e.g. for a screenshot.
 */
async function switcherOptions(page: Page, whileOpen?: () => Promise<unknown>): Promise<string[]> {
  await page.getByTestId(testIds.projectSwitcher.select).click();
  const options = page.getByRole('option');
  await options.first().waitFor();
  // An option shows the project's name over "Your role: …".
  const labels = await options.evaluateAll((items) =>
    items.map((item) => (item as HTMLElement).innerText.split('\n')[0]!.trim())
  );
  await whileOpen?.();
  await page.keyboard.press('Escape');
  await options.first().waitFor({ state: 'detached' });
  await page.getByTestId(testIds.projectSwitcher.select).blur();
  return labels;
}

/** Picks a project in the switcher and waits until the pages have taken it in. */
async function switchProject(session: Session, name: string): Promise<void> {
  const { page } = session;
  const select = page.getByTestId(testIds.projectSwitcher.select);
  await select.click();
  await page.getByRole('option', { name: new RegExp(`^${name}\\b`) }).click();
  await eventually(() => select.inputValue()).toBe(name);
  await eventually(() => select.isEnabled()).toBe(true);
  await session.waitForQuiet();
}

/** A call to the sidecar through the plugin proxy, from the signed-in page (as the plugin's code makes it). */
async function callSidecar(
  session: Session,
  method: string,
  path: string,
  project: Project | null,
  body?: unknown
): Promise<{ status: number; body: unknown }> {
  return session.fetchFromPage(`${API}${path}`, {
    method,
    body,
    headers: project ? { 'X-Project-Id': project.id } : {},
  });
}

describe('projects and the audit log in the stand-in Grafana host, with the real sidecar', () => {
  let stack: Stack;
  let browser: Browser;
  /** Checkout, project X. */
  let X: Project;
  /** Payments, project Y. */
  let Y: Project;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startStack({
        host: { fixture: fixtureWithEngineerAndViewer({ frank: ['Payments', 'Checkout'], grace: ['Payments'] }) },
      }),
      launchBrowser(),
    ]);
    stack.configureOrg(1);
    stack.configureOrg(2);
    await stack.connectTeamsApi(1);
    await stack.connectTeamsApi(2);
    ({ checkout: X, payments: Y } = await registerOrgOneProjects(stack));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const flow = (run: (session: Session) => Promise<void>) => withSession(browser, stack, run);

  test('an engineer in two teams switches project in the header; the pages reload for it and the choice survives a reload', async () => {
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('frank', 1);
      await session.goto(PAGES.project);
      const name = page.getByTestId(testIds.project.detailName);
      const teamId = page.getByTestId(testIds.project.detailTeamId);
      const select = page.getByTestId(testIds.projectSwitcher.select);

      // Nothing remembered yet: the first project by name, Checkout.
      await eventually(() => name.innerText()).toBe('Checkout');
      expect(await teamId.innerText()).toBe('2');
      expect(await page.getByTestId(testIds.project.role).innerText()).toBe('engineer');
      expect(await select.inputValue()).toBe('Checkout');
      expect(await page.getByTestId(testIds.projectSwitcher.role).innerText()).toBe('Your role: engineer');

      expect(await switcherOptions(page, () => session.screenshot('project-switcher-open'))).toEqual([
        'Checkout',
        'Payments',
      ]);

      await switchProject(session, 'Payments');
      await eventually(() => name.innerText()).toBe('Payments');
      expect(await teamId.innerText()).toBe('1');
      expect(await page.getByTestId(testIds.project.role).innerText()).toBe('engineer');
      // An engineer gets no write controls in either project.
      expect(await page.getByTestId(testIds.project.editForm).count()).toBe(0);
      await session.screenshot('project-switched');

      // Remembered for org 1, so a reload (and any other page of the app) starts with Payments, not the first project.
      expect(await page.evaluate(() => window.localStorage.getItem('sre-copilot-app.currentProject.1'))).toBe(Y.id);
      await page.reload();
      await page.getByTestId(testIds.project.details).waitFor();
      await eventually(() => name.innerText()).toBe('Payments');
      expect(await select.inputValue()).toBe('Payments');

      // The Audit page lists the current project's chain only: Y's registration, nothing of X.
      await session.goto(PAGES.audit);
      expect(await select.inputValue()).toBe('Payments');
      let rows = await waitForAuditRows(page, (r) => mentions(r, Y.id).length > 0);
      expect(mentions(rows, X.id)).toEqual([]);
      expect(rows.some((r) => r.action === 'project.registered' && r.resourceId === Y.id)).toBe(true);

      // Switching on the Audit page reloads the listing for the other project.
      await switchProject(session, 'Checkout');
      rows = await waitForAuditRows(page, (r) => mentions(r, X.id).length > 0);
      expect(mentions(rows, Y.id)).toEqual([]);
      expect(rows.some((r) => r.action === 'project.registered' && r.resourceId === X.id)).toBe(true);
      await eventually(() => page.getByTestId(testIds.audit.chainStatus).getAttribute('data-state')).toBe('intact');
      await session.screenshot('audit-switched');

      await page.reload();
      await page.getByTestId(testIds.audit.table).waitFor();
      expect(await select.inputValue()).toBe('Checkout');
      await waitForAuditRows(page, (r) => mentions(r, X.id).length > 0 && mentions(r, Y.id).length === 0);
      session.expectNoConsoleErrors();
    });
  });

  test('the remembered project is per org: a visit to another org keeps the choice made in org 1', async () => {
    await flow(async (session) => {
      const { page } = session;
      const name = page.getByTestId(testIds.project.detailName);
      // alice is org Admin of org 1 (owner of every project there) and a Platform member in org 2.
      await session.signIn('alice', 1);
      await session.goto(PAGES.project);
      await eventually(() => name.innerText()).toBe('Checkout');
      await switchProject(session, 'Payments');
      await eventually(() => name.innerText()).toBe('Payments');

      await session.signIn('alice', 2);
      await session.goto(PAGES.project);
      await eventually(() => name.innerText()).toBe('Platform');
      expect(await page.getByTestId(testIds.project.role).innerText()).toBe('viewer');
      expect(await switcherOptions(page)).toEqual(['Platform']);

      await session.signIn('alice', 1);
      await session.goto(PAGES.project);
      await eventually(() => name.innerText()).toBe('Payments');
      expect(await page.getByTestId(testIds.project.role).innerText()).toBe('owner');
      session.expectNoConsoleErrors();
    });
  });

  test('audit entries are visible to the project’s members only: not to another team, not to another org', async () => {
    const xDescription = 'Cart and payment pages (X)';
    const yDescription = 'Card payments and refunds (Y)';

    // The admins of X and of Y each change their project's description and add a role override, from the page
    // through the plugin proxy (one browser, signed in as bob, then as carol).
    await flow(async (session) => {
      await session.signIn('bob', 1);
      await session.goto('/');
      for (const [login, project, description, override] of [
        ['bob', X, xDescription, { userId: 501, role: 'viewer', login: 'auditor-x' }],
        ['carol', Y, yDescription, { userId: 502, role: 'engineer', login: 'auditor-y' }],
      ] as const) {
        await session.signIn(login, 1);
        const patched = await callSidecar(session, 'PATCH', `/projects/${project.id}`, project, { description });
        expect(patched).toMatchObject({ status: 200, body: { description } });
        const added = await callSidecar(session, 'PUT', `/projects/${project.id}/members/${override.userId}`, project, {
          role: override.role,
          login: override.login,
        });
        expect(added.status).toBe(200);
        expect(added.body as ProjectMember).toMatchObject({ userId: override.userId, role: override.role });
      }
      session.expectNoConsoleErrors();
    });

    // frank, a member of X, sees X's entries on the Audit page, newest first, and the chain intact.
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('frank', 1);
      await session.goto(PAGES.audit);
      const select = page.getByTestId(testIds.projectSwitcher.select);
      if ((await select.inputValue()) !== 'Checkout') {
        await switchProject(session, 'Checkout');
      }
      const rows = await waitForAuditRows(page, (r) => mentions(r, '501').length > 0);
      expect(rows.map((r) => r.seq)).toEqual([...rows.map((r) => r.seq)].sort((a, b) => b - a));
      const [memberAdded, updated] = rows;
      expect(memberAdded).toEqual({
        seq: rows.length,
        actorName: 'bob',
        actorId: 'user:3',
        action: 'member.added',
        resourceType: 'project_member',
        resourceId: '501',
        details: 'role: viewer, previousRole: none',
      });
      expect(updated).toMatchObject({ action: 'project.updated', resourceType: 'project', resourceId: X.id });
      expect(updated!.details).toContain(xDescription);
      // Nothing of Y.
      for (const text of [Y.id, yDescription, '502']) {
        expect(mentions(rows, text)).toEqual([]);
      }

      const chain = page.getByTestId(testIds.audit.chainStatus);
      await eventually(() => chain.getAttribute('data-state')).toBe('intact');
      expect(await chain.innerText()).toBe(`Chain intact · ${rows.length} entries`);
      await session.screenshot('audit-member-of-x');

      // Filtering by action family narrows the rows to the override; clearing brings every row back.
      await page.getByTestId(testIds.audit.filterAction).fill('member');
      await page.getByTestId(testIds.audit.applyFilters).click();
      const filtered = await waitForAuditRows(page, (r) => r.length > 0 && r.length < rows.length);
      expect(filtered.map((r) => r.action)).toEqual(['member.added']);
      await session.screenshot('audit-filtered-by-action');

      await page.getByTestId(testIds.audit.filterAction).fill('project.updated');
      await page.getByTestId(testIds.audit.applyFilters).click();
      await waitForAuditRows(page, (r) => r.length === 1 && r[0]!.action === 'project.updated');

      await page.getByTestId(testIds.audit.filterAction).fill('incident');
      await page.getByTestId(testIds.audit.applyFilters).click();
      await page.getByTestId(testIds.audit.empty).waitFor();
      expect(await page.getByTestId(testIds.audit.empty).innerText()).toContain('No audit entries match these filters');

      await page.getByTestId(testIds.audit.clearFilters).click();
      await waitForAuditRows(page, (r) => r.length === rows.length);
      expect(await page.getByTestId(testIds.audit.filterAction).inputValue()).toBe('');
      session.expectNoConsoleErrors();
    });

    // carol is in Payments only: she sees Y's entries and nothing of X, and X is not among her projects.
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('carol', 1);
      await session.goto(PAGES.audit);
      expect(await switcherOptions(page)).toEqual(['Payments']);
      expect(await page.getByTestId(testIds.projectSwitcher.select).inputValue()).toBe('Payments');
      const rows = await waitForAuditRows(page, (r) => mentions(r, '502').length > 0);
      expect(rows.map((r) => r.action)).toEqual(
        expect.arrayContaining(['member.added', 'project.updated', 'project.registered'])
      );
      expect(mentions(rows, yDescription)).toHaveLength(1);
      for (const text of [X.id, xDescription, '501']) {
        expect(mentions(rows, text)).toEqual([]);
      }
      await eventually(() => page.getByTestId(testIds.audit.chainStatus).getAttribute('data-state')).toBe('intact');
      await session.screenshot('audit-other-team');
      session.expectNoConsoleErrors();

      // Asking the sidecar directly does not help: X does not exist for her (404, so its existence does not leak).
      expect((await callSidecar(session, 'POST', '/auth/switch-project', null, { projectId: X.id })).status).toBe(404);
      expect((await callSidecar(session, 'GET', '/audit', X)).status).toBe(404);
    });

    // erin is in org 2: her Audit page shows her own project's chain, and nothing of org 1.
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('erin', 2);
      await session.goto(PAGES.audit);
      expect(await switcherOptions(page)).toEqual(['Platform']);
      const rows = await waitForAuditRows(page, (r) => r.some((row) => row.action === 'project.registered'));
      for (const text of [X.id, Y.id, xDescription, yDescription, 'Checkout', 'Payments', '501', '502']) {
        expect(mentions(rows, text)).toEqual([]);
      }
      const body = await page.locator('body').innerText();
      expect(body).not.toMatch(/Checkout|Payments/);
      await session.screenshot('audit-other-org');
      session.expectNoConsoleErrors();

      expect((await callSidecar(session, 'POST', '/auth/switch-project', null, { projectId: X.id })).status).toBe(404);
      const audit = await callSidecar(session, 'GET', '/audit', Y);
      expect(audit.status).toBe(404);
      expect(JSON.stringify(audit.body)).not.toContain(yDescription);
    });
  });

  test('a viewer gets the Project page read-only; an admin edits the description and adds a role override', async () => {
    const description = 'Card payments, refunds and payouts';

    // carol is Payments' team Admin: project admin.
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('carol', 1);
      await session.goto(PAGES.project);
      await eventually(() => page.getByTestId(testIds.project.detailName).innerText()).toBe('Payments');
      expect(await page.getByTestId(testIds.project.role).innerText()).toBe('admin');
      const form = page.getByTestId(testIds.project.editForm);
      const save = page.getByTestId(testIds.project.saveButton);
      await form.waitFor();
      await page.getByTestId(testIds.members.addForm).waitFor();
      expect(await save.isDisabled()).toBe(true);

      await page.getByTestId(testIds.project.descriptionInput).fill(description);
      expect(await save.isEnabled()).toBe(true);
      const patched = page.waitForResponse(
        (r) => r.url().endsWith(`${API}/projects/${Y.id}`) && r.request().method() === 'PATCH'
      );
      await save.click();
      expect((await patched).status()).toBe(200);
      await page.getByTestId(testIds.project.saveSuccess).waitFor();
      await eventually(() => page.getByTestId(testIds.project.detailDescription).innerText()).toBe(description);

      // A role override for a user who is not in the team: user 503 as engineer.
      const addForm = page.getByTestId(testIds.members.addForm);
      await addForm.getByTestId(testIds.members.addUserId).fill('503');
      await addForm.getByTestId(testIds.members.addLogin).fill('oncall-contractor');
      await page.getByTestId(testIds.members.addRole).getByRole('radio', { name: 'engineer' }).check();
      await addForm.getByTestId(testIds.members.addSubmit).click();
      const added = page.locator(`[data-testid="${testIds.members.row}"][data-user-id="503"]`);
      await added.waitFor();
      expect(await added.innerText()).toContain('oncall-contractor');
      await eventually(() => addForm.getByTestId(testIds.members.addUserId).inputValue()).toBe('');

      // Both changes are stored: after a reload the page shows them again.
      await page.reload();
      await page.getByTestId(testIds.project.details).waitFor();
      await eventually(() => page.getByTestId(testIds.project.detailDescription).innerText()).toBe(description);
      expect(await page.getByTestId(testIds.project.descriptionInput).inputValue()).toBe(description);
      await added.waitFor();
      expect(
        await added.getByTestId(testIds.members.roleSelect).getByRole('radio', { name: 'engineer' }).isChecked()
      ).toBe(true);
      expect(await added.getByTestId(testIds.members.removeButton).isVisible()).toBe(true);
      await session.waitForQuiet();
      // The overrides sit below the fold, and the page scrolls inside the host's frame: a taller window shows them.
      await page.setViewportSize({ width: 1440, height: 1300 });
      await session.screenshot('project-admin-saved');
      session.expectNoConsoleErrors();
    });

    // grace is a Payments member with org Viewer: project viewer. She sees the same project, and no control to change it.
    await flow(async (session) => {
      const { page } = session;
      await session.signIn('grace', 1);
      await session.goto(PAGES.project);
      await eventually(() => page.getByTestId(testIds.project.detailName).innerText()).toBe('Payments');
      expect(await page.getByTestId(testIds.project.role).innerText()).toBe('viewer');
      expect(await page.getByTestId(testIds.project.detailDescription).innerText()).toBe(description);
      const override = page.locator(`[data-testid="${testIds.members.row}"][data-user-id="503"]`);
      await override.waitFor();
      expect(await override.innerText()).toContain('engineer');
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
        expect(await page.getByTestId(id).count(), id).toBe(0);
      }
      expect(await page.getByTestId(testIds.project.container).getByRole('button').count()).toBe(0);
      await session.screenshot('project-viewer');
      session.expectNoConsoleErrors();

      // The sidecar refuses the same changes from her, whatever the page shows.
      const patch = await callSidecar(session, 'PATCH', `/projects/${Y.id}`, Y, { description: 'by a viewer' });
      expect(patch.status).toBe(403);
      const put = await callSidecar(session, 'PUT', `/projects/${Y.id}/members/8`, Y, { role: 'admin' });
      expect(put.status).toBe(403);
    });
  });
});
