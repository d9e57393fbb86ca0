import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { accounts, login, OwnServer, releaseBuild, waitForServiceWorker } from './helpers';

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
