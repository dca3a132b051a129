import { emptyWorkspaceState, type WorkspaceState } from '@workcell/protocol';
import { describe, expect, it } from 'vitest';

import { afterDelete, afterMove } from './fileMoves';

const at = (path: string, line: number) => ({
  path,
  cursor: { line, column: 1 },
  scroll: { top: 0, left: 0 },
});
const run = { args: ['x'], env: {} };
const state: WorkspaceState = {
  ...emptyWorkspaceState(),
  editorGroups: [{ tabs: [at('src/a.py', 5), at('main.py', 2)], active: 'src/a.py' }],
  runConfigurations: { 'src/a.py': run, 'main.py': run },
};

describe('the remembered state following files', () => {
  it('a renamed file keeps its tab, cursor, active place and run configuration', () => {
    const next = afterMove(state, 'main.py', 'app.py');
    expect(next.editorGroups[0]!.tabs).toEqual([at('src/a.py', 5), at('app.py', 2)]);
    expect(Object.keys(next.runConfigurations)).toEqual(['src/a.py', 'app.py']);
  });

  it('a moved folder carries what is inside it, and nothing that only shares its prefix', () => {
    const next = afterMove(
      { ...state, runConfigurations: { ...state.runConfigurations, 'srcx.py': run } },
      'src',
      'lib/src',
    );
    expect(next.editorGroups[0]).toEqual({
      tabs: [at('lib/src/a.py', 5), at('main.py', 2)],
      active: 'lib/src/a.py',
    });
    expect(Object.keys(next.runConfigurations)).toEqual(['lib/src/a.py', 'main.py', 'srcx.py']);
  });

  it("a deleted file's run configuration is forgotten, with those of a deleted folder", () => {
    expect(Object.keys(afterDelete(state, 'main.py').runConfigurations)).toEqual(['src/a.py']);
    expect(Object.keys(afterDelete(state, 'src').runConfigurations)).toEqual(['main.py']);
  });
});
