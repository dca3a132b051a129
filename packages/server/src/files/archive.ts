/**
 * A workspace as a zip archive, both ways. Downloading streams every folder (as a
 * directory entry) and file of the workspace. Uploading is refused whole or written
 * whole: every entry's name goes through the path normaliser and the declared sizes are
 * checked against the limits before anything is inflated, and the files are then written
 * in one transaction (quota, revisions and events as for any other write).
 */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32 } from 'node:zlib';

import { normaliseWorkspacePath } from '@workcell/protocol';
import { unzipSync, Zip, ZipDeflate, ZipPassThrough, type UnzipFileInfo } from 'fflate';

import { WorkcellError } from '../errors';
import type { FileRow } from '../store/schema';
import { formatBytes, type FileService, type WriteEntry } from './service';

/** Entries an uploaded archive may hold (files, folders and skipped ones together). */
export const MAX_ARCHIVE_ENTRIES = 10_000;
/** Files are fed to the compressor in slices this big, yielding to the event loop between them. */
const SLICE_BYTES = 1024 * 1024;

export const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed'];

// ---- download --------------------------------------------------------------------------

/**
 * The workspace as a zip, produced while it is sent: folders as directory entries, files
 * read one at a time (each as it is when its turn comes).
 */
export function archiveStream(files: FileService, workspaceId: string): Readable {
  async function* generate(): AsyncGenerator<Uint8Array> {
    const ready: Uint8Array[] = [];
    let failure: Error | undefined;
    const zip = new Zip((error, chunk) => {
      if (error) failure = error;
      else ready.push(chunk);
    });
    function* drain(): Generator<Uint8Array> {
      if (failure) throw failure;
      while (ready.length > 0) yield ready.shift()!;
    }
    for (const entry of await files.list(workspaceId)) {
      if (entry.type === 'folder') {
        const folder = new ZipPassThrough(`${entry.path}/`);
        folder.mtime = entry.updated_at;
        zip.add(folder);
        folder.push(new Uint8Array(0), true);
      } else {
        const row = await files.find(workspaceId, entry.path);
        // Deleted (or replaced by a folder) since the listing: not in the archive.
        if (row?.type !== 'file') continue;
        const content = row.content ?? new Uint8Array(0);
        const file = new ZipDeflate(row.path, { level: 6 });
        file.mtime = row.updated_at;
        zip.add(file);
        let offset = 0;
        do {
          const end = Math.min(offset + SLICE_BYTES, content.length);
          file.push(content.subarray(offset, end), end === content.length);
          offset = end;
          yield* drain();
          if (offset < content.length) await nextTurn();
        } while (offset < content.length);
      }
      yield* drain();
    }
    zip.end();
    yield* drain();
  }
  return Readable.from(generate(), { objectMode: false });
}

/** `attachment` with the name as ASCII (for old clients) and exactly, UTF-8 encoded (RFC 6266). */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

// ---- upload ----------------------------------------------------------------------------

export interface ArchiveLimits {
  maxFileBytes: number;
  maxWorkspaceBytes: number;
}

const corrupt = (detail: string) =>
  new WorkcellError('VALIDATION_FAILED', `The archive is not a valid zip file: ${detail}.`);

/** How an entry's name appears in a message: quoted, escaped, and not too long. */
const shown = (name: string) => JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);

/** Files macOS adds to the archives it makes, which nobody means to upload. */
function isClutter(name: string): boolean {
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  return segments[0] === '__MACOSX' || segments.at(-1) === '.DS_Store';
}

interface DirectoryRecord {
  crc: number;
  encrypted: boolean;
}

/**
 * The CRC and encryption flag of every entry, read from the central directory (fflate
 * neither checks the one nor refuses the other), in the directory's order.
 */
