/**
 * The one path normaliser for REST routes, WebSocket messages and agent frames. A
 * workspace path is relative to the workspace root, uses `/` as separator, never leaves
 * the root, holds no character a name may not (names.ts) and is NFC, so two paths that
 * look the same are the same. Anything else is rejected rather than repaired, so a caller can never
 * be surprised by which file it touched.
 */
import { nameProblem } from './names';

export const PATH_SEGMENT_MAX_BYTES = 255;
export const PATH_MAX_BYTES = 1024;

const utf8 = new TextEncoder();
const byteLength = (text: string): number => utf8.encode(text).length;

/** INVALID_NAME: a character no name may hold; INVALID_PATH: the path's shape. */
export type PathResult =
  { ok: true; path: string } | { ok: false; reason: string; code: 'INVALID_PATH' | 'INVALID_NAME' };

const invalid = (reason: string): PathResult => ({ ok: false, reason, code: 'INVALID_PATH' });

export function normaliseWorkspacePath(input: string): PathResult {
  if (typeof input !== 'string' || input.length === 0) return invalid('the path is empty');
  if (!input.isWellFormed()) return invalid('the path is not valid UTF-8');
  const problem = nameProblem(input);
  if (problem)
    return { ok: false, reason: `the name is not allowed: ${problem}`, code: 'INVALID_NAME' };
  if (input.includes('\\')) return invalid('use / as the separator, not \\');
  if (input.startsWith('/')) return invalid('the path must be relative to the workspace');
  const segments: string[] = [];
  for (const segment of input.normalize('NFC').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return invalid('the path must not contain ..');
    if (byteLength(segment) > PATH_SEGMENT_MAX_BYTES)
      return invalid(`a path segment is longer than ${PATH_SEGMENT_MAX_BYTES} bytes`);
    segments.push(segment);
  }
  if (segments.length === 0) return invalid('the path names the workspace root');
  const path = segments.join('/');
  if (byteLength(path) > PATH_MAX_BYTES)
    return invalid(`the path is longer than ${PATH_MAX_BYTES} bytes`);
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
