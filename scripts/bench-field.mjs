// Field benchmarks (not tests): what a phone downloads on its first visit, compressed as a
// server or CDN would send it, and how long one 12-megapixel photo takes to be downscaled, encoded
// and hashed in headless Chromium. Usage: node scripts/bench-field.mjs <base-url>
import { createRequire } from 'module';
import * as path from 'path';
import * as zlib from 'zlib';

const require = createRequire(path.resolve('end2end/package.json'));
const { chromium } = require('@playwright/test');
const base = process.argv[2] ?? 'http://127.0.0.1:3000';
const photo = path.resolve('end2end/fixtures/equipment-12mp.jpg');
const PHOTOS = 5;

const kb = (bytes) => (bytes / 1024).toFixed(1);

async function download(asset) {
  const response = await fetch(`${base}${asset}`);
  return response.ok ? Buffer.from(await response.arrayBuffer()) : null;
}

function report(title, files) {
  let total = { raw: 0, gzip: 0, brotli: 0 };
  console.log(`${title}:`);
  for (const [name, bytes] of files) {
    const gzip = zlib.gzipSync(bytes, { level: 9 }).length;
    const brotli = zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    total = { raw: total.raw + bytes.length, gzip: total.gzip + gzip, brotli: total.brotli + brotli };
    console.log(`  ${name}: ${kb(bytes.length)} KB raw, ${kb(gzip)} KB gzip, ${kb(brotli)} KB brotli`);
  }
  console.log(`  total: ${kb(total.raw)} KB raw, ${kb(total.gzip)} KB gzip, ${kb(total.brotli)} KB brotli`);
}

// The page and what its head names (CSS, JS, wasm, and the split files this page needs): what
// the phone waits for before the sign-in page works. Then the service worker's offline copy:
// every other page and split file, fetched in the background once the page runs.
async function firstVisit() {
  const html = await (await fetch(`${base}/login`)).text();
  const assets = [...html.matchAll(/(?:href|src)="(\/pkg\/[^"]+)"/g)].map((match) => match[1]);
  // The hydration script imports the JS, which fetches the wasm of the same build.
  const wasm = html.match(/\/pkg\/[^"']+\.wasm/)?.[0];
  const critical = [['HTML /login', Buffer.from(html)]];
  const seen = new Set([...assets, wasm].filter(Boolean));
  for (const asset of seen) {
    const bytes = await download(asset);
    if (bytes) critical.push([asset, bytes]);
  }
  report('First visit, before the sign-in page works', critical);

  const worker = await (await fetch(`${base}/sw.js`)).text();
  const precache = JSON.parse(worker.match(/const PRECACHE = (\[.*\]);/)[1]);
  const background = [];
  // Pages and built files; the icons and the web app manifest are not part of the budget.
  const counted = (file) => file.startsWith('/pkg/') || !file.includes('.');
  for (const asset of precache.filter((file) => counted(file) && !seen.has(file) && file !== '/login')) {
    const bytes = await download(asset);
    if (bytes) background.push([asset, bytes]);
  }
  report("First visit, the service worker's offline copy (in the background)", background);
  report('First visit, everything', [...critical, ...background]);
}

async function photoTimes() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  const stored = [];
  page.on('pageerror', (error) => console.error('page error:', error.message));
  page.on('console', (message) => {
    if (process.env.BENCH_DEBUG) console.error('console:', message.text().slice(0, 200));
    const found = message.text().match(/photo stored: (\d+) -> (\d+) bytes, (\d+)x(\d+), (\d+) ms/);
    if (found) stored.push(found.slice(1).map(Number));
  });
  await page.goto(`${base}/login`);
  await page.locator('input[name=username]').fill('insp01a');
  await page.locator('input[name=password]').fill('demo-inspector');
  await page.locator('button[type=submit]').click();
  await page.waitForURL(`${base}/`);
  await page.goto(`${base}/field`);
  await page.getByTestId('field-search').fill('经营部');
  await page.locator('button.enterprise-card').first().click();
  await page.waitForURL(/inspect/);
  // The form appears once the draft is read from the phone's store and the page has hydrated.
  await page.locator('[data-code=C01] .answer').first().waitFor();
  const input = page.locator('[data-code=C01]').getByTestId('take-photo');
  for (let taken = 1; taken <= PHOTOS; taken++) {
    await input.setInputFiles(photo);
    // The same bytes give the same hash (one evidence card), so count what the app reports.
    while (stored.length < taken) await page.waitForTimeout(50);
  }
  await browser.close();
  const times = stored.map((entry) => entry[4]).sort((a, b) => a - b);
  const [before, after, width, height] = stored[0];
  console.log(`12-megapixel photo (${PHOTOS} runs, headless Chromium, decode + orient + downscale + JPEG 0.8 + SHA-256 + store):`);
  console.log(`  median ${times[Math.floor(times.length / 2)]} ms, min ${times[0]} ms, max ${times[times.length - 1]} ms`);
  console.log(`  bytes ${before} -> ${after} (${((100 * after) / before).toFixed(0)}%), ${width}x${height}`);
}

await firstVisit();
await photoTimes();
