import { createHash } from 'node:crypto';

import type { FileContent, FileEntry } from '@workcell/protocol';

import { WorkcellError } from '../errors';
import type { FileRow } from '../store/schema';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export const sha256 = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

/** The text of bytes that are valid UTF-8 without NULs; undefined for anything else. */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Text when the bytes are valid UTF-8 without NULs, otherwise base64: never a lossy decode. */
export function encodeContent(bytes: Uint8Array): Pick<FileContent, 'content' | 'encoding'> {
  const text = decodeText(bytes);
  if (text !== undefined) return { content: text, encoding: 'utf-8' };
  return { content: Buffer.from(bytes).toString('base64'), encoding: 'base64' };
}

export function decodeContent(content: string, encoding: 'utf-8' | 'base64'): Buffer {
  if (encoding === 'utf-8') return Buffer.from(content, 'utf8');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 === 1) {
    throw new WorkcellError('INVALID_ENCODING', 'The content is not valid base64.');
  }
  return Buffer.from(content, 'base64');
}

/** A file as the API shows it, but its content. */
export const fileFields = (row: FileRow): Omit<FileContent, 'content' | 'encoding'> => ({
  path: row.path,
  version: row.version,
  size: row.size,
  sha256: row.sha256 ?? '',
  updatedAt: row.updated_at.toISOString(),
});

/** A file or folder as lists and moves answer it. */
export const toFileEntry = (
  row: Pick<FileRow, 'path' | 'type' | 'size' | 'version' | 'updated_at'>,
): FileEntry => ({
  path: row.path,
  type: row.type,
  size: row.size,
  version: row.version,
  updatedAt: row.updated_at.toISOString(),
});

export function toFileContent(row: FileRow): FileContent {
  return { ...fileFields(row), ...encodeContent(row.content ?? new Uint8Array()) };
}
