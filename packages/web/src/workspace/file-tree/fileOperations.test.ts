import { describe, expect, it } from 'vitest';

import { archiveDownloadUrl } from './fileOperations';

describe('archive downloads', () => {
  it('are the workspace, or one folder of it, named in the query', () => {
    expect(archiveDownloadUrl('w')).toBe('/api/workspace/w/archive');
    expect(archiveDownloadUrl('w', 'a b/c')).toBe('/api/workspace/w/archive?folder=a%20b%2Fc');
  });
});
