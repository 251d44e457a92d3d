/**
 * Page helpers (thin page objects) for the dashboard specs; selectors come from @berth/ui/test-ids.
 */
import { expect, type Browser, type Page } from '@playwright/test';
import { testIds } from '@berth/ui/test-ids';
import { SHOTS, WEB } from './env.js';
import path from 'node:path';

export const tid = (id: string) => `[data-testid="${id}"]`;

export async function login(page: Page, user: { username: string; password: string }) {
  await page.goto('/login');
  await page.locator(tid(testIds.auth.username)).fill(user.username);
  await page.locator(tid(testIds.auth.password)).fill(user.password);
  await page.locator(tid(testIds.auth.submit)).click();
  await expect(page).toHaveURL(/\/containers/);
  await expect(page.locator(tid(testIds.nav.user))).toContainText(user.username);
}

export async function newLoggedInPage(browser: Browser, user: { username: string; password: string }): Promise<Page> {
  const ctx = await browser.newContext({ baseURL: WEB, viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  const page = await ctx.newPage();
  await login(page, user);
  return page;
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
