// Field benchmarks (not tests): what a phone downloads on its first visit, as the server sends
// it to a browser that accepts gzip or brotli; how long that first visit takes on a slow
// network; and how long one 12-megapixel photo takes to be downscaled, encoded and hashed in
// headless Chromium. Usage: node scripts/bench-field.mjs <base-url>
import * as http from 'http';
import { createRequire } from 'module';
import * as net from 'net';
import * as path from 'path';

const require = createRequire(path.resolve('end2end/package.json'));
const { chromium } = require('@playwright/test');
const base = process.argv[2] ?? 'http://127.0.0.1:3000';
const photo = path.resolve('end2end/fixtures/equipment-12mp.jpg');
const PHOTOS = 5;
// Issue 3's budget for everything a first visit downloads.
const BUDGET_GZIP = 400 * 1024;

const kb = (bytes) => (bytes / 1024).toFixed(1);

// The bytes that cross the network for `asset` when the browser accepts `encoding`: the body as
// sent, not decoded (which `fetch` would do).
function sentBytes(asset, encoding) {
  return new Promise((resolve, reject) => {
    http
      // A connection of its own, closed after: idle kept-alive sockets in this process upset
      // the timing of the slow-network relay below.
      .get(`${base}${asset}`, { agent: false, headers: { 'Accept-Encoding': encoding } }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve(response.statusCode === 200 ? Buffer.concat(chunks) : null));
      })
      .on('error', reject);
  });
}

async function download(asset) {
  const raw = await sentBytes(asset, 'identity');
  if (!raw) return null;
  const gzip = (await sentBytes(asset, 'gzip')).length;
  const brotli = (await sentBytes(asset, 'br')).length;
  return { raw: raw.length, gzip, brotli, text: raw.toString() };
}

function report(title, files) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  console.log(`${title}:`);
  for (const [name, sizes] of files) {
    for (const key of Object.keys(total)) total[key] += sizes[key];
    console.log(`  ${name}: ${kb(sizes.raw)} KB raw, ${kb(sizes.gzip)} KB gzip, ${kb(sizes.brotli)} KB brotli`);
  }
  console.log(`  total: ${kb(total.raw)} KB raw, ${kb(total.gzip)} KB gzip, ${kb(total.brotli)} KB brotli`);
  return total;
}

// The page and what its head names (CSS, JS, wasm, and the split files this page needs): what
// the phone waits for before the sign-in page works. Then the service worker's offline copy:
// every other page and split file, fetched in the background once the page runs.
async function firstVisit() {
  const page = await download('/login');
  const assets = [...page.text.matchAll(/(?:href|src)="(\/pkg\/[^"]+)"/g)].map((match) => match[1]);
  // The hydration script imports the JS, which fetches the wasm of the same build.
  const wasm = page.text.match(/\/pkg\/[^"']+\.wasm/)?.[0];
  const critical = [['HTML /login', page]];
  const seen = new Set([...assets, wasm].filter(Boolean));
  for (const asset of seen) {
    const sizes = await download(asset);
    if (sizes) critical.push([asset, sizes]);
  }
  report('First visit, before the sign-in page works', critical);

  const worker = (await download('/sw.js')).text;
  const precache = JSON.parse(worker.match(/const PRECACHE = (\[.*\]);/)[1]);
  const background = [];
  // Pages and built files; the icons and the web app manifest are not part of the budget.
  const counted = (file) => file.startsWith('/pkg/') || !file.includes('.');
  for (const asset of precache.filter((file) => counted(file) && !seen.has(file) && file !== '/login')) {
    const sizes = await download(asset);
    if (sizes) background.push([asset, sizes]);
  }
  report("First visit, the service worker's offline copy (in the background)", background);
  const everything = report('First visit, everything', [...critical, ...background]);
  const overBudget = everything.gzip - BUDGET_GZIP;
  console.log(`  budget ${kb(BUDGET_GZIP)} KB gzip: ${overBudget > 0 ? `${kb(overBudget)} KB over` : `${kb(-overBudget)} KB under`}`);

  // The roster's page names its split files in its head; those the worker does not keep ahead
  // are fetched when someone first opens a roster page.
  const roster = (await download('/')).text;
  const onDemand = [];
  for (const [, asset] of roster.matchAll(/href="(\/pkg\/[^"]+\.wasm)"/g)) {
    if (!precache.includes(asset) && !seen.has(asset)) onDemand.push([asset, await download(asset)]);
  }
  report('Later, when a roster page is first opened', onDemand);
}

// A slow mobile network in front of the server ("Slow 3G": 400 ms round trip, 400 kbit/s each
// way), as a TCP relay, so that it slows the service worker's fetches as well as the page's. The
// bandwidth is one link shared by every connection, as on a phone. With `acceptEncoding`, the
// relay rewrites each request's Accept-Encoding to it: Chromium asks for brotli, older phones'
// browsers for gzip only, and `identity` gives the same visit without compression.
async function slowNetwork(target, { roundTripMs = 400, kbitPerSecond = 400, acceptEncoding = null } = {}) {
  const bytesPerMs = kbitPerSecond / 8;
  const down = { freeAt: 0, bytes: 0 };
  const up = { freeAt: 0, bytes: 0 };
  const rewriteEncoding = (chunk) =>
    Buffer.from(chunk.toString('latin1').replace(/\r\naccept-encoding:[^\r]*/gi, `\r\naccept-encoding: ${acceptEncoding}`), 'latin1');
  const relay = (from, to, link, rewrite = (chunk) => chunk) => {
    let lastArrival = 0;
    from.on('data', (received) => {
      const chunk = rewrite(received);
      const now = Date.now();
      link.bytes += chunk.length;
      link.freeAt = Math.max(now, link.freeAt) + chunk.length / bytesPerMs;
      lastArrival = link.freeAt + roundTripMs / 2;
      setTimeout(() => to.write(chunk), lastArrival - now);
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, lastArrival - Date.now())));
    from.on('error', () => to.destroy());
  };
  let requested = new Map();
  const server = net.createServer((phone) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    phone.on('data', (chunk) => {
      for (const [, path] of chunk.toString('latin1').matchAll(/^GET (\S+) HTTP\//gm)) {
        requested.set(path, (requested.get(path) ?? 0) + 1);
      }
    });
    relay(phone, upstream, up, acceptEncoding ? rewriteEncoding : undefined);
    relay(upstream, phone, down);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    // Every byte the phone received, HTTP headers and repeated requests included.
    received: () => down.bytes,
    // The addresses asked for more than once since the last call: a file downloaded twice.
    repeatedRequests: () => {
      const repeated = [...requested].filter(([, count]) => count > 1).map(([path, count]) => `${path} ×${count}`);
      requested = new Map();
      return repeated;
    },
    close: () => server.close(),
  };
}

function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

// A first visit on the slow network, from an empty browser: when the sign-in page answers input
// (the app marks `<html data-hydrated>`), and when the service worker holds the offline copy
// (it activates only once every file is in its cache), in milliseconds; and the bytes the phone
// received by then.
async function slowFirstVisit(network) {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  const started = Date.now();
  const receivedBefore = network.received();
  network.repeatedRequests();
  await page.goto(`${network.url}/login`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 120_000 });
  const usable = Date.now() - started;
  await page.evaluate(() => Promise.race([
    navigator.serviceWorker.ready,
    new Promise((_, fail) => setTimeout(() => fail(new Error('no active service worker after 5 minutes')), 300_000)),
  ]).then(() => true));
  const offline = Date.now() - started;
  const received = network.received() - receivedBefore;
  const repeated = network.repeatedRequests();
  await browser.close();
  return { usable, offline, received, repeated };
}

