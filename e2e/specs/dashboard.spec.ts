/**
 * The dashboard story, in order, against a real engine: bootstrap the admin and log in, run a
 * container from the dialog, watch its logs stream, use a terminal (echo hi → hi), reload and
 * see the scrollback, watch from a second browser, check a viewer cannot type, stop and
 * remove the container, and check that a foreign Origin is refused.
 */
import http from 'node:http';
import { expect, test, type Page } from '@playwright/test';
import { testIds } from '@berth/ui/test-ids';
import { ADMIN, VIEWER, WEB, WEB_PORT, readState } from '../support/env.js';
import { gotoReady, login, newLoggedInPage, shot, terminalRows, tid, trpcMutation } from '../support/pages.js';

const NAME = 'e2e-web';
test.describe.configure({ mode: 'serial' });

let admin: Page;
let terminalUrl = '';

test.beforeAll(async ({ browser }) => {
  admin = await (await browser.newContext({ baseURL: WEB, viewport: { width: 1440, height: 900 }, colorScheme: 'dark' })).newPage();
});
test.afterAll(async () => { await admin?.context().close(); });

test('bootstrap the admin, log out, log in', async () => {
  await admin.goto('/containers');
  await expect(admin.getByText('Create the first admin')).toBeVisible();
  await admin.goto(`/bootstrap?token=${readState().token}`);
  await shot(admin, '01-bootstrap');
  await admin.locator(tid(testIds.auth.username)).fill(ADMIN.username);
  await admin.locator(tid(testIds.auth.password)).fill(ADMIN.password);
  await admin.locator('[data-testid="auth-confirm"]').fill(ADMIN.password);
  await admin.locator(tid(testIds.auth.submit)).click();
  await expect(admin).toHaveURL(/\/containers/);
  await expect(admin.locator(tid(testIds.containers.empty))).toBeVisible();
  await shot(admin, '02-containers-empty');

  await admin.locator(tid(testIds.nav.logout)).click();
  await expect(admin).toHaveURL(/\/login/);
  await admin.locator(tid(testIds.auth.username)).fill(ADMIN.username);
  await admin.locator(tid(testIds.auth.password)).fill('wrong-password');
  await admin.locator(tid(testIds.auth.submit)).click();
  await expect(admin.locator(tid(testIds.auth.error))).toContainText('invalid username or password');
  await shot(admin, '03-login-error');
  await login(admin, ADMIN);
});

test('run a container from the dialog', async () => {
  await admin.locator(tid(testIds.containers.runButton)).click();
  const dlg = admin.locator(tid(testIds.run.dialog));
  await expect(dlg).toBeVisible();
  await dlg.locator(tid(testIds.run.image)).fill('busybox:latest');
  await dlg.locator(tid(testIds.run.cmd)).fill(`sh -c 'i=0; while true; do echo "line $i"; echo "warn $i" >&2; printf "\\033[32mgreen $i\\033[0m\\n"; i=$((i+1)); sleep 0.3; done'`);
  await dlg.locator(tid(testIds.run.name)).fill(NAME);
  await dlg.locator(tid(testIds.run.env)).fill('GREETING=hello');
  await shot(admin, '04-run-dialog');
  await dlg.locator(tid(testIds.run.submit)).click();
  await expect(admin).toHaveURL(/\/containers\/[0-9a-f]{64}$/);
  await expect(admin.locator(tid(testIds.detail.state))).toContainText('running');
  await expect(admin.getByText('GREETING=hello')).toBeVisible();
  await shot(admin, '05-container-detail');
  await admin.locator(tid(testIds.nav.link('containers'))).click();
  const row = admin.locator(tid(testIds.containers.row(NAME)));
  await expect(row).toHaveAttribute('data-state', 'running');
  await expect(row.locator(tid(testIds.containers.action('start')))).toBeDisabled();
  await expect(row.locator(tid(testIds.containers.action('stop')))).toBeEnabled();
  await expect(row.locator(tid(testIds.containers.action('remove')))).toBeDisabled();
  await expect(row.locator('td').nth(6)).toContainText(/iB/, { timeout: 10_000 }); // memory from containers.stats
  await shot(admin, '06-containers-list');
});

