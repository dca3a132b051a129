/**
 * Workspace files in the database, the source of truth (DESIGN invariant 1). Every write
 * runs in one transaction that first locks the workspace row, so writers of one workspace
 * are serialised: version checks, the size quota and revisions cannot race. Listeners
 * hear about a change only after its commit.
 */
import { isWithin, normaliseWorkspacePath, parentPaths, type ErrorCode } from '@workcell/protocol';
import { sql, type AliasedRawBuilder, type ExpressionBuilder, type Transaction } from 'kysely';

import { WorkcellError } from '../errors';
import type { ServerMetrics } from '../metrics/server-metrics';
import type { Db } from '../store/database';
import type { ChangeSource, Database, FileRevisionRow, FileRow } from '../store/schema';
import { sha256, toFileContent } from './content';
import type { FileChangeEvent, FileChangeListener } from './events';
import { prunableRevisions, type RevisionRetention } from './retention';

export interface FileLimits {
  maxFileBytes: number;
  maxWorkspaceBytes: number;
  /** Everything one user makes the server store: files and revisions, in every workspace. */
  maxUserBytes: number;
  revisions: RevisionRetention;
}

export interface WriteOptions {
  /** Reject with VERSION_CONFLICT unless the current version is this (0: must not exist). */
  baseVersion?: number | undefined;
  source: ChangeSource;
}

/**
 * One entry of a `writeMany`: a file's bytes (and their SHA-256, if already known), or a
 * folder. With `baseVersion` the whole write is refused with VERSION_CONFLICT unless the
 * file is at that version (0: must not exist).
 */
export type WriteEntry =
  | { type: 'file'; path: string; bytes: Uint8Array; sha256?: string; baseVersion?: number }
  | { type: 'folder'; path: string };

export interface WriteManyOptions {
  source: ChangeSource;
  /**
   * Runs first in the same transaction, before the workspace row is locked (e.g. inserting
   * the workspace the entries seed, so creation and seeding succeed or fail together).
   */
  prepare?: (tx: Tx) => Promise<void>;
}

export interface WrittenFile {
  path: string;
  version: number;
  size: number;
  sha256: string;
  updatedAt: Date;
  changed: boolean;
}

export type Tx = Transaction<Database>;

/** A file or folder as a `writeMany` left it. */
export type WrittenEntry = Pick<FileRow, 'path' | 'type' | 'size' | 'version' | 'updated_at'>;

/** Bytes of content a sliced read (`find`) takes per statement. */
const CONTENT_SLICE_BYTES = 128 * 1024;
/** A row's content when one statement may carry it; null beyond, to be read in slices. */
const contentIfSmall =
  sql<Uint8Array | null>`CASE WHEN size <= ${CONTENT_SLICE_BYTES} THEN content END`.as('content');
/** Sliced reads of a file that keeps changing; the last attempt reads it whole. */
const SLICED_READ_ATTEMPTS = 3;

/**
 * Rows per insert statement, and bytes of content per statement, in a `writeMany`. PGlite
 * encodes a statement's parameters on the event loop (about half a second a MiB), so the
 * bytes of one statement stay near those of one file.
 */
const BATCH_ROWS = 500;
const BATCH_BYTES = 1024 * 1024;

