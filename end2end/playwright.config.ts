import { defineConfig, devices } from '@playwright/test';
import * as os from 'os';
import * as path from 'path';
import { freshDatabaseUrl } from './database';

// The tests drive the release build of the real server, started fresh on demo data: on SQLite, or
// on PostgreSQL when STEELCHECK_E2E_POSTGRES names a server (see database.ts).
const port = Number(process.env.STEELCHECK_E2E_PORT ?? 3210);
const repoRoot = path.resolve(__dirname, '..');
const binary = process.env.STEELCHECK_BIN ?? path.join(repoRoot, 'target/release/steelcheck');
const siteRoot = process.env.LEPTOS_SITE_ROOT ?? path.join(repoRoot, 'target/site');
const dataDir = path.join(os.tmpdir(), `steelcheck-e2e-${process.pid}`);
// Made once, in the runner; its workers read this configuration again and inherit the variable.
process.env.STEELCHECK_E2E_DATABASE_URL ??= freshDatabaseUrl('main');

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    ...devices['Pixel 5'],
    viewport: { width: 360, height: 740 },
    browserName: 'chromium',
    locale: 'zh-CN',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run'],
    },
  },
  webServer: {
    command: `rm -rf "${dataDir}" && "${binary}" serve --demo --data-dir "${dataDir}" --addr 127.0.0.1:${port}`,
    cwd: repoRoot,
    env: { LEPTOS_SITE_ROOT: siteRoot, DATABASE_URL: process.env.STEELCHECK_E2E_DATABASE_URL },
    url: `http://127.0.0.1:${port}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
  },
});
