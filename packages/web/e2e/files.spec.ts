/**
 * The file tree as a user works with it: new folders and files from the toolbar, rename
 * (F2) with the editor's tab following, drag and drop moves, delete (with undo),
 * uploads (plain files and a zip to extract), the workspace as a zip, and the keyboard.
 */
import type { Locator, Page } from '@playwright/test';
import { unzipSync, zipSync } from 'fflate';
import { readFile } from 'node:fs/promises';

import {
  createWorkspace,
  expect,
  listPaths,
  openWorkspace,
  signUp,
  test,
  writeFile,
} from './fixtures';

const tree = (page: Page) => page.getByRole('tree', { name: 'Files' });
const item = (page: Page, name: string) => page.getByRole('treeitem', { name, exact: true });
/** The row itself: a folder's treeitem also holds its children. */
const row = (treeitem: Locator) => treeitem.locator(':scope > .tree-row');

test('folders and files are created, renamed, moved by dragging and deleted from the tree', async ({
  page,
}) => {
  await signUp(page);
  const workspace = await createWorkspace(page, 'Tree', 'empty');
  await openWorkspace(page, workspace);
  await expect(page.getByText('No files yet')).toBeVisible();

  // A folder, then a file in it: the selected folder is where new things go.
  await page.getByRole('button', { name: 'New Folder' }).click();
  await page.getByRole('textbox', { name: 'New folder name in the workspace' }).fill('src');
  await page.keyboard.press('Enter');
  await expect(item(page, 'src')).toBeVisible();
  await item(page, 'src').focus();
  await page.getByRole('button', { name: 'New File' }).click();
  await page.getByRole('textbox', { name: 'New file name in src' }).fill('main.py');
  await page.keyboard.press('Enter');
  await expect(item(page, 'main.py')).toBeVisible();
  await expect(page.getByRole('tab', { name: /^main\.py/ })).toBeVisible();
  expect(await listPaths(page, workspace)).toEqual(['src', 'src/main.py']);

  // F2 renames; the open tab follows the file.
  await item(page, 'main.py').focus();
  await page.keyboard.press('F2');
  const rename = page.getByRole('textbox', { name: 'Rename main.py' });
  await expect(rename).toHaveValue('main.py');
  await rename.fill('app.py');
  await page.keyboard.press('Enter');
  await expect(item(page, 'app.py')).toBeVisible();
  await expect(item(page, 'main.py')).toHaveCount(0);
  await expect(page.getByRole('tab', { name: /^app\.py/ })).toBeVisible();
  await expect(page.getByRole('tab', { name: /^main\.py/ })).toHaveCount(0);
  await expect(page.locator('.editor-path')).toHaveText('src/app.py');

  // A file written elsewhere shows up; dragged onto the folder, it moves there.
  await writeFile(page, workspace, 'notes.txt', 'remember\n');
  await expect(item(page, 'notes.txt')).toBeVisible();
  await row(item(page, 'notes.txt')).dragTo(row(item(page, 'src')));
  await expect(item(page, 'src').getByRole('treeitem', { name: 'notes.txt' })).toBeVisible();
  await expect
    .poll(() => listPaths(page, workspace))
    .toEqual(['src', 'src/app.py', 'src/notes.txt']);

  // Delete removes at once, and offers to undo it.
  await item(page, 'notes.txt').focus();
  await page.keyboard.press('Delete');
  await expect(item(page, 'notes.txt')).toHaveCount(0);
  await expect(page.getByRole('alert').filter({ hasText: 'Deleted notes.txt.' })).toBeVisible();
  await expect.poll(() => listPaths(page, workspace)).toEqual(['src', 'src/app.py']);
});

test('uploads (a file, a zip to extract), the workspace as a zip, and keyboard navigation', async ({
  page,
}) => {
  await signUp(page);
  const workspace = await createWorkspace(page, 'Uploads', 'hello-numpy');
  await openWorkspace(page, workspace);
  await expect(item(page, 'script.py')).toBeVisible();

  // The toolbar's Upload button opens this (hidden) file chooser.
  const chooser = page.getByLabel('Files to upload');
  await chooser.setInputFiles({
    name: 'data.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('one\ntwo\n'),
  });
  await expect(item(page, 'data.txt')).toBeVisible();

  const zip = zipSync({
    'pkg/__init__.py': new TextEncoder().encode(''),
    'pkg/helpers.py': new TextEncoder().encode('def double(x):\n    return 2 * x\n'),
    'README.md': new TextEncoder().encode('# Unzipped\n'),
  });
  await chooser.setInputFiles({
    name: 'bundle.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from(zip),
  });
  const extract = page.getByRole('dialog', { name: 'Extract zip here?' });
  await expect(extract).toContainText('bundle.zip');
  await extract.getByRole('button', { name: 'Extract' }).click();
  await expect(item(page, 'pkg')).toBeVisible();
  await expect(item(page, 'README.md')).toBeVisible();
  // Extracted, not stored as a zip.
  await expect(item(page, 'bundle.zip')).toHaveCount(0);
  await expect
    .poll(() => listPaths(page, workspace))
    .toEqual(['README.md', 'data.txt', 'pkg', 'pkg/__init__.py', 'pkg/helpers.py', 'script.py']);

  // The whole workspace as a zip.
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download Workspace as Zip' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.zip$/);
  const entries = unzipSync(new Uint8Array(await readFile(await download.path())));
  const files = Object.keys(entries).filter((name) => !name.endsWith('/'));
  expect(files.sort()).toEqual([
    'README.md',
    'data.txt',
    'pkg/__init__.py',
    'pkg/helpers.py',
    'script.py',
  ]);
  expect(new TextDecoder().decode(entries['pkg/helpers.py'])).toContain('return 2 * x');

  // The keyboard alone: into the tree, down to the folder, open it, into it, open a file.
  // Rows (folders first): pkg, README.md, data.txt, script.py.
  await item(page, 'script.py').focus();
  await page.keyboard.press('Home');
  await expect(item(page, 'pkg')).toBeFocused();
  await expect(item(page, 'pkg')).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('ArrowRight');
  await expect(item(page, 'pkg')).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(item(page, '__init__.py')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(item(page, 'helpers.py')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: /^helpers\.py/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(page.locator('.monaco-editor .view-lines').first()).toContainText('def double');
  await expect(tree(page)).toBeVisible();
});
