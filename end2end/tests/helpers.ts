import { ChildProcess, spawn } from 'child_process';
import { expect, Page } from '@playwright/test';
import * as crypto from 'crypto';
import * as os from 'os';
import * as path from 'path';
import { freshDatabaseUrl } from '../database';

/** Demo accounts that `steelcheck serve --demo` creates (server/demo/accounts.csv), with the
 * heading of the page each lands on after signing in. */
export const accounts = {
  taskforce: { username: 'zhuanban', password: 'demo-taskforce', home: '企业名录' },
  head: { username: 'head01', password: 'demo-head', home: '企业名录' },
  /** Tests that change data use the second office, so the first keeps its six demo enterprises. */
  otherHead: { username: 'head02', password: 'demo-head', home: '企业名录' },
  /** Inspectors start in the field. */
  inspector: { username: 'insp01a', password: 'demo-inspector', home: '现场检查' },
};

type Account = (typeof accounts)[keyof typeof accounts];

/** Signs in through the login page (of the server at `base`, the test's own by default) and
 * waits for the page the account lands on. */
export async function login(page: Page, who: Account, base = '') {
  await page.goto(`${base}/login`);
  // Typed before hydration, the fields would be reset by it.
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.locator('input[name=username]').fill(who.username);
  await page.locator('input[name=password]').fill(who.password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('heading', { name: who.home })).toBeVisible();
}

/** The date `days` from today, as a date input takes it. */
export function isoDateInDays(days: number) {
  const date = new Date(Date.now() + days * 86_400_000);
  return date.toISOString().slice(0, 10);
}

/** Answers item `code` "does not comply" and records its finding: an order to rectify within
 * `days`. */
export async function recordFinding(page: Page, code: string, description: string, days: number) {
  const item = page.locator(`[data-code=${code}]`);
  await item.getByRole('button', { name: '不符合' }).click();
  await item.locator('textarea[name=description]').fill(description);
  await item.getByLabel('责令限期改正').check();
  await item.locator('input[name=deadline]').fill(isoDateInDays(days));
  await item.locator('input[name=deadline]').blur();
}

/** Phones are 360 px wide and used with one thumb: nothing may scroll sideways. */
export async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

const repoRoot = path.resolve(__dirname, '../..');

/** Which build a server runs: the release binary (with its `hash.txt`) and its site folder. */
export interface Build {
  binary: string;
  siteRoot: string;
}

export const releaseBuild: Build = {
  binary: process.env.STEELCHECK_BIN ?? path.join(repoRoot, 'target/release/steelcheck'),
  siteRoot: process.env.LEPTOS_SITE_ROOT ?? path.join(repoRoot, 'target/site'),
};

/**
 * A server of a test's own, on fresh demo data, that the test can really stop: Playwright's
 * offline mode does not cover the service worker's own requests. `restart` keeps the data, as a
 * crashed server that comes back would.
 */
export class OwnServer {
  private process?: ChildProcess;
  private dataDir = '';
  private databaseUrl = '';
  private exited: Promise<unknown> = Promise.resolve();
  readonly base: string;

  constructor(private readonly port: number) {
    this.base = `http://127.0.0.1:${port}`;
  }

  /** Starts on fresh demo data. */
  async start(build: Build = releaseBuild) {
    // The last test's server may still hold the port.
    this.stop();
    await this.exited;
    this.dataDir = path.join(os.tmpdir(), `steelcheck-e2e-${this.port}-${process.pid}-${Date.now()}`);
    this.databaseUrl = freshDatabaseUrl(String(this.port));
    await this.run(build);
  }

  /** Starts again on the data of the last start, possibly with another build. */
  async restart(build: Build = releaseBuild) {
    this.stop();
    // The port is free only once the killed process is gone.
    await this.exited;
    await this.run(build);
  }

  private async run(build: Build) {
    this.process = spawn(build.binary, ['serve', '--demo', '--data-dir', this.dataDir, '--addr', `127.0.0.1:${this.port}`], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: this.databaseUrl, LEPTOS_SITE_ROOT: build.siteRoot },
      stdio: 'ignore',
    });
    const started = this.process;
    for (let attempt = 0; attempt < 150; attempt++) {
      // Another process answering on the port must not pass for this one.
      if (started.exitCode !== null) throw new Error(`the server exited while starting (${started.exitCode})`);
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
    const running = this.process;
    if (!running) return;
    this.exited = new Promise((resolve) => {
      if (running.exitCode !== null || running.signalCode !== null) resolve(undefined);
      else running.once('exit', resolve);
    });
    running.kill('SIGKILL');
    this.process = undefined;
  }
}

/** A record of the phone's IndexedDB store as it is kept there: `json` text, or photo `bytes`
 * (returned as base64, with whether they were stored as an ArrayBuffer and their media type). */
export async function storedRecord(page: Page, store: string, id: string) {
  return page.evaluate(
    async ({ store, id }) => {
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const request = indexedDB.open('steelcheck');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const record: any = await new Promise((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).get(id);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const bytes: ArrayBuffer | undefined = record.bytes;
      let base64: string | undefined;
      if (bytes) {
        const view = new Uint8Array(bytes);
        let binary = '';
        for (let start = 0; start < view.length; start += 0x8000) {
          binary += String.fromCharCode(...view.subarray(start, start + 0x8000));
        }
        base64 = btoa(binary);
      }
      return { json: record.json as string | undefined, type: record.type as string | undefined, base64, isArrayBuffer: bytes instanceof ArrayBuffer };
    },
    { store, id },
  );
}

/** The bytes the phone keeps for a photo, and their SHA-256. */
export async function storedPhotoBytes(page: Page, sha256: string) {
  const record = await storedRecord(page, 'blobs', sha256);
  const bytes = Buffer.from(record.base64 ?? '', 'base64');
  return { ...record, bytes, digest: crypto.createHash('sha256').update(bytes).digest('hex') };
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