async function slowFirstVisits(runs = 3) {
  console.log(`First visit on a slow network (400 ms round trip, 400 kbit/s), empty browser, median of ${runs}:`);
  const encodings = {
    'as Chromium asks (brotli)': null,
    'gzip only (Accept-Encoding: gzip)': 'gzip',
    'without compression (Accept-Encoding: identity)': 'identity',
  };
  for (const [title, acceptEncoding] of Object.entries(encodings)) {
    const network = await slowNetwork(new URL(base), { acceptEncoding });
    const visits = [];
    for (let run = 0; run < runs; run++) visits.push(await slowFirstVisit(network));
    network.close();
    const seconds = (key) => {
      const times = visits.map((visit) => visit[key]).sort((a, b) => a - b);
      const s = (ms) => (ms / 1000).toFixed(1);
      return `${s(times[Math.floor(runs / 2)])} s (${s(times[0])}–${s(times[runs - 1])} s)`;
    };
    console.log(`  ${title}:`);
    console.log(`    sign-in page answers input after ${seconds('usable')}`);
    console.log(`    offline copy complete (service worker active) after ${seconds('offline')}`);
    const received = visits.map((visit) => kb(visit.received)).join(', ');
    console.log(`    received by then, headers and every request included: ${received} KB`);
    const repeated = [...new Set(visits.flatMap((visit) => visit.repeated))];
    console.log(`    asked for more than once: ${repeated.length ? repeated.join(', ') : 'nothing'}`);
  }
}

async function photoTimes() {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  const stored = [];
  page.on('pageerror', (error) => console.error('page error:', error.message));
  page.on('console', (message) => {
    if (process.env.BENCH_DEBUG) console.error('console:', message.text().slice(0, 200));
    const found = message.text().match(/photo stored: (\d+) -> (\d+) bytes, (\d+)x(\d+), (\d+) ms/);
    if (found) stored.push(found.slice(1).map(Number));
  });
  await page.goto(`${base}/login`);
  // Typed before hydration, the name would be wiped by it.
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.locator('input[name=username]').fill('insp01a');
  await page.locator('input[name=password]').fill('demo-inspector');
  await page.locator('button[type=submit]').click();
  // Inspectors land in the field.
  await page.waitForURL(`${base}/field`);
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
await slowFirstVisits();
await photoTimes();
