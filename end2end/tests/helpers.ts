import { expect, Page } from '@playwright/test';

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
