/**
 * Playwright e2e for the dashboard: Debian's Chromium (never a downloaded browser), one worker
 * (the specs share one private engine and walk one story), screenshots kept as artifacts.
 * global-setup.ts starts a private berthd (root) + `next start` (unprivileged when root) on
 * their own ports; global-teardown.ts removes everything again.
 * Env: E2E_ENGINE_PORT [4111] E2E_WEB_PORT [3111] CHROMIUM_PATH [/usr/bin/chromium].
 */
import { defineConfig } from '@playwright/test';

const webPort = Number(process.env.E2E_WEB_PORT ?? 3111);

export default defineConfig({
  testDir: './specs',
  outputDir: './artifacts/test-results',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['json', { outputFile: 'artifacts/results.json' }]],
  globalSetup: './support/global-setup.ts',
  globalTeardown: './support/global-teardown.ts',
  use: {
    baseURL: `http://127.0.0.1:${webPort}`,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    colorScheme: 'dark',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
    },
  },
});