/** `items` in batches of at most BATCH_ROWS items and, but for a single item, BATCH_BYTES. */
function* batches<T>(items: readonly T[], bytesOf: (item: T) => number): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (batch.length > 0 && (batch.length === BATCH_ROWS || bytes + size > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** A file's row without its content: what a write needs to read back, and no more. */
export type FileMeta = Omit<FileRow, 'content'>;
const META_COLUMNS = [
  'id',
  'workspace_id',
  'path',
  'type',
  'size',
  'sha256',
  'version',
  'source',
  'created_at',
  'updated_at',
] as const;
const REVISION_META_COLUMNS = [
  'id',
  'workspace_id',
  'path',
  'version',
  'size',
  'sha256',
  'reason',
  'source',
  'saved_at',
  'created_at',
] as const;

interface WriteOutcome {
  file: FileMeta;
  /** The new content, when it changed. */
  content?: Uint8Array;
  created: FileChangeEvent[];
  changed: boolean;
}

/** A path and everything under it: a file, or a folder with its contents. */
const underOrAt = (path: string) => (eb: ExpressionBuilder<Database, 'files'>) =>
  eb.or([eb('path', '=', path), eb(sql<boolean>`starts_with(path, ${`${path}/`})`, '=', true)]);

const MiB = 1024 * 1024;
const sum = (rows: readonly { size: number }[]) => rows.reduce((total, row) => total + row.size, 0);
export const formatBytes = (bytes: number) =>
  bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes.toLocaleString('en')} bytes`;

const toWrittenFile = ({ file, changed }: WriteOutcome): WrittenFile => ({
  path: file.path,
  version: file.version,
  size: file.size,
  sha256: file.sha256 ?? '',
  updatedAt: file.updated_at,
  changed,
});

export function validPath(input: string): string {
  const result = normaliseWorkspacePath(input);
  if (!result.ok) throw new WorkcellError(result.code, `Invalid path: ${result.reason}.`);
  return result.path;
}

export class FileService {
  private readonly listeners = new Set<FileChangeListener>();

  constructor(
    private readonly db: Db,
    readonly limits: FileLimits,
    private readonly metrics: ServerMetrics,
  ) {}

  onChange(listener: FileChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells this server's listeners of a change another replica committed. */
  announce(event: FileChangeEvent): void {
    this.publish([event]);
  }

  /** Every file and folder, or only `folder` and everything in it. */
  async list(workspaceId: string, folder?: string) {
    let rows = this.db
      .selectFrom('files')
      .select(['path', 'type', 'size', 'version', 'updated_at', 'sha256'])
      .where('workspace_id', '=', workspaceId);
    if (folder !== undefined) rows = rows.where(underOrAt(folder));
    return rows.orderBy('path').execute();
  }

  /**
   * A file or folder with its content. Content of more than CONTENT_SLICE_BYTES is read
   * that many bytes per statement, so that decoding a large one never holds the event loop
   * for long (node-postgres decodes bytea on it, about 40 ms for 10 MiB; PGlite's thread
   * hands over a copy); every slice is of one version (read again if it changes
   * meanwhile, whole at the last attempt).
   */
  async find(workspaceId: string, path: string): Promise<FileRow | undefined> {
    const file = this.db
      .selectFrom('files')
      .where('workspace_id', '=', workspaceId)
      .where('path', '=', path);
    for (let attempt = 1; attempt < SLICED_READ_ATTEMPTS; attempt++) {
      const row = await file.select(META_COLUMNS).select(contentIfSmall).executeTakeFirst();
      if (!row || row.size <= CONTENT_SLICE_BYTES) return row;
      const content = await readInSlices(row.size, (part) =>
        file.select(part).where('version', '=', row.version).executeTakeFirst(),
      );
      if (content) return { ...row, content };
    }
    return file.selectAll().executeTakeFirst();
  }

  async read(workspaceId: string, path: string): Promise<FileRow> {
    const row = await this.find(workspaceId, path);
    if (!row) throw new WorkcellError('FILE_NOT_FOUND', `No file at ${path}.`);
    if (row.type === 'folder') throw new WorkcellError('IS_A_FOLDER', `${path} is a folder.`);
    return row;
  }

  async write(
    workspaceId: string,
    path: string,
    bytes: Uint8Array,
    options: WriteOptions,
  ): Promise<WrittenFile> {
    this.checkFileSize(bytes.length);
    const saved = this.metrics.fileSaveDuration.startTimer({ source: options.source });
    const outcome = await this.writeFile(workspaceId, path, bytes, options);
    saved();
    this.publishWrite(workspaceId, outcome, options.source);
    return toWrittenFile(outcome);
  }

  /**
   * Writes files (overwriting, with revisions) and creates folders, all in one transaction:
   * every entry is written or, on the first refusal (quota, a file where a folder must be…),
   * none is. A path given twice is written as its last entry says. Answers the entries and
   * the folders made for them, by path. However many entries, the statements are few (rows
   * go in batches), so a large archive holds the workspace, and PGlite's one connection,
   * briefly.
   */
  async writeMany(
    workspaceId: string,
    entries: readonly WriteEntry[],
    options: WriteManyOptions,
  ): Promise<WrittenEntry[]> {
    for (const entry of entries) if (entry.type === 'file') this.checkFileSize(entry.bytes.length);
    const { events, rows } = await this.transaction(
      workspaceId,
      (tx) => this.writeManyIn(tx, workspaceId, entries, options.source),
      options.prepare,
    );
    this.publish(events);
    return rows;
  }

  private async writeManyIn(
    tx: Tx,
    workspaceId: string,
    entries: readonly WriteEntry[],
    source: ChangeSource,
  ): Promise<{ events: FileChangeEvent[]; rows: WrittenEntry[] }> {
    const touched = new Set<string>();
    for (const entry of entries) {
      for (const parent of parentPaths(entry.path)) touched.add(parent);
      touched.add(entry.path);
    }
    const paths = [...touched];
    const existing = new Map(
      (
        await tx
          .selectFrom('files')
          .select(['id', 'path', 'type', 'size', 'sha256', 'version'])
          .where('workspace_id', '=', workspaceId)
          // One parameter however many paths (a statement has at most 65,535).
          .where(sql<boolean>`path = any(${paths})`)
          .forUpdate()
          .execute()
      ).map((row) => [row.path, row]),
    );
    // What each path is once the entries before have been written, in order.
    const kinds = new Map([...existing.values()].map((row) => [row.path, row.type]));
    const folders: string[] = [];
    const writes = new Map<string, { bytes: Uint8Array; sha256: string }>();
    const makeFolder = (path: string) => {
      kinds.set(path, 'folder');
      folders.push(path);
    };
    for (const entry of entries) {
      for (const parent of parentPaths(entry.path)) {
        const kind = kinds.get(parent);
        if (kind === 'file')
          throw new WorkcellError('NOT_A_FOLDER', `${parent} is a file, not a folder.`);
        if (kind === undefined) makeFolder(parent);
      }
      const kind = kinds.get(entry.path);
      if (entry.type === 'folder') {
        if (kind === 'file')
          throw new WorkcellError('ALREADY_EXISTS', `A file exists at ${entry.path}.`);
        if (kind === undefined) makeFolder(entry.path);
      } else {
        if (kind === 'folder') throw new WorkcellError('IS_A_FOLDER', `${entry.path} is a folder.`);
        const version = existing.get(entry.path)?.version ?? 0;
        if (entry.baseVersion !== undefined && version !== entry.baseVersion) {
          throw new WorkcellError(
            'VERSION_CONFLICT',
            `${entry.path} changed meanwhile (version ${entry.baseVersion}, now ${version || 'deleted'}).`,
          );
        }
        kinds.set(entry.path, 'file');
        writes.set(entry.path, { bytes: entry.bytes, sha256: entry.sha256 ?? sha256(entry.bytes) });
      }
    }
    const changed = [...writes].filter(
      ([path, { sha256 }]) => existing.get(path)?.sha256 !== sha256,
    );
    await this.reserveSpace(
      tx,
      workspaceId,
      changed.reduce(
        (sum, [path, { bytes }]) => sum + bytes.length - (existing.get(path)?.size ?? 0),
        0,
      ),
    );

    for (const batch of batches(folders, () => 0))
      await tx
        .insertInto('files')
        .values(
          batch.map((path) => ({
            workspace_id: workspaceId,
            path,
            type: 'folder' as const,
            size: 0,
            version: 1,
            source,
          })),
        )
        .execute();
    // Each replaced file's old content stays as a revision: the owner then stores both.
    const keptBytes = this.limits.revisions.perFile > 0 ? 1 : 0;
    await this.chargeOwner(
      tx,
      workspaceId,
      changed.reduce((sum, [path, { bytes }]) => {
        const before = existing.get(path)?.size ?? 0;
        return sum + bytes.length - before + keptBytes * before;
      }, 0),
    );
    const created = changed.filter(([path]) => !existing.has(path));
    for (const batch of batches(created, ([, { bytes }]) => bytes.length))
      await tx
        .insertInto('files')
        .values(
          batch.map(([path, { bytes, sha256 }]) => ({
            workspace_id: workspaceId,
            path,
            type: 'file' as const,
            content: bytes,
            size: bytes.length,
            sha256,
            version: 1,
            source,
          })),
        )
        .execute();
    const replaced = changed.filter(([path]) => existing.has(path));
    await this.keepRevisions(
      tx,
      workspaceId,
      replaced.map(([path]) => existing.get(path)!.id),
      'overwrite',
    );
    const now = new Date();
    for (const [path, { bytes, sha256 }] of replaced)
      await tx
        .updateTable('files')
        .set({
          content: bytes,
          size: bytes.length,
          sha256,
          version: sql<number>`version + 1`,
          source,
          updated_at: now,
        })
        .where('id', '=', existing.get(path)!.id)
        .execute();

    const rows = await tx
      .selectFrom('files')
      .select(['path', 'type', 'size', 'version', 'updated_at'])
      .where('workspace_id', '=', workspaceId)
      .where(sql<boolean>`path = any(${paths})`)
      .orderBy('path')
      .execute();
    const versions = new Map(rows.map((row) => [row.path, row.version]));
    const events: FileChangeEvent[] = [
      ...folders.map((path): FileChangeEvent => ({
        workspaceId,
        path,
        type: 'folder',
        version: 1,
        source,
      })),
      ...changed.map(([path, { bytes, sha256 }]): FileChangeEvent => ({
        workspaceId,
        path,
        type: 'file',
        version: versions.get(path)!,
        source,
        sha256,
        content: bytes,
      })),
    ];
    return { events, rows };
  }

  /**
   * One statement, `workcell_write_file` (migration 0012), makes the parents, checks the
   * version, keeps the replaced content as a revision within the per-file cap, and charges
   * the workspace and its owner: a save is one round trip. When the owner's quota is short,
   * a transaction first lets go of their oldest revisions (makeRoom), then writes.
   */
  private async writeFile(
    workspaceId: string,
    path: string,
    bytes: Uint8Array,
    options: WriteOptions,
  ): Promise<WriteOutcome> {
    const write = async (db: Db | Tx) => {
      const { rows } = await sql<FileMeta & { changed: boolean; created_folders: string[] }>`
        SELECT * FROM workcell_write_file(${workspaceId}, ${path}, ${parentPaths(path)},
          ${bytes}, ${sha256(bytes)}, ${options.source}, ${options.baseVersion ?? null},
          ${new Date()}, ${this.limits.revisions.perFile}, ${this.limits.maxWorkspaceBytes},
          ${this.limits.maxUserBytes})`.execute(db);
      const { changed, created_folders: created, ...file } = rows[0]!;
      return {
        file,
        ...(changed && { content: bytes }),
        created: created.map((folder) => folderCreated(workspaceId, folder, options.source)),
        changed,
      };
    };
    try {
      try {
        return await write(this.db);
      } catch (error) {
        const short = shortOfRoom(error);
        if (short === undefined) throw error;
        return await this.transaction(workspaceId, async (tx) => {
          await this.makeRoom(tx, workspaceId, short.needs, short.stored);
          return write(tx);
        });
      }
    } catch (error) {
      const refused = refusalOf(error);
      if (refused?.code !== 'VERSION_CONFLICT') throw refused ? this.refusalError(refused) : error;
      const current = await this.find(workspaceId, path);
      throw new WorkcellError('VERSION_CONFLICT', undefined, {
        current: current ? toFileContent(current) : null,
      });
    }
  }

  /** After the commit: the folders a write made, then the file, if its content changed. */
  private publishWrite(workspaceId: string, outcome: WriteOutcome, source: ChangeSource): void {
    this.publish(outcome.created);
    const { file } = outcome;
    if (outcome.changed) {
      this.publish([
        {
          workspaceId,
          path: file.path,
          type: 'file',
          version: file.version,
          source,
          sha256: file.sha256 ?? undefined,
          content: outcome.content,
        },
      ]);
    }
  }

  /** Creates a folder and its parents; an existing folder is fine, an existing file is not. */
  async createFolder(workspaceId: string, path: string, source: ChangeSource): Promise<FileMeta> {
    const { created, folder } = await this.transaction(workspaceId, async (tx) => {
      const created = await this.createFolderIn(tx, workspaceId, path, source);
      const folder = await this.lockRow(tx, workspaceId, path);
      if (folder?.type !== 'folder')
        throw new WorkcellError('ALREADY_EXISTS', `A file exists at ${path}.`);
      return { created, folder };
    });
    this.publish(created);
    return folder;
  }

  private async createFolderIn(
    tx: Tx,
    workspaceId: string,
    path: string,
    source: ChangeSource,
  ): Promise<FileChangeEvent[]> {
    if ((await this.lockRow(tx, workspaceId, path))?.type === 'file')
      throw new WorkcellError('ALREADY_EXISTS', `A file exists at ${path}.`);
    return this.createParents(tx, workspaceId, `${path}/_`, source);
  }

  /** Deletes a file, or a folder with everything in it, keeping each file's content as a revision. */
  async delete(workspaceId: string, path: string, source: ChangeSource): Promise<void> {
    const events = await this.transaction(workspaceId, async (tx) => {
      const rows = await tx
        .selectFrom('files')
        .select(META_COLUMNS)
        .where('workspace_id', '=', workspaceId)
        .where(underOrAt(path))
        .forUpdate()
        .execute();
      if (!rows.some((row) => row.path === path))
        throw new WorkcellError('FILE_NOT_FOUND', `No file or folder at ${path}.`);
      await this.keepRevisions(
        tx,
        workspaceId,
        rows.filter((row) => row.type === 'file').map((row) => row.id),
        'delete',
      );
      const dropped = rows.filter((row) => !this.keepsRevision(row));
      await this.chargeOwner(tx, workspaceId, -dropped.reduce((sum, row) => sum + row.size, 0));
      await tx
        .deleteFrom('files')
        .where(
          'id',
          'in',
          rows.map((row) => row.id),
        )
        .execute();
      await this.reserveSpace(tx, workspaceId, -rows.reduce((sum, row) => sum + row.size, 0));
      return rows
        .sort((a, b) => b.path.length - a.path.length)
        .map((row): FileChangeEvent => ({
          workspaceId,
          path: row.path,
          type: row.type,
          version: row.version,
          source,
          deleted: true,
        }));
    });
    this.publish(events);
  }

  /** Renames or moves a file or folder; the target must not exist. */
  async move(
    workspaceId: string,
    from: string,
    to: string,
    source: ChangeSource,
  ): Promise<FileRow> {
    if (isWithin(to, from))
      throw new WorkcellError('INVALID_PATH', 'A folder cannot be moved into itself.');
    const { created, moved } = await this.transaction(workspaceId, async (tx) => {
      const source_ = await this.lockRow(tx, workspaceId, from);
      if (!source_) throw new WorkcellError('FILE_NOT_FOUND', `No file or folder at ${from}.`);
      if (await this.lockRow(tx, workspaceId, to))
        throw new WorkcellError('ALREADY_EXISTS', `Something already exists at ${to}.`);
      const created = await this.createParents(tx, workspaceId, to, source);
      const moved = await tx
        .updateTable('files')
        .set({
          // substr counts characters; let the database measure `from` the same way.
          path: sql<string>`${to} || substr(path, length(${from}::text) + 1)`,
          source,
          updated_at: new Date(),
        })
        .where('workspace_id', '=', workspaceId)
        .where(underOrAt(from))
        .returningAll()
        .execute();
      return { created, moved };
    });
    this.publish(created);
    this.publish(
      moved.flatMap((row): FileChangeEvent[] => {
        const oldPath = from + row.path.slice(to.length);
        return [
          {
            workspaceId,
            path: oldPath,
            type: row.type,
            version: row.version,
            source,
            deleted: true,
          },
          {
            workspaceId,
            path: row.path,
            type: row.type,
            version: row.version,
            source,
            movedFrom: oldPath,
            ...(row.sha256 && { sha256: row.sha256 }),
          },
        ];
      }),
    );
    return moved.find((row) => row.path === to)!;
  }

  /**
   * Copies a file, or a folder with everything in it, to `to` (which must not exist) in one
   * transaction: every copy or none, counted against the workspace's and the owner's quota.
   * Each copy is a new file at version 1.
   */
  async copy(
    workspaceId: string,
    from: string,
    to: string,
    source: ChangeSource,
  ): Promise<FileMeta> {
    if (isWithin(to, from))
      throw new WorkcellError('INVALID_PATH', 'A folder cannot be copied into itself.');
    const { created, copies } = await this.transaction(workspaceId, async (tx) => {
      if (!(await this.lockRow(tx, workspaceId, from)))
        throw new WorkcellError('FILE_NOT_FOUND', `No file or folder at ${from}.`);
      if (await this.lockRow(tx, workspaceId, to))
        throw new WorkcellError('ALREADY_EXISTS', `Something already exists at ${to}.`);
      const created = await this.createParents(tx, workspaceId, to, source);
      const { bytes } = await tx
        .selectFrom('files')
        .select(sql<string>`coalesce(sum(size), 0)`.as('bytes'))
        .where('workspace_id', '=', workspaceId)
        .where(underOrAt(from))
        .executeTakeFirstOrThrow();
      await this.reserveSpace(tx, workspaceId, Number(bytes));
      await this.chargeOwner(tx, workspaceId, Number(bytes));
      const copies = await tx
        .insertInto('files')
        .columns(['workspace_id', 'path', 'type', 'content', 'size', 'sha256', 'version', 'source'])
        .expression((eb) =>
          eb
            .selectFrom('files')
            .select([
              'workspace_id',
              // substr counts characters; let the database measure `from` the same way.
              sql<string>`${to} || substr(path, length(${from}::text) + 1)`.as('path'),
              'type',
              'content',
              'size',
              'sha256',
              sql<number>`1`.as('version'),
              sql<ChangeSource>`${source}`.as('source'),
            ])
            .where('workspace_id', '=', workspaceId)
            .where(underOrAt(from)),
        )
        .returning(META_COLUMNS)
        .execute();
      return { created, copies };
    });
    this.publish(created);
    this.publish(
      copies.map((row) => ({
        workspaceId,
        path: row.path,
        type: row.type,
        version: row.version,
        source,
        ...(row.sha256 && { sha256: row.sha256 }),
      })),
    );
    return copies.find((row) => row.path === to)!;
  }

  async revisions(workspaceId: string, path: string) {
    return this.db
      .selectFrom('file_revisions')
      .select(['id', 'version', 'size', 'sha256', 'reason', 'source', 'saved_at', 'created_at'])
      .where('workspace_id', '=', workspaceId)
      .where('path', '=', path)
      .orderBy('id', 'desc')
      .execute();
  }

  /** Writes a revision's content back as a new version; what it replaces becomes a revision too. */
  async restore(
    workspaceId: string,
    path: string,
    revisionId: number,
    source: ChangeSource,
  ): Promise<WrittenFile> {
    const { content } = await this.revision(workspaceId, path, revisionId);
    return this.write(workspaceId, path, content, { source });
  }

  /** One revision with its content: REVISION_NOT_FOUND unless it is of this path in this workspace. */
  async revision(workspaceId: string, path: string, revisionId: number): Promise<FileRevisionRow> {
    const query = this.db
      .selectFrom('file_revisions')
      .where('workspace_id', '=', workspaceId)
      .where('path', '=', path)
      .where('id', '=', revisionId);
    const missing = () =>
      new WorkcellError('REVISION_NOT_FOUND', `No revision ${revisionId} of ${path}.`);
    const head = await query
      .select(REVISION_META_COLUMNS)
      .select(contentIfSmall)
      .executeTakeFirst();
    if (!head) throw missing();
    if (head.content !== null) return { ...head, content: head.content };
    // A revision never changes; it may only be pruned meanwhile.
    const content = await readInSlices(head.size, (part) => query.select(part).executeTakeFirst());
    if (!content) throw missing();
    return { ...head, content };
  }

  /**
   * The bytes files written at `paths` may hold together: the room the workspace has left
   * plus what the files they would replace hold, counted as a write's quota check counts.
   */
  async roomFor(workspaceId: string, paths: readonly string[]): Promise<number> {
    const workspace = await this.db
      .selectFrom('workspaces')
      .select('size_bytes')
      .where('id', '=', workspaceId)
      .executeTakeFirst();
    if (!workspace) throw new WorkcellError('WORKSPACE_NOT_FOUND');
    if (paths.length === 0) return this.limits.maxWorkspaceBytes - workspace.size_bytes;
    const { replaced } = await this.db
      .selectFrom('files')
      .select(sql<string>`coalesce(sum(size), 0)`.as('replaced'))
      .where('workspace_id', '=', workspaceId)
      .where('type', '=', 'file')
      .where(sql<boolean>`path = any(${[...paths]})`)
      .executeTakeFirstOrThrow();
    return this.limits.maxWorkspaceBytes - workspace.size_bytes + Number(replaced);
  }

  checkFileSize(size: number): void {
    if (size > this.limits.maxFileBytes) {
      throw new WorkcellError(
        'FILE_TOO_LARGE',
        `The file is ${formatBytes(size)}; the limit is ${formatBytes(this.limits.maxFileBytes)} a file.`,
      );
    }
  }

  private async transaction<T>(
    workspaceId: string,
    work: (tx: Tx) => Promise<T>,
    prepare?: (tx: Tx) => Promise<void>,
  ): Promise<T> {
    return this.db.transaction().execute(async (tx) => {
      await prepare?.(tx);
      const workspace = await tx
        .selectFrom('workspaces')
        .select('id')
        .where('id', '=', workspaceId)
        .forUpdate()
        .executeTakeFirst();
      if (!workspace) throw new WorkcellError('WORKSPACE_NOT_FOUND');
      return work(tx);
    });
  }

  private lockRow(tx: Tx, workspaceId: string, path: string): Promise<FileMeta | undefined> {
    return tx
      .selectFrom('files')
      .select(META_COLUMNS)
      .where('workspace_id', '=', workspaceId)
      .where('path', '=', path)
      .forUpdate()
      .executeTakeFirst();
  }

  /** Makes every parent of `path` a folder; returns the events for those it created. */
  private async createParents(
    tx: Tx,
    workspaceId: string,
    path: string,
    source: ChangeSource,
  ): Promise<FileChangeEvent[]> {
    const parents = parentPaths(path);
    if (parents.length === 0) return [];
    try {
      const { rows } = await sql<{ path: string }>`
        SELECT workcell_create_parents(${workspaceId}, ${parents}, ${source}) AS path`.execute(tx);
      const made = new Set(rows.map((row) => row.path));
      return parents
        .filter((parent) => made.has(parent))
        .map((folder) => folderCreated(workspaceId, folder, source));
    } catch (error) {
      const refused = refusalOf(error);
      throw refused ? this.refusalError(refused) : error;
    }
  }

  private async reserveSpace(tx: Tx, workspaceId: string, delta: number): Promise<void> {
    if (delta === 0) return;
    const updated = await tx
      .updateTable('workspaces')
      .set({ size_bytes: sql<number>`size_bytes + ${delta}`, updated_at: new Date() })
      .where('id', '=', workspaceId)
      .where(sql<boolean>`size_bytes + ${delta} <= ${this.limits.maxWorkspaceBytes}`)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw this.workspaceFull();
  }

  /** Whether overwriting or deleting `row` keeps its content as a revision. */
  private keepsRevision(row: Pick<FileRow, 'type'>): boolean {
    return this.limits.revisions.perFile > 0 && row.type === 'file';
  }

  /**
   * Adds `delta` bytes to what the workspace's owner stores, making room (makeRoom) for
   * growth beyond MAX_USER_BYTES. The guarded UPDATE of the owner's row serialises writers
   * in different workspaces of one user, so two cannot both take the last free bytes.
   */
  private async chargeOwner(tx: Tx, workspaceId: string, delta: number): Promise<void> {
    if (delta === 0) return;
    const owner = ownerOf(workspaceId);
    const charge = (guarded: boolean) =>
      tx
        .updateTable('users')
        .set({ stored_bytes: sql<number>`stored_bytes + ${delta}` })
        .where('id', '=', owner)
        .$if(guarded, (query) =>
          query.where(sql<boolean>`stored_bytes + ${delta} <= ${this.limits.maxUserBytes}`),
        )
        .executeTakeFirst();
    if (delta < 0 || (await charge(true)).numUpdatedRows > 0n) {
      if (delta < 0) await charge(false);
      return;
    }
    const { stored_bytes: stored } = await tx
      .selectFrom('users')
      .select('stored_bytes')
      .where('id', '=', owner)
      .executeTakeFirstOrThrow();
    await this.makeRoom(tx, workspaceId, delta, stored);
    // Another of the user's workspaces may have taken the room meanwhile.
    if ((await charge(true)).numUpdatedRows === 0n) throw this.quotaExceeded(delta, stored);
  }

  /**
   * Forgets the owner's oldest revisions, across all their workspaces, until `needs` more
   * bytes fit beside the `stored` they have; when even all of them would not make room,
   * nothing is forgotten and the write is refused.
   */
  private async makeRoom(
    tx: Tx,
    workspaceId: string,
    needs: number,
    stored: number,
  ): Promise<void> {
    const excess = stored + needs - this.limits.maxUserBytes;
    // The oldest revisions whose sizes, added up in order, first reach the excess.
    const oldest = await tx
      .selectFrom((eb) =>
        eb
          .selectFrom('file_revisions as r')
          .innerJoin('workspaces as w', 'w.id', 'r.workspace_id')
          .where('w.owner_id', '=', ownerOf(workspaceId))
          .select(['r.id', 'r.size', sql<number>`sum(r.size) OVER (ORDER BY r.id)`.as('running')])
          .as('ordered'),
      )
      .select(['id', 'running'])
      .where(sql<boolean>`running - size < ${excess}`)
      .orderBy('id')
      .execute();
    if ((oldest.at(-1)?.running ?? 0) < excess) throw this.quotaExceeded(needs, stored);
    const forgotten = await tx
      .deleteFrom('file_revisions')
      .where(
        'id',
        'in',
        oldest.map((row) => row.id),
      )
      .returning('size')
      .execute();
    await this.chargeOwner(tx, workspaceId, -sum(forgotten));
  }

  private quotaExceeded(needs: number, stored: number): WorkcellError {
    return new WorkcellError(
      'USER_QUOTA_EXCEEDED',
      `This needs ${formatBytes(needs)} more, and your files and their earlier versions already use ${formatBytes(stored)} of your ${formatBytes(this.limits.maxUserBytes)}. Delete files or workspaces to make room.`,
    );
  }

  private workspaceFull(): WorkcellError {
    return new WorkcellError(
      'WORKSPACE_FULL',
      `The workspace would exceed its limit of ${formatBytes(this.limits.maxWorkspaceBytes)}.`,
    );
  }

  /** The error to answer for what the database refused (migration 0012), but a conflict. */
  private refusalError(refused: Refusal): WorkcellError {
    switch (refused.code) {
      case 'WORKSPACE_FULL':
        return this.workspaceFull();
      case 'USER_QUOTA_EXCEEDED': {
        const { needs, stored } = roomNeeded(refused.detail);
        return this.quotaExceeded(needs, stored);
      }
      case 'IS_A_FOLDER':
        return new WorkcellError('IS_A_FOLDER', `${refused.detail} is a folder.`);
      case 'NOT_A_FOLDER':
        return new WorkcellError('NOT_A_FOLDER', `${refused.detail} is a file, not a folder.`);
      default:
        return new WorkcellError(refused.code);
    }
  }

  /**
   * Keeps the current contents of these files as revisions, then lets go of each path's
   * revisions beyond the per-file cap (`workcell_keep_revisions`, migration 0012).
   */
  private async keepRevisions(
    tx: Tx,
    workspaceId: string,
    fileIds: readonly number[],
    reason: 'overwrite' | 'delete',
  ): Promise<void> {
    if (this.limits.revisions.perFile === 0 || fileIds.length === 0) return;
    const { rows } = await sql<{ forgotten: number | string }>`
      SELECT workcell_keep_revisions(${workspaceId}, ${[...fileIds]}, ${reason},
        ${this.limits.revisions.perFile}) AS forgotten`.execute(tx);
    // The kept contents were already the owner's (as the files'); the forgotten go.
    await this.chargeOwner(tx, workspaceId, -Number(rows[0]!.forgotten));
  }

  /**
   * Applies the retention schedule to all of the workspace's revisions (a write applies
   * only the per-file cap); answers how many were let go.
   */
  async pruneRevisions(workspaceId: string): Promise<number> {
    return this.transaction(workspaceId, async (tx) => {
      const forgotten = await tx
        .deleteFrom('file_revisions')
        .where(sql<boolean>`id IN (${prunableRevisions(workspaceId, this.limits.revisions)})`)
        .returning('size')
        .execute();
      await this.chargeOwner(tx, workspaceId, -sum(forgotten));
      return forgotten.length;
    });
  }

  private publish(events: FileChangeEvent[]): void {
    for (const event of events) for (const listener of this.listeners) listener(event);
  }
}

/**
 * `size` bytes of a row's content, CONTENT_SLICE_BYTES per statement: `slice` selects the
 * given column of the row, or nothing once the row is gone or changed. Undefined then.
 */
async function readInSlices(
  size: number,
  slice: (part: AliasedRawBuilder<Uint8Array, 'part'>) => Promise<{ part: Uint8Array } | undefined>,
): Promise<Uint8Array | undefined> {
  const content = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += CONTENT_SLICE_BYTES) {
    const expected = Math.min(CONTENT_SLICE_BYTES, size - offset);
    const row = await slice(
      sql<Uint8Array>`substring(content from ${offset + 1} for ${expected})`.as('part'),
    );
    if (row?.part.length !== expected) return undefined;
    content.set(row.part, offset);
  }
  return content;
}

/** The owner of the workspace, as an SQL expression. */
const ownerOf = (workspaceId: string) =>
  sql<string>`(SELECT owner_id FROM workspaces WHERE id = ${workspaceId})`;

const folderCreated = (
  workspaceId: string,
  path: string,
  source: ChangeSource,
): FileChangeEvent => ({ workspaceId, path, type: 'folder', version: 1, source });

/**
 * What the database's file functions refuse (migration 0012): SQLSTATE WC000, the error
 * code as the message, and in the detail what the error's message needs.
 */
interface Refusal {
  code: ErrorCode;
  detail: string;
}

function refusalOf(error: unknown): Refusal | undefined {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== 'WC000') return undefined;
  return { code: error.message as ErrorCode, detail: (error as { detail?: string }).detail ?? '' };
}

/** A USER_QUOTA_EXCEEDED refusal's detail: what the write needs, and what the owner stores. */
const roomNeeded = (detail: string) => JSON.parse(detail) as { needs: number; stored: number };

function shortOfRoom(error: unknown): { needs: number; stored: number } | undefined {
  const refused = refusalOf(error);
  return refused?.code === 'USER_QUOTA_EXCEEDED' ? roomNeeded(refused.detail) : undefined;
}
