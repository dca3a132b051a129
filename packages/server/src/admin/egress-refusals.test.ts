import { describe, expect, it } from 'vitest';

import { recentEgressRefusals, recordEgressRefusal } from './egress-refusals';

describe('egress refusals', () => {
  it('keeps the newest 200, newest first', () => {
    for (let i = 0; i < 250; i++)
      recordEgressRefusal({ workspaceId: null, host: `h${i}.example`, port: i, reason: 'refused' });
    const refusals = recentEgressRefusals();
    expect(refusals).toHaveLength(200);
    expect(refusals[0]?.host).toBe('h249.example');
    expect(refusals.at(-1)?.host).toBe('h50.example');
  });
});
