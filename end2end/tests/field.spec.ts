import { expect, Locator, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { accounts, login, expectNoHorizontalScroll, recordFinding, OwnServer, storedPhotoBytes, storedRecord, waitForServiceWorker } from './helpers';

const photo12mp = path.resolve(__dirname, '../fixtures/equipment-12mp.jpg');

const server = new OwnServer(3291);
test.afterEach(() => server.stop());

// The inspector lets the phone tell where photos are taken: a steel plant in Xialu, Huangshi.
const plant = { latitude: 30.2125, longitude: 115.0378 };
test.use({ geolocation: plant, permissions: ['geolocation'] });

/** Draws a stroke on the signature pad the way a finger would. */
async function sign(page: Page) {
  const pad = page.getByTestId('signature-pad');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  await page.mouse.move(box.x + 20, box.y + box.height / 2);
  await page.mouse.down();
  for (let step = 1; step <= 10; step++) {
    await page.mouse.move(box.x + 20 + step * 25, box.y + box.height / 2 + (step % 2 ? 15 : -15));
  }
  await page.mouse.up();
}

/** The draft as IndexedDB holds it, parsed. */
async function storedDraft(page: Page, id: string) {
  return JSON.parse((await storedRecord(page, 'drafts', id)).json!);
}

/** How many records the phone's store `store` holds under `key`: 0 or 1. */
async function recordsUnder(page: Page, store: string, key: string) {
  return page.evaluate(({ store, key }) => new Promise<number>((resolve, reject) => {
    const request = indexedDB.open('steelcheck');
    request.onsuccess = () => {
      const count = request.result.transaction(store).objectStore(store).count(key);
      count.onsuccess = () => resolve(count.result);
      count.onerror = () => reject(count.error);
    };
    request.onerror = () => reject(request.error);
  }), { store, key });
}

/** The record IndexedDB holds for a photo, re-hashed, and its decoded size. */
async function storedPhoto(page: Page, sha256: string) {
  const record = await storedPhotoBytes(page, sha256);
  const [width, height] = await page.evaluate(async ({ base64, type }) => {
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type }));
    return [bitmap.width, bitmap.height];
  }, { base64: record.base64!, type: record.type! });
  return { digest: record.digest, isArrayBuffer: record.isArrayBuffer, type: record.type, size: record.bytes.length, width, height };
}


