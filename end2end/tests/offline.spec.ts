import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { accounts, login, OwnServer, releaseBuild, waitForServiceWorker } from './helpers';

const server = new OwnServer(3290);
test.afterEach(() => server.stop());

test('with the server gone, the app shell still starts, reloads and navigates', async ({ page }) => {
  await server.start();
  const errors: string[] = [];
  page.on('pageerror', (error) => {
    // With no network, the split loader's fetch of a part can fail before the loader awaits it
    // (it first waits for the file both parts share), and the browser reports that failure as
    // unhandled. The loader still hands the failure to the app, which says what the test checks.
    if (error.message === 'Failed to fetch' && error.stack?.includes('/pkg/__wasm_split.')) return;
    errors.push(error.message);
  });

  await login(page, accounts.inspector, server.base);
  await waitForServiceWorker(page);

  server.stop();
  await page.reload();
  await expect(page.getByRole('heading', { name: '现场检查' })).toBeVisible();
  // Hydrated, not just painted: the language switch works.
  await page.getByRole('button', { name: 'EN' }).click();
  await expect(page.getByRole('heading', { name: 'Field inspection' })).toBeVisible();
  await page.getByRole('button', { name: '中文' }).click();

  // The roster reads the server, so the phone does not keep its code ahead: with no network its
  // page says so, and the way back to the field works.
  await page.getByRole('link', { name: '企业名录' }).click();
  await expect(page.getByTestId('needs-network')).toContainText('此页面需要网络');
  await page.getByRole('link', { name: '前往现场检查' }).click();
  await expect(page.getByRole('heading', { name: '现场检查' })).toBeVisible();

  // A page never visited online comes from the install-time cache.
  await page.goto(`${server.base}/login`);
  await expect(page.locator('input[name=username]')).toBeVisible();

  // Loaded afresh, the roster says the same; once the server is back, trying again opens it.
  await page.goto(`${server.base}/`);
  await expect(page.getByTestId('needs-network')).toBeVisible();
  await server.restart();
  await page.getByRole('button', { name: '重试' }).click();
  await expect(page.getByRole('heading', { name: '企业名录' })).toBeVisible();
  await expect(page.getByTestId('roster-total')).toHaveText('共 6 家企业');
  expect(errors).toEqual([]);
});

test('the app files go to the phone as the build compressed them, brotli or gzip', async ({ request }) => {
  const worker = await (await request.get('/sw.js')).text();
  const built = (JSON.parse(worker.match(/const PRECACHE = (\[.*\]);/)![1]) as string[]).filter((file) =>
    /^\/pkg\/.*\.(js|wasm|css)$/.test(file),
  );
  expect(built.filter((file) => file.endsWith('.wasm')).length).toBeGreaterThan(1);
  const onDisk = (file: string) => fs.statSync(path.join(releaseBuild.siteRoot, file)).size;
  for (const [accepted, sent, suffix] of [['br, gzip', 'br', '.br'], ['gzip', 'gzip', '.gz'], ['identity', undefined, '']]) {
    for (const file of built) {
      const response = await request.get(file, { headers: { 'Accept-Encoding': accepted! } });
      expect(response.ok(), file).toBe(true);
      expect(response.headers()['content-encoding'], `${file} for ${accepted}`).toBe(sent);
      // The copy the release build wrote (brotli at its best level), not one made per request.
      expect(Number(response.headers()['content-length']), `${file} for ${accepted}`).toBe(onDisk(file + suffix));
      if (file.endsWith('.wasm')) expect((await response.body()).subarray(0, 4).toString('latin1')).toBe('\0asm');
    }
  }
});
