import { randomUUID } from 'node:crypto';

import type { Usage, Workspace, WorkspaceTemplate } from '@workcell/protocol';
import { sql } from 'kysely';

import { WorkcellError } from '../errors';
import type { FileService, Tx } from '../files/service';
import type { Db } from '../store/database';
import { Remembered } from '../store/remembered';
import type { WorkspaceRow } from '../store/schema';
import { templates } from './templates';

export const DEFAULT_FILE = 'main.py';
export const DEFAULT_CONTENT = `print("Hello, world!")\n`;

export const toWorkspace = (row: WorkspaceRow): Workspace => ({
  uuid: row.id,
  name: row.name,
  sizeBytes: row.size_bytes,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  openedAt: row.opened_at.toISOString(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Bounds the owners remembered; the oldest is forgotten first. */
const REMEMBERED_OWNERS = 10_000;

export type OwnedWorkspace = Pick<WorkspaceRow, 'id'>;

export class WorkspaceService {
  /**
   * Owners by workspace id, each until a time: a workspace never changes owner and its id
   * is never reused, so an entry can only go stale by the workspace's deletion, which
   * forgets it here at once and on other replicas within `ownerCacheMs`.
   */
  private readonly owners: Remembered<string, string>;

  constructor(
    private readonly db: Db,
    private readonly files: FileService,
    private readonly maxWorkspaces: number,
    ownerCacheMs = 0,
  ) {
    this.owners = new Remembered(ownerCacheMs, REMEMBERED_OWNERS);
  }

  async list(ownerId: string): Promise<Workspace[]> {
    const rows = await this.db
      .selectFrom('workspaces')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .orderBy('opened_at', 'desc')
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toWorkspace);
  }

  /** Creates the workspace with its template's files, in one transaction: all or nothing. */
  async create(
    ownerId: string,
    name: string,
    template: WorkspaceTemplate = 'script',
  ): Promise<Workspace> {
    const id = randomUUID();
    await this.files.writeMany(
      id,
      templates[template].map((file) => ({
        type: 'file' as const,
        path: file.path,
        bytes: Buffer.from(file.content),
      })),
      {
        source: 'api',
        prepare: async (tx) => {
          // Locking the owner's row serialises their creations: two at the limit cannot both pass.
          await tx
            .selectFrom('users')
            .select('id')
            .where('id', '=', ownerId)
            .forUpdate()
            .executeTakeFirst();
          const count = await this.countOf(tx, ownerId);
          if (count >= this.maxWorkspaces) {
            throw new WorkcellError(
              'WORKSPACE_LIMIT',
              `You have ${count} workspaces, the most you may have; delete one to create another.`,
            );
          }
          await tx.insertInto('workspaces').values({ id, owner_id: ownerId, name }).execute();
        },
      },
    );
    return this.get(ownerId, id);
  }

  /**
   * The caller's workspace, or WORKSPACE_NOT_FOUND — also when it exists but belongs to
   * someone else, so ids of other users' workspaces cannot be probed.
   */
  async get(ownerId: string, id: string): Promise<Workspace> {
    return toWorkspace(await this.getRow(ownerId, id));
  }

  async getRow(ownerId: string, id: string): Promise<WorkspaceRow> {
    const mark = this.owners.mark();
    const row = UUID.test(id)
      ? await this.db
          .selectFrom('workspaces')
          .selectAll()
          .where('id', '=', id)
          .where('owner_id', '=', ownerId)
          .executeTakeFirst()
      : undefined;
    if (!row) throw new WorkcellError('WORKSPACE_NOT_FOUND');
    this.owners.remember(mark, row.id, row.owner_id);
    return row;
  }

  /**
   * As `getRow`, answered from the owners remembered when it can be: for requests whose
   * statements find a workspace deleted meanwhile (through another replica) empty or
   * refuse it, never for one that would create what belongs to a workspace (a cell).
   */
  async owned(ownerId: string, id: string): Promise<OwnedWorkspace> {
    const remembered = this.owners.get(id);
    if (remembered === undefined) return this.getRow(ownerId, id);
    if (remembered !== ownerId) throw new WorkcellError('WORKSPACE_NOT_FOUND');
    return { id };
  }

  async rename(ownerId: string, id: string, name: string): Promise<Workspace> {
    await this.getRow(ownerId, id);
    const row = await this.db
      .updateTable('workspaces')
      .set({ name, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWorkspace(row);
  }

  /** The caller's workspace, marked as opened now (it moves to the top of `list`). */
  async open(ownerId: string, id: string): Promise<Workspace> {
    await this.getRow(ownerId, id);
    const row = await this.db
      .updateTable('workspaces')
      .set({ opened_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWorkspace(row);
  }

  async markOpened(id: string): Promise<void> {
    await this.db
      .updateTable('workspaces')
      .set({ opened_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  /** Deletes the workspace with its files and revisions; their bytes leave the owner's usage. */
  async delete(ownerId: string, id: string): Promise<void> {
    await this.getRow(ownerId, id);
    await this.db.transaction().execute(async (tx) => {
      // Its writers hold this lock: none is half-way through charging the owner.
      await tx.selectFrom('workspaces').select('id').where('id', '=', id).forUpdate().execute();
      const stored = (table: 'files' | 'file_revisions') =>
        tx
          .selectFrom(table)
          .select(sql<number>`coalesce(sum(size), 0)::float8`.as('bytes'))
          .where('workspace_id', '=', id)
          .executeTakeFirstOrThrow();
      const [files, revisions] = [await stored('files'), await stored('file_revisions')];
      await tx.deleteFrom('workspaces').where('id', '=', id).execute();
      await tx
        .updateTable('users')
        .set({ stored_bytes: sql<number>`stored_bytes - ${files.bytes + revisions.bytes}` })
        .where('id', '=', ownerId)
        .execute();
    });
    this.owners.forget((_, workspaceId) => workspaceId === id);
  }

  /** What the user stores and may store, and how many workspaces they have and may have. */
  async usage(ownerId: string): Promise<Usage> {
    const user = await this.db
      .selectFrom('users')
      .select('stored_bytes')
      .where('id', '=', ownerId)
      .executeTakeFirstOrThrow();
    return {
      bytes: user.stored_bytes,
      limitBytes: this.files.limits.maxUserBytes,
      workspaces: await this.countOf(this.db, ownerId),
      workspaceLimit: this.maxWorkspaces,
    };
  }

  private async countOf(db: Db | Tx, ownerId: string): Promise<number> {
    const { count } = await db
      .selectFrom('workspaces')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('owner_id', '=', ownerId)
      .executeTakeFirstOrThrow();
    return count;
  }

  /** The prototype's ensure-default: a `main.py` when the workspace has no files at all. */
  async ensureDefault(id: string) {
    const any = await this.db
      .selectFrom('files')
      .select('id')
      .where('workspace_id', '=', id)
      .limit(1)
      .executeTakeFirst();
    if (any) return { message: 'The workspace already has files.', files_created: [] as string[] };
    const written = await this.files.write(id, DEFAULT_FILE, Buffer.from(DEFAULT_CONTENT), {
      source: 'api',
      baseVersion: 0,
    });
    return {
      message: `Created ${DEFAULT_FILE}.`,
      files_created: [DEFAULT_FILE],
      file: { path: written.path, version: written.version },
    };
  }
}
