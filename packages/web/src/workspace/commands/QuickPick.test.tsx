import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { WorkspaceSymbol, WorkspaceSymbolSearch } from '../language/workspaceSymbols';
import { CommandRegistry } from './CommandRegistry';
import { bindCommand } from './defaultCommands';
import { QuickPick } from './QuickPick';

afterEach(cleanup);

const PATHS = ['src/main.py', 'src/util/strings.py', 'README.md', 'data/sales.csv'];

const HYPOTENUSE: WorkspaceSymbol = {
  name: 'compute_hypotenuse',
  kind: 'function',
  container: 'geometry.helpers',
  path: 'geometry/helpers.py',
  line: 3,
  column: 5,
};

function setup(
  initialMode: 'commands' | 'files' | 'symbols',
  searchSymbols: WorkspaceSymbolSearch = () => Promise.resolve([]),
) {
  const registry = new CommandRegistry();
  const ran: string[] = [];
  registry.register(bindCommand('file.save', () => void ran.push('save')));
  registry.register(bindCommand('run.file', () => void ran.push('run')));
  registry.register(bindCommand('terminal.new', () => void ran.push('terminal')));
  registry.register(
    bindCommand(
      'file.history',
      () => void ran.push('history'),
      () => false,
    ),
  );
  const opener = document.createElement('button');
  document.body.append(opener);
  opener.focus();
  const onOpenFile = vi.fn();
  const onOpenSymbol = vi.fn();
  const onClose = vi.fn();
  render(
    <QuickPick
      initialMode={initialMode}
      registry={registry}
      paths={PATHS}
      onOpenFile={onOpenFile}
      searchSymbols={searchSymbols}
      onOpenSymbol={onOpenSymbol}
      onClose={onClose}
      platform="other"
    />,
  );
  const input = () => screen.getByRole('combobox');
  const options = () => screen.queryAllByRole('option').map((option) => option.textContent);
  const selected = () =>
    screen.getAllByRole('option').find((option) => option.getAttribute('aria-selected') === 'true')
      ?.textContent;
  const type = (value: string) => fireEvent.change(input(), { target: { value } });
  const press = (key: string) => fireEvent.keyDown(input(), { key });
  return {
    registry,
    ran,
    opener,
    onOpenFile,
    onOpenSymbol,
    onClose,
    input,
    options,
    selected,
    type,
    press,
  };
}

describe('QuickPick as the command palette', () => {
  it('lists every enabled command with its shortcut, the most recently used first', () => {
    const pick = setup('commands');
    expect(screen.getByRole('dialog', { name: 'Command palette' })).toBeTruthy();
    expect(pick.input().getAttribute('value')).toBe('>');
    expect(pick.options()).toEqual([
      'File: SaveCtrl+S',
      'Run: Run fileF5',
      'Terminal: New terminalCtrl+Shift+`',
    ]);
    expect(screen.getByText('Ctrl+S').tagName).toBe('KBD');

    act(() => void pick.registry.run('terminal.new'));
    expect(pick.options()[0]).toBe('Terminal: New terminalCtrl+Shift+`');
  });

  it('filters fuzzily, highlights what matched and runs the chosen command with Enter', () => {
    const pick = setup('commands');
    pick.type('>rnf');
    expect(pick.options()).toEqual(['Run: Run fileF5']);
    const marks = [...screen.getByRole('option').querySelectorAll('mark')].map(
      (m) => m.textContent,
    );
    expect(marks.join('').toLowerCase()).toBe('rnf');
    pick.press('Enter');
    expect(pick.ran).toEqual(['run']);
    expect(pick.onClose).toHaveBeenCalledOnce();
  });

  it('moves the active option with the arrow, page, Home and End keys', () => {
    const pick = setup('commands');
    expect(pick.selected()).toBe('File: SaveCtrl+S');
    pick.press('ArrowDown');
    expect(pick.selected()).toBe('Run: Run fileF5');
    expect(pick.input().getAttribute('aria-activedescendant')).toBe(
      screen.getAllByRole('option')[1]?.id,
    );
    pick.press('End');
    expect(pick.selected()).toBe('Terminal: New terminalCtrl+Shift+`');
    pick.press('ArrowDown');
    expect(pick.selected()).toBe('File: SaveCtrl+S');
    pick.press('ArrowUp');
    expect(pick.selected()).toBe('Terminal: New terminalCtrl+Shift+`');
    pick.press('Home');
    expect(pick.selected()).toBe('File: SaveCtrl+S');
    pick.press('PageDown');
    expect(pick.selected()).toBe('Terminal: New terminalCtrl+Shift+`');
    pick.press('PageUp');
    expect(pick.selected()).toBe('File: SaveCtrl+S');
    pick.press('Enter');
    expect(pick.ran).toEqual(['save']);
  });

  it('closes on Escape and gives focus back to where it was', () => {
    const pick = setup('commands');
    expect(document.activeElement).toBe(pick.input());
    pick.press('Escape');
    expect(pick.onClose).toHaveBeenCalledOnce();
    expect(document.activeElement).toBe(pick.opener);
    expect(pick.ran).toEqual([]);
  });

  it('closes on a click outside', () => {
    const pick = setup('commands');
    fireEvent.mouseDown(document.body);
    expect(pick.onClose).toHaveBeenCalledOnce();
  });

  it('turns into Go to file when the ">" is deleted', () => {
    const pick = setup('commands');
    pick.type('');
    expect(screen.getByRole('dialog', { name: 'Go to file' })).toBeTruthy();
    expect(pick.options()).toHaveLength(PATHS.length);
  });
});

