import { expect, test } from '@playwright/test';
import { accounts, login, OwnServer, waitForServiceWorker } from './helpers';

const server = new OwnServer(3290);
test.afterEach(() => server.stop());

test('with the server gone, the app shell still starts, reloads and navigates', async ({ page }) => {
  await server.start();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await login(page, accounts.head, server.base);
  await waitForServiceWorker(page);

  server.stop();
  await page.reload();
  await expect(page.getByRole('heading', { name: '企业名录' })).toBeVisible();
  // Hydrated, not just painted: the language switch works.
  await page.getByRole('button', { name: 'EN' }).click();
  await expect(page.getByRole('heading', { name: 'Enterprise roster' })).toBeVisible();

  // A page never visited online comes from the install-time cache.
  await page.goto(`${server.base}/login`);
  await expect(page.locator('input[name=username]')).toBeVisible();
  expect(errors).toEqual([]);
});
