import { ChildProcess, spawn } from 'child_process';
import { expect, test } from '@playwright/test';
import * as os from 'os';
import * as path from 'path';
import { accounts } from './helpers';

// This spec runs a server of its own so that it can really stop it: Playwright's offline mode
// does not cover the service worker's own requests.
const port = 3290;
const base = `http://127.0.0.1:${port}`;
const repoRoot = path.resolve(__dirname, '../..');
const binary = process.env.STEELCHECK_BIN ?? path.join(repoRoot, 'target/release/steelcheck');

let server: ChildProcess | undefined;

async function startServer(dataDir: string) {
  server = spawn(binary, ['serve', '--demo', '--data-dir', dataDir, '--addr', `127.0.0.1:${port}`], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '' },
    stdio: 'ignore',
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the server did not start');
}

function stopServer() {
  server?.kill('SIGKILL');
  server = undefined;
}

test.afterEach(stopServer);

test('with the server gone, the app shell still starts, reloads and navigates', async ({ page }) => {
  await startServer(path.join(os.tmpdir(), `steelcheck-offline-${process.pid}-${Date.now()}`));
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(`${base}/login`);
  await page.locator('input[name=username]').fill(accounts.head.username);
  await page.locator('input[name=password]').fill(accounts.head.password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('heading', { name: '企业名录' })).toBeVisible();
  // The service worker has installed this build's files and controls the page.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
    }
  });

  stopServer();
  await page.reload();
  await expect(page.getByRole('heading', { name: '企业名录' })).toBeVisible();
  // Hydrated, not just painted: the language switch works.
  await page.getByRole('button', { name: 'EN' }).click();
  await expect(page.getByRole('heading', { name: 'Enterprise roster' })).toBeVisible();

  // A page never visited online comes from the install-time cache.
  await page.goto(`${base}/login`);
  await expect(page.locator('input[name=username]')).toBeVisible();
  expect(errors).toEqual([]);
});