describe('QuickPick as Go to file', () => {
  it('matches over the whole path, names first, and opens the chosen file', () => {
    const pick = setup('files');
    expect(screen.getByRole('dialog', { name: 'Go to file' })).toBeTruthy();
    pick.type('str');
    expect(pick.options()[0]).toBe('strings.pysrc/util');
    pick.type('sm');
    expect(pick.options()).toContain('main.pysrc');
    pick.type('sales');
    fireEvent.click(screen.getByRole('option'));
    expect(pick.onOpenFile).toHaveBeenCalledWith('data/sales.csv');
    expect(pick.onClose).toHaveBeenCalledOnce();
  });

  it('says when nothing matches, and Enter then does nothing', () => {
    const pick = setup('files');
    pick.type('zzzz');
    expect(screen.getByRole('status').textContent).toBe('No matching files');
    pick.press('Enter');
    expect(pick.onOpenFile).not.toHaveBeenCalled();
  });

  it('turns into Go to symbol in workspace when "#" is typed', async () => {
    const pick = setup('files', () => Promise.resolve([HYPOTENUSE]));
    pick.type('#hyp');
    expect(screen.getByRole('dialog', { name: 'Go to symbol in workspace' })).toBeTruthy();
    expect(await screen.findByRole('option', { name: /compute_hypotenuse/ })).toBeTruthy();
  });

  it('turns into the command palette when ">" is typed', () => {
    const pick = setup('files');
    pick.type('>save');
    expect(screen.getByRole('dialog', { name: 'Command palette' })).toBeTruthy();
    expect(pick.options()).toEqual(['File: SaveCtrl+S']);
  });
});

describe('QuickPick as Go to symbol in workspace', () => {
  it('asks once typing pauses, lists the symbols with kind and place, and opens the chosen one', async () => {
    const search = vi.fn((query: string) =>
      Promise.resolve(query.startsWith('compute') ? [HYPOTENUSE] : []),
    );
    const pick = setup('symbols', search);
    expect(screen.getByRole('dialog', { name: 'Go to symbol in workspace' })).toBeTruthy();
    expect(pick.input().getAttribute('value')).toBe('#');
    pick.type('#comp');
    pick.type('#compute');
    const option = await screen.findByRole('option', { name: /compute_hypotenuse/ });
    expect(option.textContent).toBe(
      'functioncompute_hypotenusegeometry.helpers · geometry/helpers.py:3',
    );
    expect(search).toHaveBeenCalledTimes(1);
    expect(search).toHaveBeenCalledWith('compute');
    pick.press('Enter');
    expect(pick.onOpenSymbol).toHaveBeenCalledWith({
      path: 'geometry/helpers.py',
      line: 3,
      column: 5,
    });
    expect(pick.onClose).toHaveBeenCalledOnce();
  });

  it('says when nothing matches, and why the server could not be asked', async () => {
    let connected = true;
    const pick = setup('symbols', () =>
      connected
        ? Promise.resolve([])
        : Promise.reject(new Error('The Python language server is not connected.')),
    );
    pick.type('#nothing_like_it');
    expect((await screen.findByRole('status')).textContent).toBe('No matching symbols');
    connected = false;
    pick.type('#other');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The Python language server is not connected.',
    );
  });

  it('is Go to file again once the "#" is deleted, and asks nothing then', () => {
    const search = vi.fn(() => Promise.resolve([HYPOTENUSE]));
    const pick = setup('symbols', search);
    pick.type('main');
    expect(screen.getByRole('dialog', { name: 'Go to file' })).toBeTruthy();
    expect(pick.options()).toEqual(['main.pysrc']);
    expect(search).not.toHaveBeenCalled();
  });
});
