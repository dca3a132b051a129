import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { EditorStatus } from '../contracts';
import type { LanguageState } from '../language/LanguageClient';
import {
  type CellView,
  type LanguageStatusView,
  StatusBar,
  type StatusBarProps,
} from './StatusBar';

const saved: EditorStatus = {
  activePath: 'main.py',
  save: 'saved',
  cursor: { line: 12, column: 4 },
};

function show(overrides: Partial<StatusBarProps> = {}) {
  const props: StatusBarProps = {
    connection: 'connected',
    socket: { retryNow: vi.fn(), nextAttemptAt: undefined },
    cell: { state: 'ready', python: '3.11.2' },
    editor: saved,
    onRestartCell: vi.fn(),
    ...overrides,
  };
  return { props, ...render(<StatusBar {...props} />) };
}

const bar = () => screen.getByRole('contentinfo', { name: 'Status' });

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('StatusBar', () => {
  it('shows a healthy workspace: connected, ready, saved, cursor and Python version', () => {
    show();
    expect(bar().textContent).toContain('● Connected');
    expect(bar().textContent).toContain('✓ Ready');
    expect(bar().textContent).toContain('Saved');
    expect(bar().textContent).toContain('Ln 12, Col 4');
    expect(bar().textContent).toContain('Python 3.11.2');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('counts down to the next attempt and retries at once on request', () => {
    const socket: { retryNow: () => void; nextAttemptAt: number | undefined } = {
      retryNow: vi.fn(),
      nextAttemptAt: Date.now() + 3000,
    };
    show({ connection: 'reconnecting', socket });
    expect(bar().textContent).toContain('Reconnecting in 3 s…');
    act(() => {
      vi.advanceTimersByTime(1000);
    });
    expect(bar().textContent).toContain('Reconnecting in 2 s…');
    socket.nextAttemptAt = undefined; // an attempt is under way
    act(() => {
      vi.advanceTimersByTime(250);
    });
    expect(bar().textContent).toContain('Reconnecting…');
    fireEvent.click(screen.getByRole('button', { name: 'Retry now' }));
    expect(vi.mocked(socket.retryNow)).toHaveBeenCalledOnce();
  });

  it('says when the browser is offline, without a cell state it cannot know', () => {
    show({ connection: 'offline', cell: { state: 'stopped' } });
    expect(bar().textContent).toContain('Offline');
    expect(bar().textContent).not.toContain('Stopped');
    expect(screen.queryByRole('button', { name: 'Retry now' })).toBeNull();
  });

  it.each<[CellView, string, string | undefined]>([
    [
      { state: 'starting', progress: 'mounting volume' },
      '⏳ Initializing… mounting volume',
      undefined,
    ],
    [{ state: 'stopping' }, 'Stopping…', undefined],
    [{ state: 'stopped' }, 'Stopped', 'Start the cell'],
    [{ state: 'failed', reason: 'out of memory' }, 'Failed: out of memory', 'Retry the cell'],
  ])('shows the cell %j', (cell, text, button) => {
    const { props } = show({ cell });
    expect(bar().textContent).toContain(text);
    if (button) {
      fireEvent.click(screen.getByRole('button', { name: button }));
      expect(props.onRestartCell).toHaveBeenCalledOnce();
    } else expect(screen.queryByRole('button')).toBeNull();
  });

  it.each<[EditorStatus, string]>([
    [{ activePath: 'a.py', save: 'saving' }, 'Saving…'],
    [{ activePath: 'a.py', save: 'dirty' }, '● Unsaved'],
    [
      { activePath: 'a.py', save: 'failed', saveError: 'the workspace is full' },
      'Save failed: the workspace is full',
    ],
    [{ activePath: 'a.py', save: 'conflict' }, 'Conflict'],
  ])('shows the save state %j', (editor, text) => {
    show({ editor });
    expect(bar().textContent).toContain(text);
  });

  it('leaves out what is not known', () => {
    show({ editor: { activePath: undefined, save: 'saved' }, cell: { state: 'ready' } });
    expect(bar().textContent).not.toMatch(/Saved|Ln |Python/);
  });

  describe('the Python language server', () => {
    function language(state: LanguageState, errors = 0, warnings = 0): LanguageStatusView {
      return {
        state,
        errors,
        warnings,
        problemsOpen: false,
        onRetry: vi.fn(),
        onToggleProblems: vi.fn(),
      };
    }

    it.each<[LanguageState, string]>([
      [{ kind: 'starting' }, 'Python: starting…'],
      [{ kind: 'ready' }, '✓ Pyright'],
      [{ kind: 'restarting' }, 'Python: restarting…'],
    ])('shows %j', (state, text) => {
      show({ language: language(state) });
      expect(bar().textContent).toContain(text);
      expect(screen.queryByRole('button', { name: /language server/ })).toBeNull();
    });

    it('offers a retry when it failed, and to take it back from another tab', () => {
      const failed = language({ kind: 'failed', message: 'pyright exited with code 1' });
      show({ language: failed });
      expect(bar().textContent).toContain('Python: failed: pyright exited with code 1');
      fireEvent.click(screen.getByRole('button', { name: 'Retry: the Python language server' }));
      expect(failed.onRetry).toHaveBeenCalledOnce();
      cleanup();
      const inUse = language({ kind: 'in-use' });
      show({ language: inUse });
      expect(bar().textContent).toContain('language server in use in another tab');
      fireEvent.click(screen.getByRole('button', { name: 'Use here: the Python language server' }));
      expect(inUse.onRetry).toHaveBeenCalledOnce();
    });

    it('counts errors and warnings; the count opens the Problems list', () => {
      const view = language({ kind: 'ready' }, 2, 1);
      show({ language: view });
      const problems = screen.getByRole('button', { name: 'Problems: 2 errors, 1 warning' });
      // Seen: the glyphs and counts; heard: the words around them.
      expect(problems.textContent.replace(/\s+/g, ' ')).toBe('Problems: ⨂ 2 errors, ⚠ 1 warning');
      expect(problems.getAttribute('aria-expanded')).toBe('false');
      fireEvent.click(problems);
      expect(view.onToggleProblems).toHaveBeenCalledOnce();
    });
  });
});