test('its logs stream, with stderr, colours, search and download', async () => {
  await admin.locator(tid(testIds.containers.row(NAME))).getByRole('link', { name: 'Logs' }).click();
  const viewer = admin.locator(tid(testIds.logs.viewer));
  await expect(viewer).toContainText(/line \d+/);
  const before = Number(await viewer.getAttribute('data-count'));
  await expect.poll(async () => Number(await viewer.getAttribute('data-count')), { timeout: 10_000 }).toBeGreaterThan(before);
  await expect(viewer.locator('[data-stream="stderr"]').first()).toContainText('warn');
  await expect(viewer.getByText(/^green \d+$/).first()).toHaveCSS('color', 'rgb(34, 197, 94)');
  await admin.locator(tid(testIds.logs.timestamps)).check();
  await expect(viewer).toContainText(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}/);
  await admin.locator(tid(testIds.logs.search)).fill('line 2');
  await admin.locator(tid(testIds.logs.search)).press('Enter');
  const results = admin.locator(tid(testIds.logs.results));
  await expect(results).toContainText(/\d+ matches for "line 2"/);
  await expect(results.locator(tid(testIds.logs.row)).first()).toContainText('line 2');
  await shot(admin, '07-logs');
  const href = await admin.locator(tid(testIds.logs.download)).getAttribute('href');
  const dl = await admin.request.get(href!);
  expect(dl.status()).toBe(200);
  expect(await dl.text()).toContain('line 1');
});

test('terminal: echo hi → hi, then reload shows the scrollback', async () => {
  await admin.locator(tid(testIds.detail.tab('terminal'))).click();
  await admin.locator(tid(testIds.terminal.open)).click();
  await expect(admin).toHaveURL(/session=/);
  terminalUrl = admin.url();
  const term = admin.locator(tid(testIds.terminal.host));
  await expect(term).toHaveAttribute('data-connected', 'true');
  await expect(term.locator('.xterm-rows')).toContainText('#');
  await term.click();
  await admin.keyboard.type('echo hi');
  await admin.keyboard.press('Enter');
  await expect.poll(() => terminalRows(admin)).toContain('hi');
  await shot(admin, '08-terminal');

  await admin.reload();
  await expect(admin.locator(tid(testIds.terminal.host))).toHaveAttribute('data-connected', 'true');
  await expect.poll(() => terminalRows(admin)).toContain('hi');
  await expect.poll(async () => (await terminalRows(admin)).some((r) => r.includes('echo hi'))).toBe(true);
});

test('a second browser context watches the same session', async ({ browser }) => {
  const second = await newLoggedInPage(browser, ADMIN);
  await gotoReady(second, terminalUrl, tid(testIds.terminal.host));
  await expect(second.locator(tid(testIds.terminal.host))).toHaveAttribute('data-connected', 'true');
  await expect.poll(() => terminalRows(second)).toContain('hi');
  await admin.locator(tid(testIds.terminal.host)).click();
  await admin.keyboard.type('echo from-first');
  await admin.keyboard.press('Enter');
  await expect.poll(() => terminalRows(second)).toContain('from-first');
  await shot(second, '09-terminal-second-watcher');
  await second.context().close();
});

test('a viewer watches read-only and cannot type or run', async ({ browser }) => {
  const r = await trpcMutation(admin, 'users.create', { ...VIEWER, role: 'viewer' });
  expect(r.status, r.body).toBe(200);
  const viewer = await newLoggedInPage(browser, VIEWER);
  await expect(viewer.locator(tid(testIds.containers.runButton))).toHaveCount(0);
  const row = viewer.locator(tid(testIds.containers.row(NAME)));
  await expect(row.locator(tid(testIds.containers.action('stop')))).toBeDisabled();
  await gotoReady(viewer, terminalUrl, tid(testIds.terminal.host));
  const term = viewer.locator(tid(testIds.terminal.host));
  await expect(term).toHaveAttribute('data-connected', 'true');
  await expect(term).toHaveAttribute('data-readonly', 'true');
  await expect.poll(() => terminalRows(viewer)).toContain('hi');
  await term.click();
  await viewer.keyboard.type('echo viewer-typed');
  await viewer.keyboard.press('Enter');
  await viewer.waitForTimeout(1000);
  expect((await terminalRows(viewer)).join('\n')).not.toContain('viewer-typed');
  expect((await terminalRows(admin)).join('\n')).not.toContain('viewer-typed');
  await shot(viewer, '10-terminal-viewer-readonly');
  // the API refuses a viewer's mutation too
  const denied = await trpcMutation(viewer, 'containers.stop', { id: NAME });
  expect(denied.status).toBe(403);
  await viewer.context().close();
});

