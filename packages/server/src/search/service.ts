/**
 * Search and replace across a workspace, answered from the database (the cell may be
 * stopped, and the database holds what the terminal wrote too). Files are read in batches
 * of about a MiB (those unchanged since the last search from a cache) and matched on the
 * search pool's threads while the next batch is read. Matching a batch has a time limit,
 * past which its thread is ended: a user's regular expression can take exponential time.
 */
import type {
  ReplaceReply,
  ReplacedFile,
  SearchFile,
  SearchQuery,
  SearchReply,
  replaceBody,
} from '@workcell/protocol';
import { sql } from 'kysely';
import picomatch from 'picomatch';
import type { z } from 'zod';

import { WorkcellError } from '../errors';
import { validPath, type FileService } from '../files/service';
import type { Db } from '../store/database';
import { workerPool } from '../workers/pool';
import { ContentCache } from './content-cache';
import { compilePattern } from './matcher';
import type { FindResult, FindTask, ReplaceResult, ReplaceTask, StoredFile } from './search-worker';

/** Files larger than this are not searched (they are counted as skipped). */
export const SEARCH_MAX_FILE_BYTES = 1024 * 1024;
/** How long matching one batch may take. */
export const SEARCH_TIME_LIMIT_MS = 3000;
/** Bytes of content one batch reads and one task matches. */
const BATCH_BYTES = 1024 * 1024;
const BATCH_FILES = 500;

type ReplaceRequest = z.output<typeof replaceBody>;
interface Listed {
  path: string;
  size: number;
  version: number;
  sha256: string | null;
}

/**
 * Comma-separated globs as one matcher; undefined when there are none. A glob without a
 * slash matches a name in any folder (`*.py`), one with a slash the whole path (`src/**`).
 * Extglobs are off, so no glob compiles to a regular expression that can backtrack for long.
 */
function globMatcher(list: string): ((path: string) => boolean) | undefined {
  const globs = list
    .split(',')
    .map((glob) => glob.trim())
    .filter(Boolean);
  if (globs.length === 0) return undefined;
  const options = { dot: true, noextglob: true };
  const byName = globs.filter((glob) => !glob.includes('/'));
  const byPath = globs.filter((glob) => glob.includes('/'));
  const matchers = [
    ...(byName.length > 0 ? [picomatch(byName, { ...options, basename: true })] : []),
    ...(byPath.length > 0 ? [picomatch(byPath, options)] : []),
  ];
  return (path) => matchers.some((matches) => matches(path));
}

/** `items` in runs of at most BATCH_FILES items and, but for a single item, BATCH_BYTES. */
function* batches<T extends { size: number }>(items: readonly T[]): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (batch.length > 0 && (batch.length === BATCH_FILES || bytes + item.size > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += item.size;
  }
  if (batch.length > 0) yield batch;
}

const isAbort = (error: unknown) => error instanceof Error && error.name === 'AbortError';

export class SearchService implements AsyncDisposable {
  private readonly pool = workerPool<FindTask | ReplaceTask, FindResult | ReplaceResult>(
    new URL('./search-worker.ts', import.meta.url),
  );

  private readonly cache = new ContentCache();

  constructor(
    private readonly db: Db,
    private readonly files: FileService,
    private readonly timeLimitMs = SEARCH_TIME_LIMIT_MS,
  ) {}

  async search(workspaceId: string, query: SearchQuery): Promise<SearchReply> {
    compilePattern(query);
    const include = globMatcher(query.include);
    const exclude = globMatcher(query.exclude);
    const listed = (await this.listFiles(workspaceId)).filter(
      ({ path }) => (!include || include(path)) && !exclude?.(path),
    );
    const searchable = listed.filter((file) => file.size <= SEARCH_MAX_FILE_BYTES);
    const reply: SearchReply = {
      files: [],
      truncated: false,
      filesSearched: 0,
      filesSkipped: { binary: 0, tooLarge: listed.length - searchable.length },
    };
    let found = 0;
    const absorb = ({ files, matches, more, binary }: FindResult, searched: number) => {
      const room = query.maxResults - found;
      reply.files.push(...limitMatches(files, room));
      reply.truncated ||= more || matches > room;
      found += Math.min(matches, room);
      reply.filesSearched += searched - binary;
      reply.filesSkipped.binary += binary;
    };
    // Each batch is matched while the next is read.
    let matching: { result: Promise<FindResult>; files: number } | undefined;
    for (const batch of batches(searchable)) {
      const files = await this.readFiles(workspaceId, batch);
      if (matching) absorb(await matching.result, matching.files);
      if (reply.truncated) return reply;
      const task: FindTask = {
        kind: 'find',
        pattern: query,
        files,
        limit: query.maxResults - found,
      };
      const result = this.run(task) as Promise<FindResult>;
      // Awaited after the next read; a failure meanwhile is not an unhandled one.
      result.catch(() => undefined);
      matching = { result, files: files.length };
    }
    if (matching) absorb(await matching.result, matching.files);
    return reply;
  }

