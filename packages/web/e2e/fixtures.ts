/**
 * What every end-to-end test shares: a page that fails the test on any console error or
 * uncaught exception, a fresh user per test, screenshots into artifacts/screenshots, and
 * an axe-core check.
 */
import { test as base, expect, type Page } from '@playwright/test';
import axe from 'axe-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { baseURL } from '../playwright.config';

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

/**
 * What a page of Workcell's sends with a change: the server refuses cookie-signed changes
 * from any other origin (403 ORIGIN_REJECTED), and the API request context sends none.
 */
const fromWorkcell = { origin: baseURL };

/** Registers through the API (sharing the page's cookie jar): the user is signed in. */
export async function signUp(page: Page, user: TestUser = newUser()): Promise<TestUser> {
  const response = await page.request.post('/api/users/register', {
    data: user,
    headers: fromWorkcell,
  });
  expect(response.status(), await response.text()).toBe(201);
  return user;
}

/** Signs an existing user in through the API (sharing the page's cookie jar). */
export async function signIn(page: Page, user: TestUser): Promise<void> {
  const response = await page.request.post('/api/users/login', {
    data: { username: user.username, password: user.password },
    headers: fromWorkcell,
  });
  expect(response.status(), await response.text()).toBe(200);
}

/** Chooses an item ("Profile", "Sign out"…) of the account menu in the app's header. */
export async function chooseFromAccountMenu(page: Page, item: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Account' })
    .locator('button[aria-haspopup="menu"]')
    .click();
  await page.getByRole('menu').getByRole('menuitem', { name: item }).click();
}

export async function createWorkspace(
  page: Page,
  name: string,
  template: 'empty' | 'hello-numpy' | 'pandas-csv' = 'hello-numpy',
): Promise<string> {
  const response = await page.request.post('/api/sessions', {
    data: { name, template },
    headers: fromWorkcell,
  });
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

// ---- helpers shared by the files, editor, terminal and profile specs -----------------

/** Monaco's text (the active editor's visible lines). */
export const editorText = (page: Page) => page.locator('.monaco-editor .view-lines').first();

/** The tabs of editor group `n` (1-based) once the editor is split. */
export const groupTabs = (page: Page, n: number) =>
  page.getByRole('tablist', { name: `Editor group ${n}` }).getByRole('tab');

/** Editor group `n`'s Monaco text. */
export const groupText = (page: Page, n: number) =>
  page.locator(`.editor-group[data-group="${n}"] .monaco-editor .view-lines`);

/** The active terminal's screen (inactive terminal tabs are hidden). */
export const terminalText = (page: Page) => page.getByRole('tabpanel').locator('.xterm-rows');

export const statusBar = (page: Page) => page.getByRole('contentinfo');

/** A row of the file tree, by its name. */
export const treeItem = (page: Page, name: string) =>
  page.getByRole('treeitem', { name, exact: true });

/** Right-clicks a row of the file tree: its context menu opens. */
export async function openTreeMenu(page: Page, name: string): Promise<void> {
  await treeItem(page, name).locator(':scope > .tree-row').click({ button: 'right' });
  await expect(page.getByRole('menu')).toBeVisible();
}

/** Chooses an action ("Rename…", "Select for Compare"…) from a tree row's context menu. */
export async function chooseFromTreeMenu(page: Page, name: string, action: string): Promise<void> {
  await openTreeMenu(page, name);
  await page.getByRole('menu').getByRole('menuitem', { name: action, exact: true }).click();
  await expect(page.getByRole('menu')).toBeHidden();
}

/** Replaces the active editor's whole text the way a user would: select all, type. */
export async function replaceEditorContent(page: Page, text: string): Promise<void> {
  // Monaco takes input through EditContext in Chromium (no textarea): click into the text.
  await editorText(page).click();
  await page.keyboard.press('ControlOrMeta+A');
  // insertText types without Monaco's auto-closing of brackets and quotes.
  await page.keyboard.insertText(text);
}

export async function typeInTerminal(page: Page, line: string): Promise<void> {
  await page.getByRole('tabpanel').locator('.xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** A file's text as the server has it. */
export async function fileContent(page: Page, workspace: string, path: string): Promise<string> {
  const response = await page.request.get(`/api/workspace/${workspace}/file/${path}`);
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { content: string }).content;
}

/** Writes a file through the API (as another client would). */
export async function writeFile(
  page: Page,
  workspace: string,
  path: string,
  content: string,
): Promise<void> {
  const response = await page.request.post(`/api/workspace/${workspace}/file/${path}`, {
    data: { content },
    headers: fromWorkcell,
  });
  expect(response.ok(), await response.text()).toBe(true);
}

/** The workspace's paths (files and folders) as the server lists them, sorted. */
export async function listPaths(page: Page, workspace: string): Promise<string[]> {
  const response = await page.request.get(`/api/workspace/${workspace}/files`);
  expect(response.status(), await response.text()).toBe(200);
  const { files } = (await response.json()) as { files: { path: string }[] };
  return files.map((file) => file.path).sort();
}

/** Changes the signed-in user's settings through the API, before a page reads them. */
export async function patchSettings(page: Page, settings: Record<string, unknown>): Promise<void> {
  const response = await page.request.patch('/api/users/me/settings', {
    data: settings,
    headers: fromWorkcell,
  });
  expect(response.ok(), await response.text()).toBe(true);
}

/**
 * Opens a workspace and waits for its panels. The first load of a run compiles Monaco's
 * chunk, which takes a loaded 2-core machine well over the usual 15 s.
 */
export async function openWorkspace(page: Page, workspace: string): Promise<void> {
  await page.goto(`/w/${workspace}`);
  await workspaceShown(page);
}

/** Waits for the workspace page's panels (after a navigation to it, however it came). */
export async function workspaceShown(page: Page): Promise<void> {
  await expect(page.getByRole('toolbar', { name: 'File actions' })).toBeVisible({
    timeout: 60_000,
  });
}

/** A new user, signed in, in a fresh workspace of theirs (made through the API); answers its uuid. */
export async function signUpInWorkspace(
  page: Page,
  name: string,
  template?: 'empty' | 'hello-numpy' | 'pandas-csv',
): Promise<string> {
  await signUp(page);
  const workspace = await createWorkspace(page, name, template);
  await openWorkspace(page, workspace);
  return workspace;
}

/**
 * A new user in a fresh hello-numpy workspace, ready to work: its script open in the editor
 * and the shell prompt up in the terminal (the cell has started). Answers its uuid.
 */
export async function openScript(page: Page, name = 'Script'): Promise<string> {
  const workspace = await signUpInWorkspace(page, name);
  await expect(editorText(page)).toContainText('import numpy');
  await expect(terminalText(page)).toContainText('$', { timeout: 30_000 });
  return workspace;
}

/**
 * Creates a workspace the way a new user does: from the empty dashboard's wizard, picking
 * the template by its title. Waits for the workspace page; answers its uuid.
 */
export async function createWorkspaceInWizard(
  page: Page,
  name: string,
  templateTitle: string,
): Promise<string> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Create a workspace' }).click();
  const wizard = page.getByRole('dialog', { name: 'New workspace' });
  await wizard.getByLabel('Name').fill(name);
  await wizard.getByText(templateTitle).click();
  await wizard.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(/\/w\/[0-9a-f-]{36}$/);
  await workspaceShown(page);
  return page.url().split('/w/')[1]!;
}
