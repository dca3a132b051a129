import { describe, expect, it } from 'vitest';

import { menuItems } from './treeMenu';

const labels = (...args: Parameters<typeof menuItems>) =>
  menuItems(...args).map((item) => item.label);

describe('menuItems: comparing files', () => {
  it('offers Select for Compare on a file, and Compare with Selected once another is selected', () => {
    expect(labels(['file'])).toContain('Select for Compare');
    expect(labels(['file'])).not.toContain('Compare with Selected');
    expect(labels(['file'], true)).toEqual(
      expect.arrayContaining(['Select for Compare', 'Compare with Selected']),
    );
  });

  it('never offers to compare a folder or the empty area', () => {
    for (const targets of [['folder'], []] as const)
      expect(labels(targets, true).filter((label) => label.includes('Compare'))).toEqual([]);
  });

  it('offers Compare Selected for exactly two selected files', () => {
    expect(labels(['file', 'file'])).toContain('Compare Selected');
    expect(labels(['file', 'folder'])).not.toContain('Compare Selected');
    expect(labels(['file', 'file', 'file'])).not.toContain('Compare Selected');
  });
});