  /**
   * Replaces the matches in the files named, each at the version the search answered,
   * in one transaction through the file service (so quotas, revisions, change events and
   * the sync to the running cell work as for any write): every file gets one new version,
   * or on any conflict none does.
   */
  async replace(workspaceId: string, request: ReplaceRequest): Promise<ReplaceReply> {
    compilePattern(request);
    const wanted = new Map(request.files.map((file) => [validPath(file.path), file]));
    if (wanted.size < request.files.length) {
      throw new WorkcellError('VALIDATION_FAILED', 'A file is named twice.');
    }
    const stored = new Map((await this.listFiles(workspaceId)).map((file) => [file.path, file]));
    for (const [path, { version }] of wanted) {
      const file = stored.get(path);
      if (!file)
        throw new WorkcellError('VERSION_CONFLICT', `${path} was deleted since the search.`);
      if (file.size > SEARCH_MAX_FILE_BYTES)
        throw new WorkcellError('FILE_TOO_LARGE', `${path} is larger than search reads.`);
      if (file.version !== version) {
        throw new WorkcellError(
          'VERSION_CONFLICT',
          `${path} changed since the search (version ${version}, now ${file.version}); search again.`,
        );
      }
    }
    const replaced: ReplaceResult['files'] = [];
    for (const batch of batches([...wanted.keys()].map((path) => stored.get(path)!))) {
      const files = (await this.readFiles(workspaceId, batch)).map((file) => ({
        ...file,
        only: wanted.get(file.path)!.matches?.map(({ line, column }) => `${line}:${column}`),
      }));
      const task: ReplaceTask = {
        kind: 'replace',
        pattern: request,
        replacement: request.replacement,
        files,
      };
      replaced.push(...((await this.run(task)) as ReplaceResult).files);
    }
    if (replaced.length === 0) return { files: [] };
    const written = await this.files.writeMany(
      workspaceId,
      replaced.map(({ path, content }) => ({
        type: 'file',
        path,
        bytes: content,
        baseVersion: wanted.get(path)!.version,
      })),
      { source: 'api' },
    );
    const versions = new Map(written.map((row) => [row.path, row.version]));
    const revisions = await this.revisionsOf(workspaceId, wanted);
    return {
      files: replaced.map(({ path, replacements }): ReplacedFile => ({
        path,
        version: versions.get(path)!,
        previousVersion: wanted.get(path)!.version,
        revision: revisions.get(path) ?? null,
        replacements,
      })),
    };
  }

  /** The workspace's files (not folders), by path, without content. */
  private listFiles(workspaceId: string) {
    return this.db
      .selectFrom('files')
      .select(['path', 'size', 'version', 'sha256'])
      .where('workspace_id', '=', workspaceId)
      .where('type', '=', 'file')
      .orderBy('path')
      .execute();
  }

  /**
   * The content of `batch`, in its order: from the cache where it holds the hash listed,
   * else from the database (and then cached). A file deleted meanwhile is left out.
   */
  private async readFiles(workspaceId: string, batch: readonly Listed[]): Promise<StoredFile[]> {
    const contents = new Map<string, { version: number; content: Uint8Array }>();
    const missing: string[] = [];
    for (const { path, version, sha256 } of batch) {
      const content = sha256 === null ? undefined : this.cache.get(workspaceId, path, sha256);
      if (content) contents.set(path, { version, content });
      else missing.push(path);
    }
    if (missing.length > 0) {
      const rows = await this.db
        .selectFrom('files')
        .select(['path', 'version', 'sha256', 'content'])
        .where('workspace_id', '=', workspaceId)
        .where('type', '=', 'file')
        .where(sql<boolean>`path = any(${missing})`)
        .execute();
      for (const { path, version, sha256, content } of rows) {
        const bytes = content ?? new Uint8Array();
        if (sha256 !== null) this.cache.set(workspaceId, path, sha256, bytes);
        contents.set(path, { version, content: bytes });
      }
    }
    return batch.flatMap(({ path }) => {
      const file = contents.get(path);
      return file ? [{ path, ...file }] : [];
    });
  }

  /** The revision each file's searched version became, by path (none if revisions are off). */
  private async revisionsOf(workspaceId: string, wanted: ReadonlyMap<string, { version: number }>) {
    const rows = await this.db
      .selectFrom('file_revisions')
      .select(['id', 'path', 'version'])
      .where('workspace_id', '=', workspaceId)
      .where(sql<boolean>`path = any(${[...wanted.keys()]})`)
      .orderBy('id')
      .execute();
    return new Map(
      rows
        .filter((row) => wanted.get(row.path)?.version === row.version)
        .map((row) => [row.path, row.id]),
    );
  }

  /**
   * Runs a task (a batch of about a MiB) on the pool, ending its thread past the time limit
   * (SEARCH_TIMEOUT). Reading from the database is not counted: a first search on PGlite
   * spends seconds there, and none of it on the event loop.
   */
  private async run(task: FindTask | ReplaceTask) {
    const deadline = AbortSignal.timeout(this.timeLimitMs);
    try {
      return await this.pool.run(task, { signal: deadline });
    } catch (error) {
      if (isAbort(error) || deadline.aborted) throw new WorkcellError('SEARCH_TIMEOUT');
      throw error;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.pool.destroy();
  }
}

/** `files` cut to their first `room` matches in all. */
function limitMatches(files: SearchFile[], room: number): SearchFile[] {
  const kept: SearchFile[] = [];
  for (const file of files) {
    if (room <= 0) break;
    kept.push(
      file.matches.length > room ? { ...file, matches: file.matches.slice(0, room) } : file,
    );
    room -= file.matches.length;
  }
  return kept;
}
