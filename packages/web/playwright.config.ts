/**
 * End-to-end tests: Debian's Chromium against the real server (PGlite in a fresh data
 * directory, real cells), serving the built app from packages/web/dist. Screenshots of
 * the main screens go to artifacts/screenshots at the repository root.
 */
import { defineConfig } from '@playwright/test';
import { join } from 'node:path';

import { chromiumLaunchOptions } from './e2e/chromium';

const repoRoot = join(import.meta.dirname, '../..');
const port = Number(process.env.E2E_PORT ?? 8765);
const dataDir = join(repoRoot, `.workcell-test/e2e-${port}`);
export const baseURL = `http://127.0.0.1:${port}`;
export const E2E_ADMIN = 'e2e-admin';

export default defineConfig({
  testDir: 'e2e',
  outputDir: join(repoRoot, 'artifacts/e2e-results'),
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
  webServer: {
    // A previous run's cells that outlived their server are swept by the next one at start.
    command: `rm -rf '${dataDir}' 2>/dev/null; exec node --import tsx packages/server/src/main.ts`,
    // SIGTERM lets the server stop its cells; SIGKILL would leave them running. The command
    // execs node itself (tsx as a loader), so the process Playwright waits for is the server:
    // behind npx, Playwright saw its process gone at once, ended, and killed the process
    // group while the server was still stopping its cells, leaving their volumes mounted.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    cwd: repoRoot,
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PUBLIC_URL: baseURL,
      LOG_LEVEL: 'warn',
      // Every test registers its own users from one address.
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      // admin.spec.ts signs this user up (or in, on a retry): the administrator.
      ADMIN_USERS: E2E_ADMIN,
    },
  },
});
