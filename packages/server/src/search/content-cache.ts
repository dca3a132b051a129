/**
 * Contents of recently searched files, so that searching as one types reads from the
 * database only what changed: a file's content is used only while its SHA-256 is still
 * the one the database lists (the listing is read for every search), so the cache is
 * never a second source of truth, on one replica or many. Least recently used contents
 * go first once the cache holds SEARCH_CACHE_BYTES.
 */
import { LRUCache } from 'lru-cache';

/** Bytes of content the cache holds at most, for all workspaces together. */
export const SEARCH_CACHE_BYTES = 128 * 1024 * 1024;

interface Cached {
  sha256: string;
  content: Uint8Array;
}

export class ContentCache {
  private readonly cache: LRUCache<string, Cached>;

  constructor(maxBytes = SEARCH_CACHE_BYTES) {
    this.cache = new LRUCache<string, Cached>({
      maxSize: maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.content.length),
    });
  }

  /** The content of the file at `path` if it is the one whose hash is `sha256`. */
  get(workspaceId: string, path: string, sha256: string): Uint8Array | undefined {
    const entry = this.cache.get(`${workspaceId}\n${path}`);
    return entry?.sha256 === sha256 ? entry.content : undefined;
  }

  set(workspaceId: string, path: string, sha256: string, content: Uint8Array): void {
    // A copy of its own: a row's bytes may be a slice of a larger buffer, which a worker
    // would be sent whole.
    this.cache.set(`${workspaceId}\n${path}`, { sha256, content: new Uint8Array(content) });
  }
}
