/**
 * The search pool's task: matching (or replacing in) a batch of files. It runs on a
 * thread of its own so a slow regular expression holds no one's event loop, and so the
 * search service can stop it at its time limit by ending the thread.
 */
import type { SearchFile } from '@workcell/protocol';

import { decodeText } from '../files/content';
import { compilePattern, findMatches, replaceMatches, type Pattern } from './matcher';

export interface StoredFile {
  path: string;
  version: number;
  content: Uint8Array;
}

export interface FindTask {
  kind: 'find';
  pattern: Pattern;
  files: StoredFile[];
  /** Matches wanted at most. */
  limit: number;
}

export interface FindResult {
  files: SearchFile[];
  matches: number;
  /** There were more matches than `limit`. */
  more: boolean;
  /** Files that are not UTF-8 text. */
  binary: number;
}

export interface ReplaceTask {
  kind: 'replace';
  pattern: Pattern;
  replacement: string;
  /** `only`: the `line:column` of the matches to replace; all when absent. */
  files: (StoredFile & { only?: string[] })[];
}

export interface ReplaceResult {
  files: { path: string; content: Uint8Array; replacements: number }[];
  /** Paths that are not UTF-8 text. */
  binary: string[];
}

function find({ pattern, files, limit }: FindTask): FindResult {
  const regex = compilePattern(pattern);
  const result: FindResult = { files: [], matches: 0, more: false, binary: 0 };
  for (const file of files) {
    const text = decodeText(file.content);
    if (text === undefined) {
      result.binary += 1;
      continue;
    }
    const { matches, more } = findMatches(text, regex, limit - result.matches);
    if (matches.length > 0) result.files.push({ path: file.path, version: file.version, matches });
    result.matches += matches.length;
    if (more) return { ...result, more };
  }
  return result;
}

function replace({ pattern, replacement, files }: ReplaceTask): ReplaceResult {
  const regex = compilePattern(pattern);
  const encoder = new TextEncoder();
  const result: ReplaceResult = { files: [], binary: [] };
  for (const file of files) {
    const text = decodeText(file.content);
    if (text === undefined) {
      result.binary.push(file.path);
      continue;
    }
    const only = file.only && new Set(file.only);
    const replaced = replaceMatches(text, regex, pattern, replacement, only);
    if (replaced.replacements > 0 && replaced.text !== text) {
      result.files.push({
        path: file.path,
        content: encoder.encode(replaced.text),
        replacements: replaced.replacements,
      });
    }
  }
  return result;
}

export default function run(task: FindTask | ReplaceTask): FindResult | ReplaceResult {
  return task.kind === 'find' ? find(task) : replace(task);
}
