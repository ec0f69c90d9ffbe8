import { defineConfig } from '@playwright/test';

// Debian's chromium; Playwright never downloads a browser on this project.
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  // Starts `suborg-portal demo` on a free port (see global-setup.ts) and stops it.
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  fullyParallel: false,
  workers: 1, // 2-core machine
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    // The config is evaluated before globalSetup in the runner, so this is
    // only a fallback; tests/fixtures.ts overrides `baseURL` from the state file.
    baseURL: process.env.BASE_URL,
    headless: true,
    screenshot: 'on',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 800 },
        // The portal ships no JavaScript at all: test it as a no-JS browser would see it.
        javaScriptEnabled: false,
        launchOptions: {
          executablePath: CHROMIUM,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
          ],
        },
      },
    },
  ],
});
