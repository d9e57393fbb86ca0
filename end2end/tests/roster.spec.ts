import { expect, test } from '@playwright/test';
import { accounts, expectNoHorizontalScroll, login } from './helpers';

test('a stranger is sent to the login page, and a wrong password is explained', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await page.locator('input[name=username]').fill(accounts.head.username);
  await page.locator('input[name=password]').fill('not the password');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('alert')).toContainText('用户名或密码不正确');
});

test('an office head logs in, sees their office roster and searches it', async ({ page }) => {
  await login(page, accounts.head);
  await expect(page.getByTestId('user-line')).toContainText('团城山所负责人');
  await expect(page.getByTestId('roster-total')).toHaveText('共 6 家企业');

  const search = page.getByTestId('roster-search');
  await search.fill('轧钢');
  await expect(page).toHaveURL(/q=/);
  const cards = page.locator('.enterprise-card');
  await expect(cards.first()).toBeVisible();
  for (const name of await cards.locator('.name').allTextContents()) {
    expect(name).toContain('轧钢');
  }

  // Part of a credit code finds the enterprise too.
  await search.fill('');
  await expect(page.getByTestId('roster-total')).toHaveText('共 6 家企业');
  const code = (await cards.first().locator('.code').textContent())!.trim();
  await search.fill(code.slice(8, 14).toLowerCase());
  await expect(page.getByTestId('roster-total')).toHaveText('共 1 家企业');
  await expect(cards.first().locator('.code')).toHaveText(code);

  // The detail page opens, and back returns to the same search.
  await cards.first().click();
  await expect(page.getByText(code)).toBeVisible();
  await page.goBack();
  await expect(page.getByTestId('roster-search')).toHaveValue(code.slice(8, 14).toLowerCase());

  await expectNoHorizontalScroll(page);
});

test('expired and expiring licences are flagged', async ({ page }) => {
  await login(page, accounts.taskforce);
  await expect(page.getByTestId('roster-total')).toContainText('家企业');
  await expect(page.locator('.badge.danger').first()).toBeVisible();
});

test('inspectors start in the field, and read the roster but cannot change it', async ({ page }) => {
  await login(page, accounts.inspector);
  await expect(page).toHaveURL(/\/field$/);
  // The roster's code is not on the phone until a roster page is first opened.
  await page.getByRole('link', { name: '企业名录' }).click();
  await expect(page.getByTestId('roster-total')).toHaveText('共 6 家企业');
  await expect(page.getByRole('link', { name: '新增企业' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: '导入名录' })).toHaveCount(0);
  // The app's name leads an inspector home, to the field; so does an unknown address.
  await page.getByRole('link', { name: '钢铁专项检查' }).click();
  await expect(page.getByRole('heading', { name: '现场检查' })).toBeVisible();
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { name: '页面不存在' })).toBeVisible();
  // Once the page knows who is signed in.
  await expect(page.getByRole('link', { name: '返回首页' })).toHaveAttribute('href', '/field');
  await page.getByRole('link', { name: '返回首页' }).click();
  await expect(page.getByRole('heading', { name: '现场检查' })).toBeVisible();
});

test('the interface switches to English and back', async ({ page }) => {
  await login(page, accounts.head);
  await expect(page).toHaveTitle('钢铁专项检查');
  await page.getByRole('button', { name: 'EN' }).click();
  await expect(page.getByRole('heading', { name: 'Enterprise roster' })).toBeVisible();
  // The tab's title and the page's language (for screen readers and fonts) follow the switch.
  await expect(page).toHaveTitle('SteelCheck');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Enterprise roster' })).toBeVisible();
  await expect(page).toHaveTitle('SteelCheck');
  await page.getByRole('button', { name: '中文' }).click();
  await expect(page.getByRole('heading', { name: '企业名录' })).toBeVisible();
  await expect(page).toHaveTitle('钢铁专项检查');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
});

test('a head adds an enterprise; a wrong credit code is explained next to the field', async ({ page }) => {
  await login(page, accounts.otherHead);
  const before = Number((await page.getByTestId('roster-total').textContent())!.replace(/\D/g, ''));
  await page.getByRole('link', { name: '新增企业' }).click();
  await expect(page.getByRole('heading', { name: '新增企业' })).toBeVisible();
  await expectNoHorizontalScroll(page);
  await page.locator('input[name=name]').fill('黄石示例新建钢铁有限公司');
  await page.locator('input[name=credit_code]').fill('91420204MA4AMUC520');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.locator('.field-error')).toContainText('统一社会信用代码校验不通过');

  await page.locator('input[name=credit_code]').fill('914403001922038216');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('heading', { name: '黄石示例新建钢铁有限公司' })).toBeVisible();
  await page.getByRole('link', { name: '返回企业名录' }).click();
  await expect(page.getByTestId('roster-total')).toHaveText(`共 ${before + 1} 家企业`);
});