test('an inspection is recorded, kept across reloads and submitted with no network', async ({ page, context }) => {
  await server.start();
  await login(page, accounts.inspector, server.base);
  await waitForServiceWorker(page);

  // Online once: the phone takes its copy of the office roster and colleagues.
  await page.goto(`${server.base}/field`);
  await expect(page.getByTestId('not-uploaded')).toHaveText('0 条未上传');
  await page.getByTestId('field-search').fill('经营部');
  await expect(page.locator('button.enterprise-card')).toHaveCount(1);

  // Then the signal goes.
  server.stop();
  await page.reload();
  await page.getByTestId('field-search').fill('经营部');
  await page.locator('button.enterprise-card', { hasText: '经营部' }).click();
  await expect(page).toHaveURL(/\/inspect\?id=/);
  await expect(page.getByRole('heading', { name: '黄石市下陆区示例钢材经营部' })).toBeVisible();
  await expectNoHorizontalScroll(page);

  // Submitting too early lists what is missing.
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('problems')).toContainText('执法人员');

  await page.locator('select[name=add_inspector]').selectOption('insp01b');
  for (const code of ['C01', 'C02', 'C04']) {
    await page.locator(`[data-code=${code}]`).getByRole('button', { name: '符合', exact: true }).click();
  }
  await recordFinding(page, 'C03', '销售无生产许可证的热轧带肋钢筋', 30);
  const c03 = page.locator('[data-code=C03]');

  // A real 12-megapixel photo, taken upright (EXIF rotation): downscaled to 2048 px on the long
  // edge with the rotation applied, hashed, stored as bytes.
  await c03.getByTestId('take-photo').setInputFiles(photo12mp);
  const thumb = c03.getByTestId('photo-thumb');
  await expect(thumb).toHaveCount(1, { timeout: 30_000 });
  const sha256 = (await thumb.getAttribute('data-sha256'))!;
  await expect(thumb).toContainText(sha256.slice(0, 8));
  const stored = await storedPhoto(page, sha256);
  expect(stored.digest).toBe(sha256);
  expect(stored.isArrayBuffer).toBe(true);
  expect(stored.type).toBe('image/jpeg');
  expect([stored.width, stored.height]).toEqual([1536, 2048]);
  expect(stored.size).toBeLessThan(fs.statSync(photo12mp).size);
  // Where and when it was taken travel with the photo.
  const draftId = new URL(page.url()).searchParams.get('id')!;
  const [recorded] = (await storedDraft(page, draftId)).photos;
  expect(recorded.sha256).toBe(sha256);
  expect(recorded.location.lat).toBeCloseTo(plant.latitude, 4);
  expect(recorded.location.lng).toBeCloseTo(plant.longitude, 4);
  expect(Math.abs(Date.parse(recorded.taken_at) - Date.now())).toBeLessThan(120_000);

  // A file that is not a photo gets a clear message, and nothing else changes.
  await c03.getByTestId('take-photo').setInputFiles({ name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a jpeg') });
  await expect(c03.getByRole('alert')).toContainText('这张照片无法读取');
  await expect(c03.getByTestId('photo-thumb')).toHaveCount(1);

  // A second photo, opened full screen and deleted after confirming.
  await c03.getByTestId('take-photo').setInputFiles(photo12mp.replace('equipment-12mp', 'nameplate'));
  await expect(c03.getByTestId('photo-thumb')).toHaveCount(2, { timeout: 30_000 });
  await c03.getByTestId('photo-thumb').nth(1).click();
  await expect(page.getByTestId('photo-viewer')).toBeVisible();
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: '删除照片' }).click();
  await expect(c03.getByTestId('photo-thumb')).toHaveCount(1);
  await page.locator('input[name=representative_name]').fill('王经理');
  await page.locator('input[name=representative_name]').blur();
  await sign(page);
  await page.getByRole('button', { name: '确认签名' }).click();
  await expect(page.getByTestId('signature-image')).toBeVisible();
  await expect(page.getByTestId('save-mark')).toHaveText('已保存在本机');

  // A reload (or a crash) loses nothing.
  await page.reload();
  await expect(page.locator('[data-code=C03]').getByRole('button', { name: '不符合' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('[data-code=C03] textarea[name=description]')).toHaveValue('销售无生产许可证的热轧带肋钢筋');
  await expect(page.getByTestId('signature-image')).toBeVisible();
  await expect(page.locator('[data-code=C03]').getByTestId('photo-thumb')).toHaveCount(1);
  expect((await storedPhoto(page, sha256)).digest).toBe(sha256);

  await page.getByTestId('submit').click();
  await expect(page).toHaveURL(/\/field$/);
  await expect(page.getByTestId('not-uploaded')).toHaveText('1 条未上传');

  // A new page, still offline, finds the outbox where it was.
  await page.close();
  const again = await context.newPage();
  await again.goto(`${server.base}/field`);
  await expect(again.getByTestId('not-uploaded')).toHaveText('1 条未上传');
  await expect(again.getByTestId('drafts')).toContainText('黄石市下陆区示例钢材经营部');
  await expect(again.getByTestId('drafts')).toContainText('待上传');
  await again.getByRole('link', { name: '继续' }).click();
  await expect(again.locator('[data-code=C03]').getByTestId('photo-thumb')).toHaveAttribute('data-sha256', sha256);
  await expect(again.getByTestId('signature-image')).toBeVisible();
  expect((await storedPhoto(again, sha256)).digest).toBe(sha256);
});

/** A photo of pure noise, which no JPEG encoder can make small (about a megabyte at 2048 px). */
async function noisePhoto(page: Page) {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(2048, 1536);
    const context = canvas.getContext('2d')!;
    const image = context.createImageData(canvas.width, canvas.height);
    for (let start = 0; start < image.data.length; start += 65536) {
      crypto.getRandomValues(image.data.subarray(start, start + 65536));
    }
    for (let alpha = 3; alpha < image.data.length; alpha += 4) image.data[alpha] = 255;
    context.putImageData(image, 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    const reader = new FileReader();
    return new Promise<string>((resolve) => {
      reader.onload = () => resolve((reader.result as string).split(',')[1]);
      reader.readAsDataURL(blob);
    });
  });
  return Buffer.from(base64, 'base64');
}

