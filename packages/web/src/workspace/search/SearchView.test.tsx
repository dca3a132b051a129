import type { ReplaceReply, SearchReply } from '@workcell/protocol';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { SearchRequest } from './query';
import { SearchView } from './SearchView';

afterEach(cleanup);

const reply: SearchReply = {
  files: [
    {
      path: 'app/main.py',
      version: 3,
      matches: [
        { line: 4, column: 11, length: 5, preview: '    print("hello")', previewOffset: 11 },
        { line: 9, column: 1, length: 5, preview: 'hello = 1', previewOffset: 0 },
      ],
    },
    {
      path: 'notes.md',
      version: 1,
      matches: [{ line: 1, column: 5, length: 5, preview: 'Say hello', previewOffset: 4 }],
    },
  ],
  truncated: false,
  filesSearched: 12,
  filesSkipped: { binary: 1, tooLarge: 0 },
};
const replaced: ReplaceReply = {
  files: [
    { path: 'app/main.py', version: 4, previousVersion: 3, revision: 17, replacements: 2 },
    { path: 'notes.md', version: 2, previousVersion: 1, revision: 18, replacements: 1 },
  ],
};

function setup(
  search = vi.fn((_request: SearchRequest, _signal: AbortSignal) => Promise.resolve(reply)),
) {
  const replace = vi.fn(() => Promise.resolve(replaced));
  const undo = vi.fn(() => Promise.resolve());
  const onOpenMatch = vi.fn();
  render(<SearchView search={search} replace={replace} undo={undo} onOpenMatch={onOpenMatch} />);
  const view = screen.getByRole('region', { name: 'Search' });
  const type = (label: string, value: string) =>
    fireEvent.change(within(view).getByRole('textbox', { name: label }), { target: { value } });
  return { search, replace, undo, onOpenMatch, view, type };
}

describe('SearchView', () => {
  it('searches once the typing pauses, aborting the search before, and shows matches grouped by file', async () => {
    const { search, type } = setup();
    type('Search', 'hel');
    type('Search', 'hello');
    await screen.findByText('3 results in 2 files; 1 file skipped (binary or too large)');
    expect(search).toHaveBeenCalledTimes(1);
    expect(search.mock.calls[0]![0]).toEqual({
      text: 'hello',
      regex: false,
      caseSensitive: false,
      wholeWord: false,
      include: '',
      exclude: '',
    });
    const main = screen.getByRole('button', { name: /main\.py/, expanded: true });
    expect(within(main).getByLabelText('2 matches')).toBeTruthy();
    const marks = [...document.querySelectorAll('mark')].map((mark) => mark.textContent);
    expect(marks).toEqual(['hello', 'hello', 'hello']);
    expect(screen.getByRole('button', { name: 'app/main.py line 9: hello = 1' })).toBeTruthy();

    type('Search', 'hello world');
    await waitFor(() => expect(search).toHaveBeenCalledTimes(2));
    type('Search', 'hello worlds');
    expect(search.mock.calls[1]![1].aborted).toBe(true);
  });

  it('toggles case, whole word and regex by button and Alt+C/W/R, and passes the globs', async () => {
    const { search, type, view } = setup();
    const regex = screen.getByRole('button', { name: 'Use regular expression' });
    expect(regex.getAttribute('title')).toBe('Use regular expression (Alt+R)');
    fireEvent.click(regex);
    expect(regex.getAttribute('aria-pressed')).toBe('true');
    fireEvent.keyDown(view, { key: 'c', altKey: true });
    fireEvent.keyDown(view, { key: 'w', altKey: true });
    expect(screen.getByRole('button', { name: 'Match case' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(
      screen.getByRole('button', { name: 'Match whole word' }).getAttribute('aria-pressed'),
    ).toBe('true');
    type('Files to include', 'src/**');
    type('Files to exclude', 'tests/**');
    type('Search', 'def (\\w+)');
    await waitFor(() => expect(search).toHaveBeenCalled());
    expect(search.mock.calls.at(-1)![0]).toEqual({
      text: 'def (\\w+)',
      regex: true,
      caseSensitive: true,
      wholeWord: true,
      include: 'src/**',
      exclude: 'tests/**',
    });
  });

  it('opens a match on click or Enter, and folds a file', async () => {
    const { onOpenMatch, type } = setup();
    type('Search', 'hello');
    const match = await screen.findByRole('button', { name: 'notes.md line 1: Say hello' });
    fireEvent.click(match);
    expect(onOpenMatch).toHaveBeenLastCalledWith('notes.md', 1, 5);
    // A native button: Enter clicks it.
    expect(match.tagName).toBe('BUTTON');
    const main = screen.getByRole('button', { name: /main\.py/, expanded: true });
    fireEvent.click(main);
    expect(main.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('button', { name: /app\/main\.py line 9/ })).toBeNull();
  });

  it('replaces all at the versions searched, then undoes it', async () => {
    const { search, replace, undo, type } = setup();
    type('Search', 'hello');
    type('Replace', 'bye');
    await screen.findByText(/3 results/);
    fireEvent.click(screen.getByRole('button', { name: 'Replace all' }));
    await screen.findByText('Replaced 3 matches in 2 files.');
    expect(replace).toHaveBeenCalledWith({
      text: 'hello',
      regex: false,
      caseSensitive: false,
      wholeWord: false,
      replacement: 'bye',
      files: [
        { path: 'app/main.py', version: 3 },
        { path: 'notes.md', version: 1 },
      ],
    });
    await waitFor(() => expect(search).toHaveBeenCalledTimes(2));
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(undo).toHaveBeenCalledWith(replaced));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Undo' })).toBeNull());
  });

  it('replaces one match by its position', async () => {
    const { replace, type } = setup();
    type('Search', 'hello');
    fireEvent.click(
      await screen.findByRole('button', { name: 'Replace the match in app/main.py at line 9' }),
    );
    await waitFor(() => expect(replace).toHaveBeenCalled());
    expect(replace.mock.calls[0]).toEqual([
      expect.objectContaining({
        replacement: '',
        files: [{ path: 'app/main.py', version: 3, matches: [{ line: 9, column: 1 }] }],
      }),
    ]);
  });

  it('shows why a search failed', async () => {
    const { type } = setup(
      vi.fn(() => Promise.reject(new Error('The search is not a valid regular expression.'))),
    );
    type('Search', '(');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The search is not a valid regular expression.',
    );
  });
});
