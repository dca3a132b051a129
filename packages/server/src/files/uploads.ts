/**
 * Uploads being received count against their user's quota (MAX_USER_BYTES) with the files
 * the user stores: a body is held in memory until its write commits, so without this one
 * user could hold the server's memory with many uploads at once whatever their quota.
 * Bodies under RESERVED_FROM_BYTES are not counted (a query per keystroke's save would
 * cost more than the bytes); the ledger is this process's (each replica holds its own
 * uploads).
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';

import { callerOf } from '../auth/plugin';
import { WorkcellError } from '../errors';
import type { Db } from '../store/database';
import { formatBytes } from './service';

export const RESERVED_FROM_BYTES = 256 * 1024;

export class UploadLedger {
  /** Bytes of the uploads in progress, by user id. */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly maxUserBytes: number,
  ) {}

  /**
   * Holds `bytes` for `userId` until the returned release is called, or refuses with
   * USER_QUOTA_EXCEEDED when the user's current files and uploads leave no room. Earlier
   * versions are not counted here: a write prunes them before it is refused.
   */
  async reserve(userId: string, bytes: number): Promise<() => void> {
    const { stored } = await this.db
      .selectFrom('workspaces')
      .select(sql<string>`coalesce(sum(size_bytes), 0)`.as('stored'))
      .where('owner_id', '=', userId)
      .executeTakeFirstOrThrow();
    const uploading = this.held.get(userId) ?? 0;
    if (Number(stored) + uploading + bytes > this.maxUserBytes) {
      throw new WorkcellError(
        'USER_QUOTA_EXCEEDED',
        `This upload of ${formatBytes(bytes)} does not fit: your files use ${formatBytes(Number(stored))} and uploads in progress ${formatBytes(uploading)} of your ${formatBytes(this.maxUserBytes)}. Delete files or workspaces to make room, or wait for your other uploads.`,
      );
    }
    this.held.set(userId, uploading + bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(userId) ?? 0) - bytes;
      if (left > 0) this.held.set(userId, left);
      else this.held.delete(userId);
    };
  }

  /** Bytes the user's uploads in progress hold. */
  uploading(userId: string): number {
    return this.held.get(userId) ?? 0;
  }
}

/**
 * Reserves every request body of `app`'s routes before it is read: its Content-Length, or
 * the route's body limit when it has none (chunked), released once the response is sent
 * or the client has gone.
 */
export function reserveUploads(app: FastifyInstance, ledger: UploadLedger): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    const { headers } = request;
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined)
      return payload;
    const declared = Number(headers['content-length'] ?? request.routeOptions.bodyLimit);
    if (!(declared >= RESERVED_FROM_BYTES)) return payload;
    const release = await ledger.reserve(callerOf(request).id, declared);
    reply.raw.once('close', release);
    return payload;
  });
}
