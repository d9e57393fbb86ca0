import { ChildProcess, spawn } from 'child_process';
import { expect, Page } from '@playwright/test';
import * as os from 'os';
import * as path from 'path';

/** Demo accounts that `steelcheck serve --demo` creates (server/demo/accounts.csv). */
export const accounts = {
  taskforce: { username: 'zhuanban', password: 'demo-taskforce' },
  head: { username: 'head01', password: 'demo-head' },
  /** Tests that change data use the second office, so the first keeps its six demo enterprises. */
  otherHead: { username: 'head02', password: 'demo-head' },
  inspector: { username: 'insp01a', password: 'demo-inspector' },
};

/** Signs in through the login page and waits for the roster. */
export async function login(page: Page, who: { username: string; password: string }) {
  await page.goto('/login');
  await page.locator('input[name=username]').fill(who.username);
  await page.locator('input[name=password]').fill(who.password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('heading', { name: '企业名录' })).toBeVisible();
}

/** Phones are 360 px wide and used with one thumb: nothing may scroll sideways. */
export async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

const repoRoot = path.resolve(__dirname, '../..');

/**
 * A server of a test's own, on fresh demo data, that the test can really stop: Playwright's
 * offline mode does not cover the service worker's own requests.
 */
export class OwnServer {
  private process?: ChildProcess;
  readonly base: string;

  constructor(private readonly port: number) {
    this.base = `http://127.0.0.1:${port}`;
  }

  async start() {
    const binary = process.env.STEELCHECK_BIN ?? path.join(repoRoot, 'target/release/steelcheck');
    const dataDir = path.join(os.tmpdir(), `steelcheck-e2e-${this.port}-${process.pid}-${Date.now()}`);
    this.process = spawn(binary, ['serve', '--demo', '--data-dir', dataDir, '--addr', `127.0.0.1:${this.port}`], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: '' },
      stdio: 'ignore',
    });
    for (let attempt = 0; attempt < 150; attempt++) {
      try {
        if ((await fetch(`${this.base}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the server did not start');
  }

  stop() {
    this.process?.kill('SIGKILL');
    this.process = undefined;
  }
}

/** Waits until the service worker has cached this build and controls the page. */
export async function waitForServiceWorker(page: Page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
    }
  });
}
