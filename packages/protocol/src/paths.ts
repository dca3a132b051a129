/**
 * The one path normaliser for REST routes, WebSocket messages and agent frames. A
 * workspace path is relative to the workspace root, uses `/` as separator and never
 * leaves the root. Anything else is rejected rather than repaired, so a caller can never
 * be surprised by which file it touched.
 */
export const PATH_SEGMENT_MAX_BYTES = 255;
export const PATH_MAX_BYTES = 1024;

const utf8 = new TextEncoder();
const byteLength = (text: string): number => utf8.encode(text).length;

export type PathResult = { ok: true; path: string } | { ok: false; reason: string };

// C0 controls, DEL and C1 controls: invisible in listings and dangerous in terminals.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export function normaliseWorkspacePath(input: string): PathResult {
  if (typeof input !== 'string' || input.length === 0)
    return { ok: false, reason: 'the path is empty' };
  if (!input.isWellFormed()) {
    return { ok: false, reason: 'the path is not valid UTF-8' };
  }
  if (CONTROL_CHARACTERS.test(input))
    return { ok: false, reason: 'the path contains a control character' };
  if (input.includes('\\')) return { ok: false, reason: 'use / as the separator, not \\' };
  if (input.startsWith('/'))
    return { ok: false, reason: 'the path must be relative to the workspace' };
  const segments: string[] = [];
  for (const segment of input.normalize('NFC').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return { ok: false, reason: 'the path must not contain ..' };
    if (byteLength(segment) > PATH_SEGMENT_MAX_BYTES) {
      return { ok: false, reason: `a path segment is longer than ${PATH_SEGMENT_MAX_BYTES} bytes` };
    }
    segments.push(segment);
  }
  if (segments.length === 0) return { ok: false, reason: 'the path names the workspace root' };
  const path = segments.join('/');
  if (byteLength(path) > PATH_MAX_BYTES) {
    return { ok: false, reason: `the path is longer than ${PATH_MAX_BYTES} bytes` };
  }
  return { ok: true, path };
}

/** Parent folders of a normalised path, outermost first: `a/b/c` → `a`, `a/b`. */
export function parentPaths(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
}

/** True when `path` is `folder` itself or lies inside it. */
export function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}
