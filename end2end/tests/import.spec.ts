import { expect, test } from '@playwright/test';
import * as path from 'path';
import { accounts, login } from './helpers';

const demo = path.resolve(__dirname, '../../server/demo');

test('a roster file with errors imports nothing and names every bad row', async ({ page }) => {
  await login(page, accounts.head);
  await page.getByRole('link', { name: '导入名录' }).click();
  await page.locator('input[type=file]').setInputFiles(path.join(demo, 'roster-with-errors.csv'));
  await page.getByRole('button', { name: '上传并导入' }).click();
  const errors = page.getByTestId('import-errors');
  await expect(errors).toBeVisible();
  await expect(errors.locator('li')).toHaveCount(2);
  await expect(errors.locator('li').nth(0)).toContainText('第3行 · 统一社会信用代码');
  await expect(errors.locator('li').nth(1)).toContainText('第5行 · 企业名称');

  await page.goto('/');
  await expect(page.getByTestId('roster-total')).toHaveText('共 6 家企业');
});

test('a good roster file imports every row and reports the counts', async ({ page }, testInfo) => {
  await login(page, accounts.otherHead);
  const before = Number((await page.getByTestId('roster-total').textContent())!.replace(/\D/g, ''));
  await page.getByRole('link', { name: '导入名录' }).click();
  const file = testInfo.outputPath('good.csv');
  const fs = await import('fs');
  fs.writeFileSync(
    file,
    '\ufeff企业名称,统一社会信用代码,类型,状态\n示例导入商户甲,91110108795101314G,销售商户,在产\n示例导入商户乙,9135020026015919XW,销售商户,停产\n',
  );
  await page.locator('input[type=file]').setInputFiles(file);
  await page.getByRole('button', { name: '上传并导入' }).click();
  await expect(page.getByTestId('import-report')).toHaveText('导入完成：新增 2 家，更新 0 家。');
  await page.goto('/');
  await expect(page.getByTestId('roster-total')).toHaveText(`共 ${before + 2} 家企业`);
});
