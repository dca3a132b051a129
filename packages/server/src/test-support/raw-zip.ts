/**
 * Zip archives byte by byte, for tests and benchmarks that need one no zip tool would
 * make: headers that lie about sizes or checksums, bombs of a chosen ratio, thousands of
 * entries. Each entry's local header and central directory record say the same thing
 * unless told otherwise.
 */
import { crc32, deflateRawSync, constants as zlib } from 'node:zlib';

export interface RawEntry {
  name: string;
  /** The data as stored (already compressed for method 8). */
  stored: Uint8Array;
  /** 0: stored, 8: deflate. */
  method: number;
  crc: number;
  /** The uncompressed size the headers declare. */
  declaredSize: number;
  /** General purpose flags (bit 0: encrypted, bit 11: UTF-8 name); UTF-8 by default. */
  flags?: number;
}

/** An entry of `content`, deflated (or stored, with `method: 0`), with true headers. */
export function entry(
  name: string,
  content: Uint8Array | string,
  { method = 8 }: { method?: 0 | 8 } = {},
): RawEntry {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return {
    name,
    stored: method === 8 ? deflateRawSync(bytes) : bytes,
    method,
    crc: crc32(bytes),
    declaredSize: bytes.length,
  };
}

/**
 * A deflate stream of `block` repeated `times`, made without holding the repeats: the block
 * deflated with a full flush (byte-aligned, referring to nothing before it) repeated, then
 * an empty final block. A MiB of zeros or of one repeated line deflates to about 1 KiB.
 */
export function deflatedRepeats(block: Uint8Array, times: number): Uint8Array {
  const deflated = deflateRawSync(block, { finishFlush: zlib.Z_FULL_FLUSH });
  const end = deflateRawSync(Buffer.alloc(0));
  const out = Buffer.alloc(deflated.length * times + end.length);
  for (let i = 0; i < times; i++) deflated.copy(out, i * deflated.length);
  end.copy(out, deflated.length * times);
  return out;
}

/** `mebibytes` MiB of zero bytes, deflated (about 1 KiB a MiB). */
export const deflatedZeros = (mebibytes: number) =>
  deflatedRepeats(new Uint8Array(1024 * 1024), mebibytes);

/**
 * A bomb whose headers lie: `mebibytes` MiB of `fill` (zeros by default; a MiB of it) that
 * declare one byte, with the checksum of that one byte, so a reader that inflates no further
 * than the headers say finds nothing wrong and keeps one byte.
 */
export function lyingBomb(
  name: string,
  mebibytes: number,
  fill: Uint8Array = new Uint8Array(1024 * 1024),
): RawEntry {
  return {
    name,
    stored: deflatedRepeats(fill, mebibytes),
    method: 8,
    crc: crc32(fill.subarray(0, 1)),
    declaredSize: 1,
  };
}

/** The archive of `entries`; `declaredCount` overrides the entry count its end record gives. */
export function rawZip(
  entries: readonly RawEntry[],
  { declaredCount }: { declaredCount?: number } = {},
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const item of entries) {
    const name = Buffer.from(item.name);
    const flags = item.flags ?? 0x0800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(item.method, 8);
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00
    local.writeUInt32LE(item.crc >>> 0, 14);
    local.writeUInt32LE(item.stored.length, 18);
    local.writeUInt32LE(item.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, Buffer.from(item.stored));
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(item.method, 10);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(item.crc >>> 0, 16);
    central.writeUInt32LE(item.stored.length, 20);
    central.writeUInt32LE(item.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + item.stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(declaredCount ?? entries.length, 8);
  end.writeUInt16LE(declaredCount ?? entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
