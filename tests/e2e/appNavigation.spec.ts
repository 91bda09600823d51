import { test, expect } from './fixtures';
import { ROUTES } from '../../src/constants';
import { testIds } from '../../src/components/testIds';

test.describe('navigating app', () => {
  test('the default page, Incidents, should render successfully', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Incidents}`);
    await expect(page.getByTestId(testIds.incidents.container)).toBeVisible();
  });

  test('page Home should render successfully', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Home}`);
    await expect(page.getByRole('heading', { level: 1, name: 'SRE Copilot' })).toBeVisible();
    await expect(page.getByTestId(testIds.home.container)).toContainText('related alerts open and update incidents');
  });
});
