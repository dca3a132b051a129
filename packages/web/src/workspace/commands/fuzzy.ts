/**
 * Fuzzy matching for the quick pick, on fuzzysort (Sublime Text-style scoring: consecutive
 * characters and word starts count more). Results carry the matched character positions in
 * the label shown, for highlighting.
 */
import fuzzysort from 'fuzzysort';

export interface FuzzyMatch<T> {
  item: T;
  /** Positions in the label of the characters the query matched, ascending. */
  indexes: readonly number[];
}

/** Any in-order match is kept: fuzzysort's default floor hides long paths typed by initials. */
const THRESHOLD = 0;

export interface LabelIndex<T> {
  readonly items: readonly T[];
  readonly search: (query: string, limit: number) => FuzzyMatch<T>[];
}

/** Best match first; built once per list so each key press only scores. */
export function indexByLabel<T>(items: readonly T[], label: (item: T) => string): LabelIndex<T> {
  const snapshot = fuzzysort.snapshot(items, { key: label });
  return {
    items,
    search: (query, limit) =>
      fuzzysort
        .go(query, snapshot, { limit, threshold: THRESHOLD })
        .map((result) => ({ item: result.obj, indexes: [...result.indexes] })),
  };
}

/** A basename match counts for more than the same match spread over the directories. */
const DIRECTORY_WEIGHT = 0.8;

/**
 * Paths matched over the whole path with the basename weighted: "main" finds `src/main.py`
 * before `main/setup.py`, and "s/m" still finds `src/main.py`. Indexes are in the whole path.
 * Two plain string searches (names, then paths) merged: fuzzysort is several times faster on
 * strings than on objects with keys, which keeps 10,000 paths within a key press.
 */
export function indexPaths(paths: readonly string[]): LabelIndex<string> {
  const withName = new Map<string, string[]>();
  for (const path of paths) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const same = withName.get(name);
    if (same) same.push(path);
    else withName.set(name, [path]);
  }
  const names = fuzzysort.snapshot([...withName.keys()]);
  const whole = fuzzysort.snapshot(paths);
  return {
    items: paths,
    search: (query, limit) => {
      const best = new Map<string, { score: number; indexes: readonly number[] }>();
      for (const result of fuzzysort.go(query, names, { limit: 0, threshold: THRESHOLD })) {
        const indexes = [...result.indexes];
        for (const path of withName.get(result.target) ?? []) {
          const offset = path.length - result.target.length;
          best.set(path, { score: result.score, indexes: indexes.map((index) => index + offset) });
        }
      }
      for (const result of fuzzysort.go(query, whole, { limit: 0, threshold: THRESHOLD })) {
        const score = result.score * DIRECTORY_WEIGHT;
        const known = best.get(result.target);
        if (!known || score > known.score)
          best.set(result.target, { score, indexes: [...result.indexes] });
      }
      return [...best]
        .sort(([pathA, a], [pathB, b]) => b.score - a.score || pathA.localeCompare(pathB))
        .slice(0, limit)
        .map(([item, { indexes }]) => ({ item, indexes }));
    },
  };
}
