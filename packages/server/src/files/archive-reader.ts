/**
 * Reading an uploaded zip (in a worker thread: archive-worker.ts). Nothing an archive says
 * about its contents is trusted: the central directory tells which entries there are and
 * where their data lies, every name goes through the path normaliser, and the data is
 * inflated with the real output counted against the per-file limit and the space the
 * workspace has left, stopping at the first byte too many; only then must each entry match
 * the size and CRC-32 its headers declare. (fflate's unzip inflates into a buffer of the
 * declared size, silently dropping the rest, and checks no checksum: it is not used here.)
 */
import { crc32, inflateRawSync } from 'node:zlib';

import { normaliseWorkspacePath } from '@workcell/protocol';

import { WorkcellError } from '../errors';
import { sha256 } from './content';
import { formatBytes } from './service';

/** An entry that will be written: where, and where its data lies in the archive. */
export interface ListedEntry {
  /** Its name in the archive (for messages). */
  name: string;
  /** Where it goes in the workspace (normalised, under the target folder). */
  path: string;
  type: 'file' | 'folder';
  /** 0: stored, 8: deflate. */
  method: number;
  crc: number;
  declaredSize: number;
  dataStart: number;
  dataLength: number;
}

export type InflatedEntry =
  | { type: 'file'; path: string; bytes: Uint8Array; sha256: string }
  | { type: 'folder'; path: string };

export interface InflateLimits {
  maxFileBytes: number;
  maxWorkspaceBytes: number;
  /** Bytes the archive's files may hold together: the space left plus what they replace. */
  budget: number;
}

const invalid = (detail: string) =>
  new WorkcellError('ARCHIVE_INVALID', `The archive cannot be read: ${detail}.`);

/** How an entry's name appears in a message: quoted, escaped, and not too long. */
const shown = (name: string) => JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);

/** Little-endian fields of the archive, every read checked against its end. */
class Fields {
  private readonly view: DataView;

  constructor(readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private check(at: number, size: number): void {
    if (!Number.isSafeInteger(at) || at < 0 || at + size > this.data.length)
      throw invalid('it is truncated or its directory points outside it');
  }

  u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at, true);
  }

  u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, true);
  }

  u64(at: number): number {
    this.check(at, 8);
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid('a size or offset is out of range');
    return Number(value);
  }

  bytes(at: number, length: number): Uint8Array {
    this.check(at, length);
    return this.data.subarray(at, at + length);
  }
}

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;
const DIRECTORY_RECORD = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const SATURATED = 0xffffffff;

interface Directory {
  count: number;
  offset: number;
}

