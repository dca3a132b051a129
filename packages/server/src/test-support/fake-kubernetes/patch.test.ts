import { describe, expect, it } from 'vitest';

import { applyPatch } from './patch';
import { ApiError } from './status';

const pod = { metadata: { name: 'p', labels: { a: '1', b: '2' } }, spec: { list: [1, 2, 3] } };

describe('PATCH bodies', () => {
  it('merges a merge patch (and a strategic one, as a merge patch): null removes, lists are replaced', () => {
    for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
      expect(
        applyPatch(pod, type, { metadata: { labels: { a: null, c: '3' } }, spec: { list: [9] } }),
      ).toEqual({
        metadata: { name: 'p', labels: { b: '2', c: '3' } },
        spec: { list: [9] },
      });
    }
  });

  it('applies JSON patch operations in order, leaving the target alone', () => {
    const patched = applyPatch(pod, 'application/json-patch+json', [
      { op: 'test', path: '/metadata/name', value: 'p' },
      { op: 'add', path: '/metadata/labels/x~1y', value: 'slash' },
      { op: 'remove', path: '/metadata/labels/a' },
      { op: 'replace', path: '/spec/list/0', value: 0 },
      { op: 'add', path: '/spec/list/-', value: 4 },
      { op: 'copy', from: '/metadata/name', path: '/metadata/copy' },
      { op: 'move', from: '/metadata/copy', path: '/metadata/moved' },
    ]);
    expect(patched).toEqual({
      metadata: { name: 'p', labels: { b: '2', 'x/y': 'slash' }, moved: 'p' },
      spec: { list: [0, 2, 3, 4] },
    });
    expect(pod.metadata.labels).toEqual({ a: '1', b: '2' });
  });

  it('fails a JSON patch whose test fails with 422, and an unknown patch type with 415', () => {
    const failed = () =>
      applyPatch(pod, 'application/json-patch+json', [
        { op: 'test', path: '/metadata/name', value: 'q' },
      ]);
    expect(failed).toThrow(expect.objectContaining({ code: 422 }) as ApiError);
    expect(() => applyPatch(pod, 'application/apply-patch+yaml', {})).toThrow(
      expect.objectContaining({ code: 415 }) as ApiError,
    );
  });
});
