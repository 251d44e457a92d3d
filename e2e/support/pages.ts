/**
 * Page helpers (thin page objects) for the dashboard specs; selectors come from @berth/ui/test-ids.
 */
import { expect, type Browser, type Page } from '@playwright/test';
import { testIds } from '@berth/ui/test-ids';
import { SHOTS, WEB } from './env.js';
import path from 'node:path';

export const tid = (id: string) => `[data-testid="${id}"]`;

export async function login(page: Page, user: { username: string; password: string }) {
  await gotoReady(page, '/login', tid(testIds.auth.username));
  await page.locator(tid(testIds.auth.username)).fill(user.username);
  await page.locator(tid(testIds.auth.password)).fill(user.password);
  await page.locator(tid(testIds.auth.submit)).click();
  await expect(page).toHaveURL(/\/containers/);
  await expect(page.locator(tid(testIds.nav.user))).toContainText(user.username);
}

/** A fresh browser context logged in through the API (the UI login is covered by its own test). */
export async function newLoggedInPage(browser: Browser, user: { username: string; password: string }): Promise<Page> {
  const ctx = await browser.newContext({ baseURL: WEB, viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  const res = await ctx.request.post('/engine/auth/login', { headers: { Origin: WEB, 'content-type': 'application/json' }, data: user });
  expect(res.status()).toBe(204);
  const page = await ctx.newPage();
  await gotoReady(page, '/containers', tid(testIds.nav.user));
  await expect(page.locator(tid(testIds.nav.user))).toContainText(user.username);
  return page;
}

/** goto, and reload once if the app has not rendered `selector` in time (seen once on a
 *  machine at load 17: a blank page whose scripts never arrived). */
export async function gotoReady(page: Page, url: string, selector: string) {
  await page.goto(url);
  try {
    await page.locator(selector).first().waitFor({ timeout: 30_000 });
  } catch {
    await page.reload();
    await page.locator(selector).first().waitFor({ timeout: 30_000 });
  }
}

export async function shot(page: Page, name: string) {
  await page.waitForTimeout(150); // let the last frame paint (fonts, transitions)
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Rendered text rows of the xterm DOM renderer, trimmed. */
export async function terminalRows(page: Page): Promise<string[]> {
  return (await page.locator(`${tid(testIds.terminal.host)} .xterm-rows > div`).allInnerTexts()).map((s) => s.replace(/\u00a0/g, ' ').trim());
}

/** tRPC mutation from inside the page (same origin, the session cookie, JSON). */
export async function trpcMutation(page: Page, proc: string, input: unknown): Promise<{ status: number; body: string }> {
  return page.evaluate(async ([p, i]) => {
    const r = await fetch(`/engine/trpc/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(i) });
    return { status: r.status, body: await r.text() };
  }, [proc, input] as const);
}