/** Where the central directory is and how many records it claims, from the end record(s). */
function findDirectory(fields: Fields): Directory {
  const { data } = fields;
  if (data.length === 0) throw invalid('the upload is empty');
  let end = -1;
  // The end record is the last thing, followed by a comment of at most 65,535 bytes.
  for (let at = data.length - 22; at >= Math.max(0, data.length - 22 - 0xffff); at--) {
    if (fields.u32(at) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end === -1) throw invalid('it is not a zip file (no end of central directory)');
  let count = fields.u16(end + 10);
  let offset = fields.u32(end + 16);
  if (
    (count === 0xffff || offset === SATURATED) &&
    end >= 20 &&
    fields.u32(end - 20) === ZIP64_LOCATOR
  ) {
    const zip64End = fields.u64(end - 12);
    if (fields.u32(zip64End) !== ZIP64_END) throw invalid('its zip64 end record is broken');
    count = fields.u64(zip64End + 32);
    offset = fields.u64(zip64End + 48);
  }
  return { count, offset };
}

interface DirectoryRecord {
  nameBytes: Uint8Array;
  utf8Flag: boolean;
  encrypted: boolean;
  method: number;
  crc: number;
  compressedSize: number;
  declaredSize: number;
  localOffset: number;
  /** Where the next record starts. */
  next: number;
}

function readRecord(fields: Fields, at: number): DirectoryRecord {
  if (fields.u32(at) !== DIRECTORY_RECORD) throw invalid('its central directory is broken');
  const flags = fields.u16(at + 8);
  const nameLength = fields.u16(at + 28);
  const extraLength = fields.u16(at + 30);
  const commentLength = fields.u16(at + 32);
  const record: DirectoryRecord = {
    nameBytes: fields.bytes(at + 46, nameLength),
    utf8Flag: (flags & 0x0800) !== 0,
    encrypted: (flags & 0x0001) !== 0,
    method: fields.u16(at + 10),
    crc: fields.u32(at + 16),
    compressedSize: fields.u32(at + 20),
    declaredSize: fields.u32(at + 24),
    localOffset: fields.u32(at + 42),
    next: at + 46 + nameLength + extraLength + commentLength,
  };
  // Saturated fields continue in the zip64 extra field, in this order, each only if saturated.
  const saturated = (['declaredSize', 'compressedSize', 'localOffset'] as const).filter(
    (field) => record[field] === SATURATED,
  );
  if (saturated.length > 0) {
    const extraEnd = at + 46 + nameLength + extraLength;
    let extra = at + 46 + nameLength;
    while (extra + 4 <= extraEnd && fields.u16(extra) !== ZIP64_EXTRA)
      extra += 4 + fields.u16(extra + 2);
    if (extra + 4 > extraEnd || 4 + saturated.length * 8 > 4 + fields.u16(extra + 2))
      throw invalid('a zip64 entry lacks its sizes');
    for (const [index, field] of saturated.entries())
      record[field] = fields.u64(extra + 4 + index * 8);
  }
  return record;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * An entry's name: UTF-8 when flagged so (and then it must be valid), otherwise UTF-8 if it
 * is valid (what most tools write without saying), else Latin-1.
 */
function decodeName(record: DirectoryRecord): string {
  try {
    return strictUtf8.decode(record.nameBytes);
  } catch {
    if (record.utf8Flag)
      throw new WorkcellError(
        'VALIDATION_FAILED',
        `An archive entry's name is not valid UTF-8 although the archive says it is.`,
      );
    return latin1.decode(record.nameBytes);
  }
}

/** Files macOS adds to the archives it makes, which nobody means to upload. */
function isClutter(name: string): boolean {
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  return segments[0] === '__MACOSX' || segments.at(-1) === '.DS_Store';
}

/**
 * The entries of the archive that will be written, placed under `folder`, in directory
 * order; nothing is inflated. Refuses more than `maxEntries` directory records
 * (ARCHIVE_TOO_MANY_ENTRIES) before reading any, a name that is not a valid workspace path
 * or names a path twice (VALIDATION_FAILED), and what is not a readable zip (ARCHIVE_INVALID).
 */
export function listArchive(
  data: Uint8Array,
  folder: string | undefined,
  maxEntries: number,
): ListedEntry[] {
  const fields = new Fields(data);
  const directory = findDirectory(fields);
  if (directory.count > maxEntries) {
    throw new WorkcellError(
      'ARCHIVE_TOO_MANY_ENTRIES',
      `The archive has ${directory.count.toLocaleString('en')} entries; at most ${maxEntries.toLocaleString('en')} are accepted.`,
    );
  }
  const listed: ListedEntry[] = [];
  const seen = new Set<string>();
  /** Where each file's header and data lie, to refuse entries sharing bytes. */
  const spans: { start: number; end: number }[] = [];
  for (let index = 0, at = directory.offset; index < directory.count; index++) {
    const record = readRecord(fields, at);
    at = record.next;
    const name = decodeName(record);
    if (isClutter(name)) continue;
    if (record.encrypted)
      throw new WorkcellError(
        'ARCHIVE_INVALID',
        `The archive entry ${shown(name)} is encrypted; upload an archive without a password.`,
      );
    const type = name.endsWith('/') ? 'folder' : 'file';
    const bare = type === 'folder' ? name.slice(0, -1) : name;
    // A directory entry for the archive's own root (`./`) says nothing.
    if (type === 'folder' && /^(\.?\/)*\.?$/.test(bare)) continue;
    // The name is checked alone first, so `..` cannot climb out of `folder`.
    const alone = normaliseWorkspacePath(bare);
    const normalised = alone.ok
      ? normaliseWorkspacePath(folder === undefined ? alone.path : `${folder}/${alone.path}`)
      : alone;
    if (!normalised.ok)
      throw new WorkcellError(
        'VALIDATION_FAILED',
        `The archive entry ${shown(name)} is not a valid workspace path: ${normalised.reason}.`,
      );
    if (seen.has(normalised.path))
      throw new WorkcellError(
        'VALIDATION_FAILED',
        `The archive names ${shown(normalised.path)} more than once.`,
      );
    seen.add(normalised.path);
    if (type === 'folder') {
      listed.push({ ...folderEntry, name, path: normalised.path });
      continue;
    }
    if (record.method !== 0 && record.method !== 8)
      throw new WorkcellError(
        'ARCHIVE_INVALID',
        `The archive entry ${shown(name)} is compressed with method ${record.method}; only deflate (8) and stored (0) entries can be read.`,
      );
    const local = record.localOffset;
    if (fields.u32(local) !== LOCAL_HEADER)
      throw invalid(`the local header of ${shown(name)} is missing`);
    const dataStart = local + 30 + fields.u16(local + 26) + fields.u16(local + 28);
    fields.bytes(dataStart, record.compressedSize);
    spans.push({ start: local, end: dataStart + record.compressedSize });
    listed.push({
      name,
      path: normalised.path,
      type,
      method: record.method,
      crc: record.crc,
      declaredSize: record.declaredSize,
      dataStart,
      dataLength: record.compressedSize,
    });
  }
  // Entries sharing their data (a few kilobytes named thousands of times) would have the
  // same bytes inflated over and over.
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++)
    if (spans[i]!.start < spans[i - 1]!.end) throw invalid('its entries overlap');
  return listed;
}

const folderEntry = {
  type: 'folder',
  method: 0,
  crc: 0,
  declaredSize: 0,
  dataStart: 0,
  dataLength: 0,
} as const;

/**
 * The listed entries with their content, each file inflated no further than the per-file
 * limit and the budget left (FILE_TOO_LARGE or WORKSPACE_FULL, naming the entry, at the
 * first byte beyond), then checked against its declared size and CRC-32 (ARCHIVE_INVALID).
 * Each file's bytes have a buffer of their own (to be transferred) and their SHA-256.
 */
export function inflateArchive(
  data: Uint8Array,
  listed: readonly ListedEntry[],
  limits: InflateLimits,
): InflatedEntry[] {
  let left = Math.max(0, limits.budget);
  return listed.map((entry): InflatedEntry => {
    if (entry.type === 'folder') return { type: 'folder', path: entry.path };
    const limit = Math.min(limits.maxFileBytes, left);
    const stored = data.subarray(entry.dataStart, entry.dataStart + entry.dataLength);
    let bytes: Uint8Array;
    if (entry.method === 0) {
      bytes = stored.length > limit ? tooLarge(entry, limit, limits) : stored.slice();
    } else {
      try {
        bytes = inflateRawSync(stored, { maxOutputLength: Math.max(1, limit) });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
          return tooLarge(entry, limit, limits);
        throw invalid(`${shown(entry.name)} is damaged (${(error as Error).message})`);
      }
      if (bytes.length > limit) return tooLarge(entry, limit, limits);
      if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength)
        bytes = new Uint8Array(bytes);
    }
    if (bytes.length !== entry.declaredSize)
      throw invalid(
        `${shown(entry.name)} holds ${formatBytes(bytes.length)}, not the ${formatBytes(entry.declaredSize)} its headers declare`,
      );
    if (crc32(bytes) !== entry.crc)
      throw invalid(`${shown(entry.name)} does not match its checksum`);
    left -= bytes.length;
    return { type: 'file', path: entry.path, bytes, sha256: sha256(bytes) };
  });
}

/** The refusal for an entry that inflates past `limit`: whichever limit that was. */
function tooLarge(entry: ListedEntry, limit: number, limits: InflateLimits): never {
  if (limit === limits.maxFileBytes)
    throw new WorkcellError(
      'FILE_TOO_LARGE',
      `The archive entry ${shown(entry.name)} inflates to more than ${formatBytes(limit)}; the limit is ${formatBytes(limits.maxFileBytes)} a file.`,
    );
  throw new WorkcellError(
    'WORKSPACE_FULL',
    `The archive's files inflate to more than the workspace has room for (it holds at most ${formatBytes(limits.maxWorkspaceBytes)}); ${shown(entry.name)} does not fit.`,
  );
}
