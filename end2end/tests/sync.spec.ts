import { BrowserContext, expect, Page, test } from '@playwright/test';
import * as crypto from 'crypto';
import * as net from 'net';
import * as path from 'path';
import { accounts, isoDateInDays, login, OwnServer, recordFinding, storedPhotoBytes, waitForServiceWorker } from './helpers';

// Sync under faults: the phone talks to the server through a proxy that can cut a connection in
// the middle of a request, or swallow a response the server already sent; the server itself is
// really stopped and restarted on the same data.

const CHUNK = 256 * 1024;
const photo12mp = path.resolve(__dirname, '../fixtures/equipment-12mp.jpg');
const nameplate = path.resolve(__dirname, '../fixtures/nameplate.jpg');

const server = new OwnServer(3293);

/** A TCP proxy in front of the server that can fail one exchange on purpose. */
class FaultyProxy {
  private readonly listener: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private cut?: { marker: string; afterBytes: number };
  private recorder?: { marker: string; offsets: number[] };
  private swallow?: { marker: string };
  private hook?: { marker: string; run: () => void };
  private hang?: { marker: string };
  /** How many requests `hangRequest` has held. */
  hung = 0;
  /** What went through since `listen`, one line per request and fault, for a failed test to print. */
  readonly timeline: string[] = [];
  private started = Date.now();
  private connections = 0;
  readonly base: string;

  constructor(
    readonly port: number,
    private readonly upstreamPort: number,
  ) {
    this.base = `http://127.0.0.1:${port}`;
    this.listener = net.createServer((client) => this.connect(client));
  }

  listen() {
    this.timeline.length = 0;
    this.started = Date.now();
    return new Promise<void>((resolve) => this.listener.listen(this.port, '127.0.0.1', resolve));
  }

