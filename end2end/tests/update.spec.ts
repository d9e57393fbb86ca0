import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { accounts, login, Build, OwnServer, releaseBuild, waitForServiceWorker } from './helpers';

const server = new OwnServer(3292);
test.afterEach(() => server.stop());

/**
 * A second build of the app, as a deployment would bring: the same code under new content
 * hashes. The binary is copied beside a `hash.txt` naming the new hashes (the server reads it
 * from beside itself), and the site folder holds the files under their new names, each
 * naming the others by their new names.
 */
function nextBuild(): { build: Build; hashes: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steelcheck-next-build-'));
  const hashes = readHashes(path.join(path.dirname(releaseBuild.binary), 'hash.txt'));
  const siteRoot = path.join(dir, 'site');
  fs.cpSync(releaseBuild.siteRoot, siteRoot, { recursive: true });
  const pkg = path.join(siteRoot, 'pkg');
  // The split loader imports the main module, so it is renamed too, as a real build does.
  const fileNames: Record<string, (hash: string) => string> = {
    js: (hash) => `steelcheck.${hash}.js`,
    wasm: (hash) => `steelcheck.${hash}.wasm`,
    css: (hash) => `steelcheck.${hash}.css`,
    split: (hash) => `__wasm_split.${hash}.js`,
  };
  const renamed: [string, string][] = [];
  for (const [kind, fileName] of Object.entries(fileNames)) {
    const newHash = `${hashes[kind].slice(0, -4)}beef`;
    renamed.push([fileName(hashes[kind]), fileName(newHash)]);
    fs.renameSync(path.join(pkg, fileName(hashes[kind])), path.join(pkg, fileName(newHash)));
    hashes[kind] = newHash;
  }
  // The main wasm names the split loader as its import module: new names keep the old length,
  // so the bytes can be rewritten in place, as cargo-leptos does.
  for (const file of fs.readdirSync(pkg).filter((name) => /\.(js|wasm)$/.test(name))) {
    const bytes = fs.readFileSync(path.join(pkg, file));
    for (const [from, to] of renamed) {
      for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) bytes.write(to, at);
    }
    fs.writeFileSync(path.join(pkg, file), bytes);
  }
  // And its compressed copies, which the server prefers, are written anew from those bytes.
  for (const file of fs.readdirSync(pkg)) {
    if (/\.(br|gz)$/.test(file)) fs.rmSync(path.join(pkg, file));
  }
  for (const file of fs.readdirSync(pkg).filter((name) => /\.(js|wasm|css)$/.test(name))) {
    const bytes = fs.readFileSync(path.join(pkg, file));
    fs.writeFileSync(path.join(pkg, `${file}.gz`), zlib.gzipSync(bytes));
    fs.writeFileSync(path.join(pkg, `${file}.br`), zlib.brotliCompressSync(bytes));
  }
  const binary = path.join(dir, 'steelcheck');
  fs.copyFileSync(releaseBuild.binary, binary);
  fs.chmodSync(binary, 0o755);
  fs.writeFileSync(
    path.join(dir, 'hash.txt'),
    Object.entries(hashes)
      .map(([kind, hash]) => `${kind}: ${hash}\n`)
      .join(''),
  );
  return { build: { binary, siteRoot }, hashes };
}

function readHashes(file: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [kind, hash] = line.split(':').map((part) => part.trim());
    if (kind && hash) hashes[kind] = hash;
  }
  return hashes;
}

test('a new build replaces the cached app cleanly, online and then offline', async ({ page }) => {
  const next = nextBuild();
  await server.start();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('Failed to load resource')) errors.push(message.text());
  });

  await login(page, accounts.inspector, server.base);
  await waitForServiceWorker(page);
  const [oldCache] = await page.evaluate(() => caches.keys());

  // The new build is deployed; the inspector opens the app again.
  await server.restart(next.build);
  await page.goto(`${server.base}/field`);
  await expect
    .poll(() => page.evaluate(() => caches.keys()), { timeout: 30_000 })
    .toEqual([expect.stringContaining(next.hashes.wasm)]);
  expect(oldCache).not.toContain(next.hashes.wasm);

  // The page runs the new build's files, hydrated: the language switch works.
  await page.reload();
  // The hydration script imports the JS, which fetches the wasm: both may come after `load`.
  const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name));
  await expect
    .poll(async () => (await loaded()).filter((url) => url.includes('/pkg/')))
    .toEqual(expect.arrayContaining([expect.stringContaining(`${next.hashes.wasm}.wasm`), expect.stringContaining(`${next.hashes.js}.js`)]));
  await page.getByRole('button', { name: 'EN' }).click();
  await expect(page.getByRole('heading', { name: 'Field inspection' })).toBeVisible();
  await page.getByRole('button', { name: '中文' }).click();

  // Offline, the new build starts from the new cache.
  server.stop();
  await page.reload();
  await expect(page.getByTestId('field-search')).toBeVisible();
  await page.getByRole('button', { name: 'EN' }).click();
  await expect(page.getByRole('heading', { name: 'Field inspection' })).toBeVisible();
  expect(errors).toEqual([]);
});