function centralDirectory(data: Uint8Array): DirectoryRecord[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));
  let end = -1;
  for (let at = data.length - 22; at >= Math.max(0, data.length - 22 - 0xffff); at--) {
    if (u32(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end === -1) throw corrupt('no end of central directory');
  let count = u16(end + 10);
  let offset = u32(end + 16);
  if ((count === 0xffff || offset === 0xffffffff) && end >= 20 && u32(end - 20) === 0x07064b50) {
    const zip64End = u64(end - 12);
    if (zip64End + 56 > data.length || u32(zip64End) !== 0x06064b50)
      throw corrupt('a broken zip64 directory');
    count = u64(zip64End + 32);
    offset = u64(zip64End + 48);
  }
  if (count > MAX_ARCHIVE_ENTRIES) {
    throw new WorkcellError(
      'PAYLOAD_TOO_LARGE',
      `The archive has ${count.toLocaleString('en')} entries; at most ${MAX_ARCHIVE_ENTRIES.toLocaleString('en')} are accepted.`,
    );
  }
  const records: DirectoryRecord[] = [];
  for (let at = offset; records.length < count;) {
    if (at + 46 > data.length || u32(at) !== 0x02014b50)
      throw corrupt('a broken central directory');
    records.push({ crc: u32(at + 16), encrypted: (u16(at + 8) & 1) === 1 });
    at += 46 + u16(at + 28) + u16(at + 30) + u16(at + 32);
  }
  return records;
}

interface Accepted {
  /** The entry's name in the archive. */
  name: string;
  /** Where it goes in the workspace. */
  path: string;
  type: 'file' | 'folder';
  size: number;
  crc: number;
}

/**
 * The entries of a zip, placed under `folder`, ready for `FileService.writeMany`. Throws
 * before inflating anything when a name is not a valid workspace path (VALIDATION_FAILED),
 * names a path twice, or the declared sizes break the limits (FILE_TOO_LARGE,
 * WORKSPACE_FULL); after inflating, when an entry is not what the directory says.
 */
export function readArchive(
  data: Uint8Array,
  folder: string | undefined,
  limits: ArchiveLimits,
): WriteEntry[] {
  if (data.length === 0) throw corrupt('the body is empty');
  const records = centralDirectory(data);
  const listed: UnzipFileInfo[] = [];
  try {
    unzipSync(data, {
      filter: (file) => {
        listed.push(file);
        return false;
      },
    });
  } catch (error) {
    throw corrupt((error as Error).message);
  }
  if (listed.length !== records.length) throw corrupt('its directories disagree');

  const accepted: Accepted[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of listed.entries()) {
    if (isClutter(entry.name)) continue;
    const record = records[index]!;
    if (record.encrypted)
      throw new WorkcellError(
        'VALIDATION_FAILED',
        `The archive entry ${shown(entry.name)} is encrypted; upload an archive without a password.`,
      );
    const type = entry.name.endsWith('/') ? 'folder' : 'file';
    const name = type === 'folder' ? entry.name.slice(0, -1) : entry.name;
    // A directory entry for the archive's own root (`./`) says nothing.
    if (type === 'folder' && /^(\.?\/)*\.?$/.test(name)) continue;
    // The name is checked alone first, so `..` cannot climb out of `folder`.
    const alone = normaliseWorkspacePath(name);
    const normalised = alone.ok
      ? normaliseWorkspacePath(folder === undefined ? alone.path : `${folder}/${alone.path}`)
      : alone;
    if (!normalised.ok)
      throw new WorkcellError(
        'VALIDATION_FAILED',
        `The archive entry ${shown(entry.name)} is not a valid workspace path: ${normalised.reason}.`,
      );
    if (seen.has(normalised.path))
      throw new WorkcellError(
        'VALIDATION_FAILED',
        `The archive names ${shown(normalised.path)} more than once.`,
      );
    seen.add(normalised.path);
    accepted.push({
      name: entry.name,
      path: normalised.path,
      type,
      size: type === 'file' ? entry.originalSize : 0,
      crc: record.crc,
    });
  }

  let total = 0;
  for (const entry of accepted) {
    if (entry.size > limits.maxFileBytes)
      throw new WorkcellError(
        'FILE_TOO_LARGE',
        `${entry.path} is ${formatBytes(entry.size)} uncompressed; the limit is ${formatBytes(limits.maxFileBytes)} a file.`,
      );
    total += entry.size;
  }
  if (total > limits.maxWorkspaceBytes)
    throw new WorkcellError(
      'WORKSPACE_FULL',
      `The archive holds ${formatBytes(total)} uncompressed; a workspace holds at most ${formatBytes(limits.maxWorkspaceBytes)}.`,
    );

  const wanted = new Set(accepted.filter((e) => e.type === 'file').map((e) => e.name));
  let inflated: Record<string, Uint8Array>;
  try {
    // fflate inflates each entry into a buffer of its declared size, never more.
    inflated = unzipSync(data, { filter: (file) => wanted.has(file.name) });
  } catch (error) {
    throw corrupt((error as Error).message);
  }
  return accepted.map((entry): WriteEntry => {
    if (entry.type === 'folder') return { type: 'folder', path: entry.path };
    const bytes = inflated[entry.name];
    if (bytes?.length !== entry.size || crc32(bytes) !== entry.crc)
      throw corrupt(`${shown(entry.name)} does not match its checksum`);
    return { type: 'file', path: entry.path, bytes };
  });
}

/** Extracts a zip into the workspace under `folder`; answers the rows written. */
export async function extractArchive(
  files: FileService,
  workspaceId: string,
  data: Uint8Array,
  folder: string | undefined,
): Promise<FileRow[]> {
  const entries = readArchive(data, folder, files.limits);
  if (entries.length === 0) return [];
  return files.writeMany(workspaceId, entries, { source: 'api' });
}