test.describe('on a phone whose storage is nearly full', () => {
  // The cached app would take most of the same room; this is about the inspector's own records.
  test.use({ serviceWorkers: 'block' });

  test('a photo that does not fit is refused in so many words, and nothing kept is lost', async ({ page }) => {
    await server.start();
    // Room for the phone's copy of the roster and one photo (about 430 KB in all), not for a
    // photo of noise as well (over a megabyte). Chromium fixes a site's quota when the site first
    // opens its storage, so this comes before anything else.
    await limitStorage(page, 800_000);
    await login(page, accounts.inspector, server.base);
    const c03 = page.locator('[data-code=C03]');
    const compliesWith = (code: string) => page.locator(`[data-code=${code}]`).getByRole('button', { name: '符合', exact: true });
    const inspect = async (enterprise: string) => {
      await page.goto(`${server.base}/field`);
      await page.getByTestId('field-search').fill(enterprise);
      // Named, not the first card: the list may not have narrowed yet.
      await page.locator('button.enterprise-card', { hasText: enterprise }).click();
      await expect(page.getByRole('heading', { name: enterprise })).toBeVisible();
      await compliesWith('C01').click();
      await expect(page.getByTestId('save-mark')).toHaveText('已保存在本机');
    };

    await inspect('黄石市下陆区示例钢材经营部');
    await c03.getByTestId('take-photo').setInputFiles(photo12mp);
    await expect(c03.getByTestId('photo-thumb')).toHaveCount(1, { timeout: 30_000 });
    const kept = (await c03.getByTestId('photo-thumb').getAttribute('data-sha256'))!;
    const firstUrl = page.url();

    // The next photo does not fit: the inspector is told, instead of seeing a photo that is not
    // there after a reload, and the draft stays as it was.
    await inspect('黄石市下陆区示例建材商行');
    await c03.getByTestId('take-photo').setInputFiles({ name: 'noise.jpg', mimeType: 'image/jpeg', buffer: await noisePhoto(page) });
    await expect(c03.getByRole('alert')).toHaveText('手机存储已满，请先上传或删除已完成的检查记录。', { timeout: 30_000 });
    await expect(c03.getByTestId('photo-thumb')).toHaveCount(0);
    await page.reload();
    await expect(compliesWith('C01')).toHaveAttribute('aria-pressed', 'true');
    await expect(c03.getByTestId('photo-thumb')).toHaveCount(0);

    // The first inspection and its photo are untouched.
    await page.goto(firstUrl);
    await expect(compliesWith('C01')).toHaveAttribute('aria-pressed', 'true');
    await expect(c03.getByTestId('photo-thumb')).toHaveAttribute('data-sha256', kept);
    expect((await storedPhoto(page, kept)).digest).toBe(kept);
  });

  test('deleting a photo in the form makes room on a full phone, and the change that waited is saved', async ({ page }) => {
    await server.start();
    const { draftId, photo } = await changeRefusedOnAFullPhone(page);
    const saveMark = page.getByTestId('save-mark');
    const c03 = page.locator('[data-code=C03]');
    // Deleting the photo frees its room, and the change is saved with the deletion.
    page.once('dialog', (dialog) => dialog.accept());
    await c03.getByTestId('photo-thumb').click();
    await page.getByTestId('photo-viewer').getByRole('button', { name: '删除照片' }).click();
    await expect(saveMark).toHaveText('已保存在本机');
    const stored = await storedDraft(page, draftId);
    expect([stored.answers.C01?.answer, stored.photos.length]).toEqual(['complies', 0]);
    expect(await recordsUnder(page, 'blobs', photo)).toBe(0);

    await page.reload();
    await expect(page.locator('[data-code=C01]').getByRole('button', { name: '符合', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(c03.getByTestId('photo-thumb')).toHaveCount(0);
  });

  test('a draft deleted while its refused change waits stays deleted once that makes room', async ({ page }) => {
    await server.start();
    const { draftId } = await changeRefusedOnAFullPhone(page);
    await page.locator('header').getByRole('link', { name: '现场检查' }).click();
    const drafts = page.getByTestId('drafts');
    await expect(drafts).toContainText(seller);
    page.once('dialog', (dialog) => dialog.accept());
    await drafts.getByRole('button', { name: '删除' }).click();
    await expect(drafts).not.toContainText(seller);

    // The refused change was due again after 2 s, then 4 s: it must not bring the draft back
    // into the room its deletion made.
    await page.waitForTimeout(7_000);
    await page.reload();
    await expect(page.getByTestId('not-uploaded')).toBeVisible();
    await expect(drafts).not.toContainText(seller);
    expect(await recordsUnder(page, 'drafts', draftId)).toBe(0);
  });

  test('a change the full phone refused outlives its page, and is stored once there is room', async ({ page, context }) => {
    await server.start();
    const { draftId } = await changeRefusedOnAFullPhone(page);
    // The phone's system closes the browser's tab, which has no chance to ask.
    await page.close({ runBeforeUnload: false });

    const again = await context.newPage();
    await limitStorage(again);
    await again.goto(`${server.base}/inspect?id=${draftId}`);
    await expect(again.locator('[data-code=C01]').getByRole('button', { name: '符合', exact: true })).toHaveAttribute('aria-pressed', 'true');
    expect((await storedDraft(again, draftId)).answers.C01).toBeUndefined();

    // Room is made elsewhere; the change reaches the phone's store by itself.
    await again.evaluate(() => new Promise((resolve) => { indexedDB.deleteDatabase('filler').onsuccess = resolve; }));
    await expect.poll(async () => (await storedDraft(again, draftId)).answers.C01?.answer, { timeout: 40_000 }).toBe('complies');
    await expect(again.getByTestId('save-mark')).toHaveText('已保存在本机');
  });

  test('a submit the full phone refused is counted and uploaded all the same, and recorded once there is room', async ({ page, context }) => {
    await server.start();
    const { draftId } = await changeRefusedOnAFullPhone(page);
    await page.locator('select[name=add_inspector]').selectOption('insp01b');
    for (const code of ['C02', 'C03', 'C04']) {
      await page.locator(`[data-code=${code}]`).getByRole('button', { name: '符合', exact: true }).click();
    }
    await page.locator('input[name=representative_name]').fill('王经理');
    await page.locator('input[name=signature_refused_reason]').fill('负责人拒绝签字');
    await page.locator('input[name=signature_refused_reason]').blur();
    await page.getByTestId('submit').click();
    await expect(page.getByTestId('save-mark')).toContainText('手机会自动重试保存');
    await page.close({ runBeforeUnload: false });

    // The list and the sync read the submitted copy that waits in page storage, not the older
    // one the phone holds.
    const again = await context.newPage();
    await limitStorage(again);
    await again.goto(`${server.base}/field`);
    await expect(again.getByTestId('not-uploaded')).toHaveText('1 条未上传');
    const onTheServer = async () => {
      const pulled = await (await again.request.get(`${server.base}/api/v1/sync/pull`)).json();
      return pulled.inspections.map((state: { id: string }) => state.id);
    };
    await expect.poll(onTheServer, { timeout: 30_000 }).toContain(draftId);

    // Room is made: the phone records it as uploaded.
    await again.evaluate(() => new Promise((resolve) => { indexedDB.deleteDatabase('filler').onsuccess = resolve; }));
    await again.getByTestId('sync-now').click();
    await expect(again.getByTestId('not-uploaded')).toHaveText('0 条未上传', { timeout: 30_000 });
    expect((await storedDraft(again, draftId)).status).toBe('sent');
  });
});

/** Gives the site the room of a nearly full phone; it lasts as long as the page that asked. */
async function limitStorage(page: Page, quotaSize = 2_000_000) {
  const devtools = await page.context().newCDPSession(page);
  await devtools.send('Storage.overrideQuotaForOrigin', { origin: server.base, quotaSize });
}

/** An inspection of the demo seller with one photo, on a phone then filled by other things to
 * its last ten kilobytes, and a change to it that the phone refuses to store. */
async function changeRefusedOnAFullPhone(page: Page) {
  await limitStorage(page);
  const draftId = await startInspection(page);
  const saveMark = page.getByTestId('save-mark');
  const c03 = page.locator('[data-code=C03]');
  await c03.getByTestId('take-photo').setInputFiles(photo12mp);
  await expect(c03.getByTestId('photo-thumb')).toHaveCount(1, { timeout: 30_000 });
  const photo = (await c03.getByTestId('photo-thumb').getAttribute('data-sha256'))!;
  await expect(saveMark).toHaveText('已保存在本机');

  await page.evaluate(async () => {
    const filler = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open('filler');
      request.onupgradeneeded = () => request.result.createObjectStore('chunks');
      request.onsuccess = () => resolve(request.result);
    });
    const fits = (size: number, key: number) => new Promise<boolean>((resolve) => {
      const transaction = filler.transaction('chunks', 'readwrite');
      const noise = new Uint8Array(size);
      for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(noise.subarray(at, at + 65_536));
      transaction.objectStore('chunks').put(noise, key);
      transaction.oncomplete = () => resolve(true);
      transaction.onabort = () => resolve(false);
    });
    let key = 0;
    for (const size of [100_000, 10_000]) while (await fits(size, ++key));
  });

  // Now not even a small change fits: the phone refuses every write.
  await page.locator('[data-code=C01]').getByRole('button', { name: '符合', exact: true }).click();
  await expect(saveMark).toContainText('手机会自动重试保存');
  return { draftId, photo };
}

const seller = '黄石市下陆区示例钢材经营部';

/** Signs the inspector in and starts an inspection of the demo seller; the draft's id. */
async function startInspection(page: Page) {
  await login(page, accounts.inspector, server.base);
  await page.getByTestId('field-search').fill(seller);
  await page.locator('button.enterprise-card', { hasText: seller }).click();
  await expect(page.getByRole('heading', { name: seller })).toBeVisible();
  return new URL(page.url()).searchParams.get('id')!;
}

test('what the inspector is typing stays while a photo arrives', async ({ page }) => {
  await server.start();
  const draftId = await startInspection(page);
  const c02 = page.locator('[data-code=C02]');
  await page.locator('[data-code=C01]').getByRole('button', { name: '不符合' }).click();
  // Typed, and not yet left, so not yet saved, when the photo of another item is stored.
  const typeWhileAPhotoArrives = async (field: Locator, text: string, photos: number) => {
    await field.fill(text);
    await c02.getByTestId('take-photo').setInputFiles(photos === 1 ? photo12mp : photo12mp.replace('equipment-12mp', 'nameplate'));
    await expect(c02.getByTestId('photo-thumb')).toHaveCount(photos, { timeout: 30_000 });
    await expect(field).toBeFocused();
    await expect(field).toHaveValue(text);
    await field.blur();
  };
  await typeWhileAPhotoArrives(page.locator('[data-code=C01] input.note'), '铭牌缺失', 1);
  await typeWhileAPhotoArrives(page.locator('[data-code=C01] textarea[name=description]'), '无生产许可证', 2);
  await expect.poll(async () => {
    const stored = await storedDraft(page, draftId);
    return [stored.answers.C01?.note, stored.findings[0]?.description];
  }).toEqual(['铭牌缺失', '无生产许可证']);
});

test('leaving the form while photos or a change are still being stored loses none of them', async ({ page }) => {
  await server.start();
  // A panic stops the whole app; it shows as an uncaught error, after the hook's message.
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => message.text().includes('panicked') && failures.push(message.text()));
  const draftId = await startInspection(page);
  const heading = page.getByRole('heading', { name: seller });
  const c01 = page.locator('[data-code=C01]');
  const toField = async () => {
    await page.locator('header').getByRole('link', { name: '现场检查' }).click();
    await expect(page.getByTestId('drafts')).toContainText(seller);
  };
  const resume = async () => {
    await page.getByRole('link', { name: '继续' }).click();
    await expect(heading).toBeVisible();
  };
  const noise = { name: 'noise.jpg', mimeType: 'image/jpeg', buffer: await noisePhoto(page) };

  // A cheap phone, and three photos picked at once: they are scaled one after the other, and
  // still are when the inspector taps away and comes back.
  const devtools = await page.context().newCDPSession(page);
  await devtools.send('Emulation.setCPUThrottlingRate', { rate: 6 });
  const picked = [photo12mp, photo12mp.replace('equipment-12mp', 'nameplate')]
    .map((file) => ({ name: path.basename(file), mimeType: 'image/jpeg', buffer: fs.readFileSync(file) }));
  await c01.getByTestId('take-photo').setInputFiles([picked[0], noise, picked[1]]);
  await toField();
  await resume();
  // A name typed, then left by tapping away: saved as the form goes.
  await page.locator('input[name=representative_name]').fill('王经理');
  await toField();
  await expect.poll(async () => {
    const stored = await storedDraft(page, draftId);
    return [stored.photos.length, stored.representative.name];
  }, { timeout: 60_000 }).toEqual([3, '王经理']);

  await devtools.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await resume();
  await expect(page.locator('input[name=representative_name]')).toHaveValue('王经理');
  await expect(c01.getByTestId('photo-thumb')).toHaveCount(3);
  expect(failures).toEqual([]);
});

test('a change the phone refuses to store is tried again until it is taken, and the page asks before it closes', async ({ page }) => {
  await server.start();
  const draftId = await startInspection(page);
  // The phone refuses every write of a draft, as a full one does, until room is made.
  await page.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    Object.assign(window, { refuseDrafts: true });
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<typeof put>) {
      if ((window as unknown as { refuseDrafts: boolean }).refuseDrafts && this.name === 'drafts') {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.apply(this, args);
    };
  });
  const closingAsks = () => page.evaluate(() => {
    const closing = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(closing);
    return closing.defaultPrevented;
  });
  expect(await closingAsks()).toBe(false);

  await page.locator('[data-code=C01]').getByRole('button', { name: '符合', exact: true }).click();
  await expect(page.getByTestId('save-mark')).toContainText('手机会自动重试保存');
  expect(await closingAsks()).toBe(true);
  expect((await storedDraft(page, draftId)).answers.C01).toBeUndefined();

  await page.evaluate(() => Object.assign(window, { refuseDrafts: false }));
  await expect(page.getByTestId('save-mark')).toHaveText('已保存在本机');
  expect((await storedDraft(page, draftId)).answers.C01.answer).toBe('complies');
  expect(await closingAsks()).toBe(false);
});
