import { describe, expect, it } from 'vitest';

import {
  emptyWorkspaceState,
  readWorkspaceState,
  workspaceState,
  type WorkspaceState,
} from './workspace-state';

const tab = (path: string) => ({
  path,
  cursor: { line: 3, column: 7 },
  scroll: { top: 120, left: 0 },
});

const full: WorkspaceState = {
  editorGroups: [
    { tabs: [tab('main.py'), { ...tab('src/util.py'), pinned: true }], active: 'main.py' },
    { tabs: [] },
  ],
  activeGroup: 1,
  layout: { 'workspace-main': [20, 80], 'editor-terminal': [70, 30] },
  panels: { problems: true, search: false },
  terminals: [
    { id: 't-1', name: 'bash', kind: 'shell' },
    { id: 't-2', name: 'Run main.py', kind: 'run', path: 'main.py' },
  ],
  runConfigurations: {
    'main.py': { args: ['--verbose', 'data.csv'], env: { DEBUG: '1', _X: '' } },
  },
};

describe('workspaceState', () => {
  it('accepts a full document and normalises its paths', () => {
    expect(workspaceState.parse(full)).toEqual(full);
    const parsed = workspaceState.parse({
      editorGroups: [{ tabs: [tab('./src//a.py')], active: 'src/a.py' }],
      runConfigurations: { './b.py': { args: [], env: {} } },
    });
    expect(parsed.editorGroups[0]?.tabs[0]?.path).toBe('src/a.py');
    expect(Object.keys(parsed.runConfigurations)).toEqual(['b.py']);
    // The parts left out are their defaults.
    expect(parsed).toMatchObject({ activeGroup: 0, layout: {}, panels: {}, terminals: [] });
  });

  it.each([
    ['a misspelt key', { ...full, panel: {} }],
    ['a path leaving the workspace', { ...full, editorGroups: [{ tabs: [tab('../x.py')] }] }],
    ['an absolute path', { ...full, runConfigurations: { '/etc/passwd': { args: [], env: {} } } }],
    [
      'a bad environment name',
      { ...full, runConfigurations: { 'a.py': { args: [], env: { '1X': 'v' } } } },
    ],
    ['three editor groups', { ...full, editorGroups: [{ tabs: [] }, { tabs: [] }, { tabs: [] }] }],
    [
      '51 tabs',
      { ...full, editorGroups: [{ tabs: Array.from({ length: 51 }, (_, i) => tab(`f${i}.py`)) }] },
    ],
    [
      'an active tab that is not open',
      { ...full, editorGroups: [{ tabs: [], active: 'main.py' }] },
    ],
    ['an activeGroup past the groups', { ...full, editorGroups: [{ tabs: [] }], activeGroup: 1 }],
    ['a size over 100', { ...full, layout: { main: [120] } }],
    [
      '21 terminals',
      {
        ...full,
        terminals: Array.from({ length: 21 }, (_, i) => ({
          id: `t${i}`,
          name: 't',
          kind: 'shell',
        })),
      },
    ],
    [
      'an argument over 4 KiB',
      { ...full, runConfigurations: { 'a.py': { args: ['x'.repeat(4097)], env: {} } } },
    ],
    [
      '101 environment variables',
      {
        ...full,
        runConfigurations: {
          'a.py': {
            args: [],
            env: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`V${i}`, ''])),
          },
        },
      },
    ],
  ])('refuses %s', (_, input) => {
    expect(workspaceState.safeParse(input).success).toBe(false);
  });

  it('reads a stored document part by part: a part no longer valid is its default', () => {
    expect(readWorkspaceState(undefined)).toEqual(emptyWorkspaceState());
    expect(readWorkspaceState({ ...full, terminals: 'retired', legacy: 1 })).toEqual({
      ...full,
      terminals: [],
    });
    expect(readWorkspaceState({ ...full, editorGroups: [{ tabs: [] }] })).toEqual({
      ...full,
      editorGroups: [{ tabs: [] }],
      activeGroup: 0,
    });
  });
});
