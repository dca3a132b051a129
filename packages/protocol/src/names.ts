/**
 * Characters no name a user gives may hold (paths, workspace names, usernames): they are
 * invisible or reorder what is shown, so two different names would look the same, or a
 * name would show as another (`txt.exe` reversed to read `exe.txt`). Refused, never
 * silently removed, with INVALID_NAME.
 */
const FORBIDDEN: [RegExp, string][] = [
  // eslint-disable-next-line no-control-regex
  [/[\u0000-\u001f\u007f-\u009f]/u, 'a control character'],
  [/\ufeff/u, 'a byte-order mark (U+FEFF)'],
  [
    // The combining grapheme joiner (U+034F) is meant: it is as invisible as the rest.
    // eslint-disable-next-line no-misleading-character-class
    /[\u200b-\u200d\u2060\u180e\u00ad\u034f\u115f\u1160\u3164\uffa0]/u,
    'an invisible (zero-width) character',
  ],
  [/[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/u, 'a bidirectional control character'],
  [/[\u2061-\u2064\u206a-\u206f\ufff9-\ufffb]/u, 'an invisible formatting character'],
];

/** Why `name` may not be used, or undefined when it may. */
export function nameProblem(name: string): string | undefined {
  for (const [pattern, what] of FORBIDDEN) {
    const match = pattern.exec(name);
    if (match) {
      const point = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      return `it contains ${what} (U+${point} at character ${match.index + 1})`;
    }
  }
  return undefined;
}

const ANY_FORBIDDEN = new RegExp(FORBIDDEN.map(([pattern]) => pattern.source).join('|'), 'gu');

/** `name` in NFC without the characters no name may hold (for names stored before the rule). */
export const withoutForbidden = (name: string): string =>
  name.normalize('NFC').replace(ANY_FORBIDDEN, '');
