/**
 * The one path normaliser fuzzed with arbitrary Unicode: whatever it accepts is relative,
 * never climbs out, holds no character a name may not, is NFC, and is its own normal form.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { nameProblem } from './names';
import { normaliseWorkspacePath } from './paths';

const SEED = 42;

/** Path-like strings: segments of any Unicode, with the separators and dots that matter. */
const paths = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme-composite', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('..', '.', '', '\ufeff', '\u202e', '\u200b', 'e\u0301', '\\', '\u0000'),
    ),
    { maxLength: 6 },
  )
  .map((segments) => segments.join('/'));

it('accepts only relative, NFC, forbidden-free paths that normalise to themselves', () => {
  fc.assert(
    fc.property(fc.oneof(paths, fc.string({ unit: 'binary' })), (input) => {
      const result = normaliseWorkspacePath(input);
      if (!result.ok) {
        expect(['INVALID_PATH', 'INVALID_NAME']).toContain(result.code);
        return;
      }
      const { path } = result;
      expect(path.startsWith('/')).toBe(false);
      expect(path.split('/')).not.toContain('..');
      expect(path.split('/')).not.toContain('');
      expect(nameProblem(path)).toBeUndefined();
      expect(path.normalize('NFC')).toBe(path);
      expect(normaliseWorkspacePath(path)).toEqual({ ok: true, path });
    }),
    { seed: SEED, numRuns: 3000 },
  );
});
