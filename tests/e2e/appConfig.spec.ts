import { test, expect } from './fixtures';

test('should be possible to save app configuration', async ({ appConfigPage, page }) => {
  const saveButton = page.getByRole('button', { name: /Save settings/i });
  const urlInput = page.getByRole('textbox', { name: /Sidecar URL/i });
  await expect(urlInput).toBeVisible();

  // reset the secret if one is configured (it is when provisioning had SIDECAR_SECRET set)
  const resetButton = page.getByRole('button', { name: /reset/i });
  if (await resetButton.isVisible()) {
    await resetButton.click();
  }

  // enter some valid values
  await page.getByRole('textbox', { name: /Shared secret/i }).fill('e2e-shared-secret');
  await urlInput.clear();
  await urlInput.fill('http://host.docker.internal:8787');

  // listen for the server response on the saved form
  const saveResponse = appConfigPage.waitForSettingsResponse();

  await saveButton.click();
  await expect(saveResponse).toBeOK();
});
