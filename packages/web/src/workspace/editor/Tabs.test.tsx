import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { DocView } from './docs';
import { Tabs } from './Tabs';

const tab = (path: string, extra: Partial<DocView> = {}): DocView => ({
  path,
  kind: 'text',
  loading: false,
  loadError: undefined,
  dirty: false,
  save: 'saved',
  saveError: undefined,
  deletedOnDisk: false,
  size: 0,
  version: 1,
  pending: undefined,
  revision: 0,
  ...extra,
});

afterEach(cleanup);

function setup(active = 'a.py') {
  const onActivate = vi.fn();
  const onClose = vi.fn();
  render(
    <Tabs
      tabs={[tab('a.py', { dirty: true }), tab('src/util.py'), tab('lib/util.py')]}
      active={active}
      panelId="panel"
      onActivate={onActivate}
      onClose={onClose}
    />,
  );
  return { onActivate, onClose };
}

describe('Tabs', () => {
  it('names tabs, marks unsaved ones and tells same-named files apart', () => {
    setup();
    expect(screen.getByRole('tablist', { name: 'Open files' })).toBeTruthy();
    const tabs = screen.getAllByRole('tab');
    expect(tabs.map((element) => element.getAttribute('aria-selected'))).toEqual([
      'true',
      'false',
      'false',
    ]);
    expect(screen.getByRole('tab', { name: /a\.py \(unsaved\)/ })).toBeTruthy();
    expect(screen.getByRole('tab', { name: /util\.py — src/ })).toBeTruthy();
    expect(screen.getByRole('tab', { name: /util\.py — lib/ })).toBeTruthy();
  });

  it('moves with the arrow keys (wrapping), closes with Delete and a middle click', () => {
    const { onActivate, onClose } = setup();
    const [first, second] = screen.getAllByRole('tab');
    fireEvent.keyDown(first!, { key: 'ArrowLeft' });
    expect(onActivate).toHaveBeenLastCalledWith('lib/util.py');
    fireEvent.keyDown(first!, { key: 'ArrowRight' });
    expect(onActivate).toHaveBeenLastCalledWith('src/util.py');
    fireEvent.keyDown(first!, { key: 'Delete' });
    expect(onClose).toHaveBeenLastCalledWith('a.py');
    fireEvent(second!, new MouseEvent('auxclick', { bubbles: true, button: 1 }));
    expect(onClose).toHaveBeenLastCalledWith('src/util.py');
  });

  it('keeps only the active tab in the Tab order', () => {
    setup('src/util.py');
    expect(screen.getAllByRole('tab').map((element) => element.tabIndex)).toEqual([-1, 0, -1]);
  });

  it('hands a dragged tab, and the group it left, to the strip it is dropped on', () => {
    const onDropTab = vi.fn();
    render(
      <Tabs
        tabs={[tab('a.py'), tab('b.py')]}
        active="a.py"
        panelId="panel"
        label="Editor group 2"
        group={1}
        onActivate={vi.fn()}
        onClose={vi.fn()}
        onDropTab={onDropTab}
      />,
    );
    const data = new Map<string, string>();
    const dataTransfer = {
      setData: (type: string, value: string) => data.set(type, value),
      getData: (type: string) => data.get(type) ?? '',
      get types() {
        return [...data.keys()];
      },
    };
    const [first, second] = screen.getAllByRole('tab');
    fireEvent.dragStart(second!, { dataTransfer });
    fireEvent.drop(first!, { dataTransfer });
    expect(onDropTab).toHaveBeenLastCalledWith({ key: 'b.py', group: 1 }, 'a.py');
    fireEvent.drop(screen.getByRole('tablist', { name: 'Editor group 2' }), { dataTransfer });
    expect(onDropTab).toHaveBeenLastCalledWith({ key: 'b.py', group: 1 }, undefined);
    // Anything else dropped (a file from the desktop) is not a tab.
    data.clear();
    data.set('Files', '');
    fireEvent.drop(first!, { dataTransfer });
    expect(onDropTab).toHaveBeenCalledTimes(2);
  });
});