test('the other pages render: images, events, system, merged logs, light theme', async () => {
  await admin.locator(tid(testIds.nav.link('images'))).click();
  await expect(admin.locator(tid(testIds.images.table))).toContainText('busybox:latest');
  await shot(admin, '11-images');
  await admin.locator(tid(testIds.nav.link('events'))).click();
  await expect(admin.locator(tid(testIds.events.list))).toContainText('start');
  await shot(admin, '12-events');
  await admin.locator(tid(testIds.nav.link('system'))).click();
  await expect(admin.locator(tid(testIds.system.info))).toContainText('OCI runtime');
  await shot(admin, '13-system');
  await admin.locator(tid(testIds.nav.link('logs'))).click();
  await admin.locator(`[data-testid="merge-pick-${NAME}"]`).click();
  await expect(admin.locator(tid(testIds.logs.viewer))).toContainText('line');
  await shot(admin, '14-logs-merged');
  await admin.locator(tid(testIds.nav.themeToggle)).click();
  await admin.locator(tid(testIds.nav.link('containers'))).click();
  await expect(admin.locator('html')).not.toHaveClass(/dark/);
  await expect(admin.locator(tid(testIds.containers.row(NAME)))).toBeVisible();
  await shot(admin, '15-containers-light');
  await admin.goto(terminalUrl);
  await expect(admin.locator(tid(testIds.terminal.host))).toHaveAttribute('data-connected', 'true');
  await shot(admin, '16-terminal-light');
  await admin.locator(tid(testIds.nav.themeToggle)).click();
});

test('stop and remove it', async () => {
  await admin.locator(tid(testIds.nav.link('containers'))).click();
  const row = admin.locator(tid(testIds.containers.row(NAME)));
  await row.locator(tid(testIds.containers.action('stop'))).click();
  await expect(row).toHaveAttribute('data-state', 'exited', { timeout: 30_000 });
  await expect(row.locator(tid(testIds.containers.action('remove')))).toBeEnabled();
  await row.locator(tid(testIds.containers.action('remove'))).click();
  await admin.locator(tid(testIds.dialog.confirm)).click();
  await expect(row).toHaveCount(0);
  await expect(admin.locator(tid(testIds.containers.empty))).toBeVisible();
});

/** An upgrade request with a chosen Origin; resolves to the HTTP status (101 = accepted). */
function upgradeStatus(pathname: string, origin: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: WEB_PORT, path: pathname,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Origin: origin, Cookie: cookie },
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode ?? 0); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
}

test('a foreign Origin is refused (HTTP and WebSocket)', async () => {
  const cookies = await admin.context().cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  expect(cookie).toContain('berth_session=');
  const evil = await admin.request.post('/engine/trpc/containers.run', {
    headers: { Origin: 'http://evil.example', 'content-type': 'application/json', cookie }, data: { image: 'busybox:latest' },
  });
  expect(evil.status()).toBe(403);
  const plain = await admin.request.post('/engine/auth/login', {
    headers: { Origin: WEB, 'content-type': 'text/plain' }, data: JSON.stringify(ADMIN),
  });
  expect(plain.status()).toBe(415);
  expect(await upgradeStatus('/engine/trpc', 'http://evil.example', cookie)).toBe(403);
  expect(await upgradeStatus('/engine/trpc', WEB, cookie)).toBe(101);
});
