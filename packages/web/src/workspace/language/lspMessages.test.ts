import { describe, expect, it } from 'vitest';

import { editUris, locationUris, withEditRange } from './lspMessages';

const A = 'file:///workspace/a.py';
const B = 'file:///workspace/pkg/b.py';
const at = (line: number, character: number) => ({ line, character });
const range = { start: at(0, 0), end: at(0, 1) };

describe('locationUris', () => {
  it('reads a Location, a LocationLink, a list of both, or nothing', () => {
    expect(locationUris({ uri: A, range })).toEqual([A]);
    expect(
      locationUris([
        { targetUri: B, targetRange: range },
        { uri: A, range },
      ]),
    ).toEqual([B, A]);
    expect(
      locationUris([
        { uri: A, range },
        { uri: A, range: { ...range, end: at(3, 0) } },
      ]),
    ).toEqual([A]);
    expect(locationUris(null)).toEqual([]);
    expect(locationUris([null, 42, { range }])).toEqual([]);
  });
});

describe('editUris', () => {
  it('lists each file a WorkspaceEdit changes once, from changes and documentChanges', () => {
    const edit = {
      changes: { [A]: [{ range, newText: 'x' }] },
      documentChanges: [
        { textDocument: { uri: B, version: 3 }, edits: [] },
        { textDocument: { uri: A, version: 1 }, edits: [] },
        { kind: 'create', uri: 'file:///workspace/new.py' },
      ],
    };
    expect(editUris(edit)).toEqual([A, B]);
    expect(editUris(null)).toEqual([]);
  });
});

describe('withEditRange', () => {
  const typed = { start: at(4, 3), end: at(4, 5) };

  it('gives the items without a text edit the range of the word typed', () => {
    const items = [
      { label: 'path', insertText: 'path' },
      { label: 'pardir' },
      { label: 'kept', textEdit: { range, newText: 'kept()' } },
    ];
    expect(withEditRange(items, typed)).toEqual([
      { label: 'path', insertText: 'path', textEdit: { range: typed, newText: 'path' } },
      { label: 'pardir', textEdit: { range: typed, newText: 'pardir' } },
      { label: 'kept', textEdit: { range, newText: 'kept()' } },
    ]);
  });

  it('keeps a completion list as a list, and no answer as none', () => {
    expect(withEditRange({ isIncomplete: true, items: [{ label: 'os' }] }, typed)).toEqual({
      isIncomplete: true,
      items: [{ label: 'os', textEdit: { range: typed, newText: 'os' } }],
    });
    expect(withEditRange(null, typed)).toBeNull();
  });
});