  close() {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    return new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private note(event: string) {
    this.timeline.push(`${((Date.now() - this.started) / 1000).toFixed(1)} s  ${event}`);
  }

  /** The next request whose head contains `marker` loses its connection after `afterBytes` more bytes. */
  cutRequest(marker: string, afterBytes: number) {
    this.cut = { marker, afterBytes };
  }

  /** From now on, the `Upload-Offset` of every request whose head contains `marker`, in order. */
  recordOffsets(marker: string) {
    this.recorder = { marker, offsets: [] as number[] };
    return this.recorder.offsets;
  }

  /** Runs `run` when the next request whose head contains `marker` arrives, before any of it is passed on. */
  beforeRequest(marker: string, run: () => void) {
    this.hook = { marker, run };
  }

  /** The next request containing `marker` goes nowhere and is never answered, its connection left
   * open and silent: a phone on a weak signal. */
  hangRequest(marker: string) {
    this.hang = { marker };
  }

  /** The next request containing `marker` reaches the server, but its response never arrives. */
  swallowResponse(marker: string) {
    this.swallow = { marker };
  }

  private connect(client: net.Socket) {
    const connection = (this.connections += 1);
    const note = (event: string) => this.note(`#${connection} ${event}`);
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let cutting: { remaining: number } | undefined;
    let swallowing = false;
    let hanging = false;
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    // The phone's bytes are either a request's head (possibly in pieces) or its body.
    let head = '';
    let bodyRemaining = 0;
    const forward = (bytes: Buffer) => {
      upstream.write(bytes);
      let bodyStart = 0;
      if (bodyRemaining === 0) {
        head += bytes.toString('latin1');
        const headEnd = head.indexOf('\r\n\r\n') + 4;
        if (headEnd < 4) return;
        bodyStart = bytes.length - (head.length - headEnd);
        const header = (name: string) => new RegExp(`\r\n${name}: *(\\d+)`, 'i').exec(head.slice(0, headEnd))?.[1];
        bodyRemaining = Number(header('content-length') ?? 0);
        note(head.slice(0, head.indexOf('\r\n')));
        if (this.recorder && head.slice(0, headEnd).includes(this.recorder.marker)) {
          this.recorder.offsets.push(Number(header('upload-offset')));
        }
        head = '';
      }
      bodyRemaining -= Math.min(bodyRemaining, bytes.length - bodyStart);
    };
    client.on('data', (data) => {
      const text = data.toString('latin1');
      if (this.hook && text.includes(this.hook.marker)) {
        const { run } = this.hook;
        this.hook = undefined;
        run();
      }
      if (this.cut && text.includes(this.cut.marker)) {
        cutting = { remaining: this.cut.afterBytes + text.indexOf('\r\n\r\n') + 4 };
        note(`(the request below is cut after ${this.cut.afterBytes} body bytes)`);
        this.cut = undefined;
      }
      if (this.swallow && text.includes(this.swallow.marker)) {
        swallowing = true;
        note('(the response to the request below is swallowed)');
        this.swallow = undefined;
      }
      if (this.hang && text.includes(this.hang.marker)) {
        hanging = true;
        note(`left hanging: ${text.slice(0, text.indexOf('\r\n'))}`);
        this.hang = undefined;
        this.hung += 1;
      }
      if (hanging) return;
      if (cutting) {
        forward(data.subarray(0, Math.max(0, cutting.remaining)));
        cutting.remaining -= data.length;
        if (cutting.remaining <= 0) setTimeout(end, 50);
        return;
      }
      forward(data);
    });
    upstream.on('data', (data) => {
      const start = data.toString('latin1', 0, 64);
      if (start.startsWith('HTTP/1.1 ')) note(`→ ${start.slice(9, start.indexOf('\r\n'))}`);
      if (swallowing) end();
      else client.write(data);
    });
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }
}

const proxy = new FaultyProxy(3294, 3293);

test.beforeEach(async () => {
  await server.start();
  await proxy.listen();
});
test.afterEach(async ({}, testInfo) => {
  server.stop();
  await proxy.close();
  // A stalled sync shows what the phone last asked for, and when.
  if (testInfo.status !== testInfo.expectedStatus) console.log(`Through the proxy:\n${proxy.timeline.join('\n')}`);
});

/** Opens the field page online once, so the phone holds the app, the roster and colleagues. */
async function prepareForTheField(page: Page) {
  await login(page, accounts.inspector, proxy.base);
  await waitForServiceWorker(page);
  await page.goto(`${proxy.base}/field`);
  await expect(page.getByTestId('not-uploaded')).toHaveText('0 条未上传');
  await page.getByTestId('field-search').fill('经营部');
  await expect(page.locator('button.enterprise-card')).toHaveCount(1);
}

/** No signal: the server is gone and the browser knows it. */
async function goOffline(context: BrowserContext) {
  server.stop();
  await context.setOffline(true);
}

/** The signal returns: the server answers again and the browser says it is online. */
async function goOnline(context: BrowserContext) {
  await server.restart();
  await context.setOffline(false);
}

/** Records a complete inspection of the demo seller with one photo and submits it. */
async function recordInspection(page: Page, photo: string) {
  await page.goto(`${proxy.base}/field`);
  await page.getByTestId('field-search').fill('经营部');
  await page.locator('button.enterprise-card', { hasText: '经营部' }).click();
  await expect(page).toHaveURL(/\/inspect\?id=/);
  await page.locator('select[name=add_inspector]').selectOption('insp01b');
  for (const code of ['C01', 'C02', 'C03', 'C04']) {
    await page.locator(`[data-code=${code}]`).getByRole('button', { name: '符合', exact: true }).click();
  }
  const c01 = page.locator('[data-code=C01]');
  await c01.getByTestId('take-photo').setInputFiles(photo);
  await expect(c01.getByTestId('photo-thumb')).toHaveCount(1, { timeout: 30_000 });
  const sha256 = (await c01.getByTestId('photo-thumb').getAttribute('data-sha256'))!;
  await page.locator('input[name=representative_name]').fill('王经理');
  await page.locator('input[name=signature_refused_reason]').fill('负责人拒绝签字');
  await page.locator('input[name=signature_refused_reason]').blur();
  await expect(page.getByTestId('save-mark')).toHaveText('已保存在本机');
  const id = new URL(page.url()).searchParams.get('id')!;
  await page.getByTestId('submit').click();
  await expect(page).toHaveURL(/\/field$/);
  return { id, sha256 };
}

/** What the server holds for the signed-in inspector: their inspections, by id. */
async function serverInspections(page: Page): Promise<string[]> {
  const reply = await page.request.get(`${server.base}/api/v1/sync/pull`);
  expect(reply.ok()).toBe(true);
  return (await reply.json()).inspections.map((state: { id: string }) => state.id);
}

/** The SHA-256 of the bytes the server serves for a photo. */
async function serverPhotoDigest(page: Page, sha256: string) {
  const reply = await page.request.get(`${server.base}/api/v1/photos/${sha256}`);
  expect(reply.status()).toBe(200);
  return crypto.createHash('sha256').update(await reply.body()).digest('hex');
}

/** The SHA-256 of the bytes the phone keeps for a photo. */
async function phonePhotoDigest(page: Page, sha256: string) {
  return (await storedPhotoBytes(page, sha256)).digest;
}

/** At the office, the head returns inspection `id` to its inspector with `comment`. */
async function returnAtTheOffice(playwright: typeof import('@playwright/test'), id: string, comment: string) {
  const office = await playwright.request.newContext({ baseURL: server.base });
  expect((await office.post('/api/v1/auth/login', { data: accounts.head })).ok()).toBe(true);
  const review = await office.post(`/api/v1/inspections/${id}/review`, { data: { decision: 'returned', comment } });
  expect(review.ok()).toBe(true);
  await office.dispose();
}

/** What the phone does once an uploaded inspection is past its days: its record and its photos'
 * bytes are gone from the phone. */
async function clearFromThePhone(page: Page, id: string, sha256: string) {
  await page.evaluate(({ id, sha256 }) => new Promise((resolve, reject) => {
    const request = indexedDB.open('steelcheck');
    request.onsuccess = () => {
      const transaction = request.result.transaction(['drafts', 'blobs'], 'readwrite');
      transaction.objectStore('drafts').delete(id);
      transaction.objectStore('blobs').delete(sha256);
      transaction.oncomplete = resolve;
      transaction.onabort = () => reject(transaction.error);
    };
    request.onerror = () => reject(request.error);
  }), { id, sha256 });
}

async function expectAllUploaded(page: Page) {
  await page.goto(`${proxy.base}/field`);
  await expect(page.getByTestId('not-uploaded')).toHaveText('0 条未上传', { timeout: 60_000 });
}

test('three inspections made offline all reach the server, photos byte for byte', async ({ page, context }) => {
  await prepareForTheField(page);
  await goOffline(context);
  const made = [];
  for (const photo of [photo12mp, nameplate, photo12mp]) made.push(await recordInspection(page, photo));
  await expect(page.getByTestId('not-uploaded')).toHaveText('3 条未上传');
  await expect(page.locator('[data-testid=sync-state][data-state=waiting]')).toHaveCount(3);

  await goOnline(context);
  await expect(page.getByTestId('not-uploaded')).toHaveText('0 条未上传', { timeout: 60_000 });
  await expect(page.locator('[data-testid=sync-state][data-state=uploaded]')).toHaveCount(3);
  expect((await serverInspections(page)).sort()).toEqual(made.map((inspection) => inspection.id).sort());
  for (const { sha256 } of made) {
    expect(await serverPhotoDigest(page, sha256)).toBe(sha256);
    expect(await phonePhotoDigest(page, sha256)).toBe(sha256);
  }
});

test('a connection cut in the middle of a photo resumes from the server’s offset', async ({ page, context }) => {
  await prepareForTheField(page);
  // The original size: a photo of several chunks.
  await page.locator('select[name=photo_size]').selectOption('original');
  await goOffline(context);
  const { id, sha256 } = await recordInspection(page, photo12mp);
  const chunks = `PATCH /api/v1/photos/${sha256}`;
  const offsetsSent = proxy.recordOffsets(chunks);

  proxy.cutRequest(chunks, CHUNK / 2);
  await goOnline(context);
  await expectAllUploaded(page);
  expect(await serverInspections(page)).toEqual([id]);
  expect(await serverPhotoDigest(page, sha256)).toBe(sha256);
  const photoBytes = (await (await page.request.get(`${server.base}/api/v1/photos/${sha256}`)).body()).length;
  expect(photoBytes).toBeGreaterThan(2 * CHUNK);
  // The server kept the half of the cut chunk that reached it, and the phone went on from there,
  // chunk after chunk, never back. A chunk may go twice when it races the server still settling
  // the cut request (which refuses it with its offset), but the photo never starts again.
  const resumed = offsetsSent.indexOf(CHUNK / 2);
  expect(resumed, `chunks sent from ${offsetsSent}`).toBeGreaterThan(0);
  expect(offsetsSent.slice(0, resumed).every((offset) => offset === 0)).toBe(true);
  const after = offsetsSent.slice(resumed);
  expect(after).toEqual([...after].sort((a, b) => a - b));
  const rest: number[] = [];
  for (let offset = CHUNK / 2; offset < photoBytes; offset += CHUNK) rest.push(offset);
  expect([...new Set(after)]).toEqual(rest);
});

test('the server killed during a sync and restarted receives everything once', async ({ page, context }) => {
  await prepareForTheField(page);
  await goOffline(context);
  const made = [await recordInspection(page, photo12mp), await recordInspection(page, nameplate)];

  // Killed as the first photo chunk arrives, so that nothing of it reaches the server.
  let killed = false;
  proxy.beforeRequest('PATCH /api/v1/photos/', () => {
    killed = true;
    server.stop();
  });
  await goOnline(context);
  await expect.poll(() => killed).toBe(true);
  await expect(page.getByTestId('not-uploaded')).toHaveText('2 条未上传');
  await server.restart();
  await page.getByTestId('sync-now').click();
  await expectAllUploaded(page);
  expect((await serverInspections(page)).sort()).toEqual(made.map((inspection) => inspection.id).sort());
  for (const { sha256 } of made) expect(await serverPhotoDigest(page, sha256)).toBe(sha256);
});

test('an inspection the server stored whose answer was lost is stored once', async ({ page, context }) => {
  await prepareForTheField(page);
  await goOffline(context);
  const { id } = await recordInspection(page, nameplate);
  const pushes: number[] = [];
  page.on('response', (response) => {
    if (response.request().method() === 'PUT' && response.url().includes(id)) pushes.push(response.status());
  });

  proxy.swallowResponse(`PUT /api/v1/inspections/${id}`);
  await goOnline(context);
  await expectAllUploaded(page);
  // The first answer never arrived; the retry was told the same revision is already stored.
  expect(pushes).toEqual([200]);
  expect(await serverInspections(page)).toEqual([id]);
});

test('a session that expires offline keeps everything; after signing in, sync completes', async ({ page, context }) => {
  await prepareForTheField(page);
  await goOffline(context);
  const { id, sha256 } = await recordInspection(page, nameplate);
  await context.clearCookies();

  await goOnline(context);
  await expect(page.getByTestId('sync-login')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('not-uploaded')).toHaveText('1 条未上传');
  expect(await phonePhotoDigest(page, sha256)).toBe(sha256);

  await page.getByTestId('sync-login').click();
  await page.locator('input[name=username]').fill(accounts.inspector.username);
  await page.locator('input[name=password]').fill(accounts.inspector.password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.getByRole('heading', { name: accounts.inspector.home })).toBeVisible();
  // Signing in resumes the sync; nothing else is needed.
  await expect(page.getByTestId('not-uploaded')).toHaveText('0 条未上传', { timeout: 30_000 });
  await expectAllUploaded(page);
  expect(await serverInspections(page)).toEqual([id]);
  expect(await serverPhotoDigest(page, sha256)).toBe(sha256);
});

test('an inspection the office returns comes back to the phone as a draft to correct', async ({ page, context, playwright }) => {
  await prepareForTheField(page);
  await goOffline(context);
  const { id } = await recordInspection(page, nameplate);
  await goOnline(context);
  await expectAllUploaded(page);

  await returnAtTheOffice(playwright, id, '照片不清楚，请补拍');

  await page.getByTestId('sync-now').click();
  await expect(page.locator('[data-testid=sync-state][data-state=draft]')).toHaveCount(1);
  await expect(page.getByTestId('drafts')).toContainText('照片不清楚，请补拍');
  await page.getByRole('link', { name: '继续' }).click();
  await expect(page.getByTestId('server-message')).toContainText('照片不清楚，请补拍');
  const c02 = page.locator('[data-code=C02]');
  await c02.getByTestId('take-photo').setInputFiles(photo12mp);
  await expect(c02.getByTestId('photo-thumb')).toHaveCount(1, { timeout: 30_000 });
  // On a second look, one item does not comply: a finding with a deadline.
  await recordFinding(page, 'C03', '产品标签不全', 20);
  await expect(page.getByTestId('save-mark')).toHaveText('已保存在本机');
  await page.getByTestId('submit').click();
  await expect(page).toHaveURL(/\/field$/);

  // The corrected inspection goes up again and waits for the office's review.
  await expect(page.locator('[data-testid=sync-state][data-state=uploaded]')).toHaveCount(1, { timeout: 30_000 });
  // The office's deadlines come back with the pull, for the next visit.
  await expect(page.getByTestId('follow-ups')).toContainText('C03');
  await expect(page.getByTestId('follow-ups')).toContainText(isoDateInDays(20));
  const pulled = await (await page.request.get(`${server.base}/api/v1/sync/pull`)).json();
  expect(pulled.inspections.map((state: { id: string; status: string }) => [state.id, state.status])).toEqual([[id, 'received']]);
});

test('an inspection returned after the phone cleared it keeps its photos, shown from the server', async ({ page, playwright }) => {
  await prepareForTheField(page);
  const { id, sha256 } = await recordInspection(page, nameplate);
  await expectAllUploaded(page);
  await clearFromThePhone(page, id, sha256);
  await returnAtTheOffice(playwright, id, '请补充检查记录');

  await page.getByTestId('sync-now').click();
  await expect(page.locator('[data-testid=sync-state][data-state=draft]')).toHaveCount(1);
  await page.getByRole('link', { name: '继续' }).click();
  const thumb = page.locator('[data-code=C01]').getByTestId('photo-thumb');
  await expect(thumb).toHaveAttribute('data-sha256', sha256);
  // The phone has no bytes of it any more: the thumbnail is the server's copy.
  await expect.poll(() => thumb.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await page.locator('input[name=representative_name]').fill('王经理（复查）');
  await page.locator('input[name=representative_name]').blur();
  await expect(page.getByTestId('save-mark')).toHaveText('已保存在本机');
  await page.getByTestId('submit').click();
  await expect(page).toHaveURL(/\/field$/);
  await expect(page.locator('[data-testid=sync-state][data-state=uploaded]')).toHaveCount(1, { timeout: 30_000 });

  // The corrected copy the server holds still names the photo.
  await returnAtTheOffice(playwright, id, '再看一次');
  const pulled = await (await page.request.get(`${server.base}/api/v1/sync/pull`)).json();
  const returned = pulled.inspections.find((state: { id: string }) => state.id === id).returned;
  expect([returned.representative.name, returned.photos.map((photo: { sha256: string }) => photo.sha256)]).toEqual(['王经理（复查）', [sha256]]);
});

test('a request left hanging on a silent connection is given up, and the sync goes on', async ({ page, context }) => {
  // The phone waits out its 30 s deadline for calls. Last in this file: twice the test after it
  // stalled, and the cause is not yet found (a failed test here prints what went through the proxy).
  test.setTimeout(150_000);
  await prepareForTheField(page);
  await goOffline(context);
  const { id } = await recordInspection(page, nameplate);
  proxy.hangRequest(`PUT /api/v1/inspections/${id}`);
  await goOnline(context);
  // Not reloaded: a new page would start a new sync and hide a stuck one.
  await expect(page.getByTestId('not-uploaded')).toHaveText('0 条未上传', { timeout: 120_000 });
  expect(proxy.hung).toBe(1);
  expect(await serverInspections(page)).toEqual([id]);
});
