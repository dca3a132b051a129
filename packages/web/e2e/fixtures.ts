/**
 * What every end-to-end test shares: a page that fails the test on any console error or
 * uncaught exception, a fresh user per test, screenshots into artifacts/screenshots, and
 * an axe-core check.
 */
import { test as base, expect, type Page } from '@playwright/test';
import axe from 'axe-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export { expect };

const screenshotsDir = join(import.meta.dirname, '../../../artifacts/screenshots');

export interface TestUser {
  username: string;
  email: string;
  password: string;
}

const CLIENT_ERROR_LOG = /^Failed to load resource: the server responded with a status of 4\d\d/;

let users = 0;
export function newUser(prefix = 'user'): TestUser {
  const username = `${prefix}${Date.now().toString(36)}${users++}`.slice(0, 32);
  return { username, email: `${username}@example.com`, password: 'correct horse battery' };
}

export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        // Chromium logs every 4xx answer to fetch; those are answers the app handles
        // (401 before sign-in, 409 conflicts), not errors. 5xx and script errors count.
        const text = message.text();
        if (message.type() === 'error' && !CLIENT_ERROR_LOG.test(text)) errors.push(text);
      });
      page.on('pageerror', (error) => errors.push(String(error)));
      await use(errors);
      expect(errors, 'console errors on the page').toEqual([]);
    },
    { auto: true },
  ],
});

/** Registers through the API (sharing the page's cookie jar): the user is signed in. */
export async function signUp(page: Page, user: TestUser = newUser()): Promise<TestUser> {
  const response = await page.request.post('/api/users/register', { data: user });
  expect(response.status(), await response.text()).toBe(201);
  return user;
}

export async function createWorkspace(
  page: Page,
  name: string,
  template: 'empty' | 'hello-numpy' | 'pandas-csv' = 'hello-numpy',
): Promise<string> {
  const response = await page.request.post('/api/sessions', { data: { name, template } });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { uuid: string }).uuid;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
}

/** Runs axe-core (WCAG 2 A/AA) on the page; returns the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // evaluate() is not subject to the page's CSP, which forbids injected script tags.
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5),
    }));
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.join(', ')}`);
}
