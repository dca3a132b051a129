import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { WorkspaceSymbol } from '../language/workspaceSymbols';
import { SymbolPick } from './SymbolPick';

afterEach(cleanup);

const HYPOTENUSE: WorkspaceSymbol = {
  name: 'compute_hypotenuse',
  path: 'geometry/helpers.py',
  line: 3,
  column: 5,
};

function setup(search: (query: string) => Promise<WorkspaceSymbol[]>) {
  const onOpen = vi.fn();
  const onClose = vi.fn();
  render(<SymbolPick search={search} onOpen={onOpen} onClose={onClose} />);
  const input = screen.getByRole('combobox', { name: 'Go to symbol in workspace' });
  return { input, onOpen, onClose };
}

describe('SymbolPick', () => {
  it('asks once typing pauses, lists the symbols with where they are, and opens the chosen one', async () => {
    const search = vi.fn((query: string) =>
      Promise.resolve(query.startsWith('compute') ? [HYPOTENUSE] : []),
    );
    const { input, onOpen, onClose } = setup(search);
    fireEvent.change(input, { target: { value: 'comp' } });
    fireEvent.change(input, { target: { value: 'compute' } });
    const option = await screen.findByRole('option', { name: /compute_hypotenuse/ });
    expect(option.textContent).toContain('geometry/helpers.py:3');
    expect(search).toHaveBeenCalledTimes(1);
    expect(search).toHaveBeenCalledWith('compute');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onOpen).toHaveBeenCalledWith(HYPOTENUSE);
    expect(onClose).toHaveBeenCalled();
  });

  it('says when nothing matches, and why the server could not be asked', async () => {
    let connected = true;
    const { input } = setup(() =>
      connected
        ? Promise.resolve([])
        : Promise.reject(new Error('The Python language server is not connected.')),
    );
    fireEvent.change(input, { target: { value: 'nothing_like_it' } });
    expect(await screen.findByText('No matching symbols')).toBeTruthy();
    connected = false;
    fireEvent.change(input, { target: { value: 'other' } });
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The Python language server is not connected.',
    );
  });
});
