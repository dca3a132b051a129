/**
 * A workspace as a zip archive, produced while it is sent: every folder as a directory
 * entry, every file read when its turn comes (in slices: FileService.find). fflate
 * lays out the archive; the deflating itself is zlib's, on libuv's thread pool, so a large
 * workspace never holds the event loop.
 */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32, createDeflateRaw } from 'node:zlib';

import { Zip, ZipPassThrough, type ZipInputFile } from 'fflate';

import type { FileService } from './service';

/** Checksums are taken this much at a time, yielding to the event loop between. */
const SLICE_BYTES = 1024 * 1024;
const DEFLATE = 8;

/** `attachment` with the name as ASCII (for old clients) and exactly, UTF-8 encoded (RFC 6266). */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Adds one file's entry to `zip`: `content` deflated by zlib, passed on as it comes (what
 * the zip has ready is yielded through `drain`); its CRC-32 and size go into the data
 * descriptor fflate writes after it.
 */
async function* deflateInto(
  zip: Zip,
  drain: () => Generator<Uint8Array>,
  name: string,
  mtime: Date,
  content: Uint8Array,
): AsyncGenerator<Uint8Array> {
  const file: ZipInputFile = {
    filename: name,
    compression: DEFLATE,
    mtime,
    size: content.length,
    crc: 0,
  };
  zip.add(file);
  let crc = 0;
  for (let offset = 0; offset < content.length; offset += SLICE_BYTES) {
    crc = crc32(content.subarray(offset, offset + SLICE_BYTES), crc);
    if (offset + SLICE_BYTES < content.length) await nextTurn();
  }
  file.crc = crc;
  const deflate = createDeflateRaw({ level: 6 });
  deflate.end(content);
  for await (const chunk of deflate as AsyncIterable<Uint8Array<ArrayBuffer>>) {
    file.ondata!(null, chunk, false);
    yield* drain();
  }
  file.ondata!(null, new Uint8Array(0), true);
}

/**
 * The workspace, or only `folder`: its entries are then named from the folder itself
 * (`data/x.csv` for `data`, `b/x.csv` for `a/b`), so unzipping makes one folder.
 */
export function archiveStream(files: FileService, workspaceId: string, folder?: string): Readable {
  const nameOf = (path: string) =>
    folder === undefined ? path : path.slice(folder.lastIndexOf('/') + 1);
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
    for (const entry of await files.list(workspaceId, folder)) {
      if (entry.type === 'folder') {
        const directory = new ZipPassThrough(`${nameOf(entry.path)}/`);
        directory.mtime = entry.updated_at;
        zip.add(directory);
        directory.push(new Uint8Array(0), true);
      } else {
        const file = await files.find(workspaceId, entry.path);
        // Deleted (or replaced by a folder) since the listing: not in the archive.
        if (file?.type !== 'file') continue;
        yield* deflateInto(
          zip,
          drain,
          nameOf(entry.path),
          file.updated_at,
          file.content ?? new Uint8Array(0),
        );
      }
      yield* drain();
    }
    zip.end();
    yield* drain();
  }
  return Readable.from(generate(), { objectMode: false });
}
