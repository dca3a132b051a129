import { randomUUID } from 'node:crypto';

import type { User } from '@workcell/protocol';
import type { ExpressionBuilder } from 'kysely';

import { WorkcellError } from '../errors';
import type { Db } from '../store/database';
import { Remembered } from '../store/remembered';
import type { Database, UserRow } from '../store/schema';
import { decoyHash, hashPassword, verifyPassword } from './passwords';
import { hashToken, looksLikeToken, newToken } from './tokens';

const DAY_MS = 24 * 3600 * 1000;
/** Extending a token on every request would write on every request; once a minute is plenty. */
const SLIDE_AFTER_MS = 60_000;

export interface AuthenticatedUser {
  id: string;
  username: string;
  isAdmin: boolean;
  tokenId: string;
}

/** Which user an administrative change is about: by name (the CLI) or by id (the admin API). */
export type UserRef = { username: string } | { id: string };

/**
 * Runs in the transaction of an administrative change, after it: the audit row is kept
 * exactly when the change is.
 */
export type AuditHook = (tx: Db, user: { id: string; username: string }) => Promise<void>;

const matchUser = (ref: UserRef) => (eb: ExpressionBuilder<Database, 'users'>) =>
  'id' in ref ? eb('id', '=', ref.id) : eb('username', '=', ref.username.toLowerCase());

const userNotFound = (ref: UserRef) =>
  new WorkcellError(
    'USER_NOT_FOUND',
    'username' in ref ? `No user named ${ref.username}.` : undefined,
  );

/** The most signed-in tokens remembered at once; the oldest is forgotten first. */
const CACHE_ENTRIES = 10_000;

/** Told which signed-in callers lost their session (sign-out, password change, disabled). */
export type RevocationListener = (revoked: (caller: AuthenticatedUser) => boolean) => void;

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';

export class AuthService {
  private readonly ttlMs: number;
  /**
   * Callers by token hash, for `cacheMs`: every API request authenticates, and the lookup
   * was a third of a file listing's database time. A sign-out or password change here
   * forgets the tokens it revokes at once; one made by another server process (another
   * replica, the CLI) takes effect here within `cacheMs`.
   */
  private readonly cache: Remembered<string, AuthenticatedUser>;
  private readonly revocationListeners = new Set<RevocationListener>();
  /** ADMIN_USERS: administrators by configuration, never written to the database. */
  private readonly configuredAdmins: ReadonlySet<string>;

  constructor(
    private readonly db: Db,
    ttlDays: number,
    cacheMs = 0,
    configuredAdmins: readonly string[] = [],
  ) {
    this.ttlMs = ttlDays * DAY_MS;
    this.cache = new Remembered(cacheMs, CACHE_ENTRIES);
    this.configuredAdmins = new Set(configuredAdmins.map((name) => name.toLowerCase()));
  }

  /** Granted in the database, or named in ADMIN_USERS (removing the name removes the right). */
  isAdmin(row: Pick<UserRow, 'username' | 'is_admin'>): boolean {
    return row.is_admin || this.configuredAdmins.has(row.username);
  }

  private toUser(
    row: Pick<UserRow, 'id' | 'username' | 'email' | 'created_at' | 'is_admin'>,
  ): User {
    return {
      id: row.id,
      username: row.username,
      email: row.email,
      createdAt: row.created_at.toISOString(),
      admin: this.isAdmin(row),
    };
  }

  async register(input: { username: string; email: string; password: string }) {
    const passwordHash = await hashPassword(input.password);
    try {
      const row = await this.db
        .insertInto('users')
        .values({
          id: randomUUID(),
          username: input.username,
          email: input.email,
          password_hash: passwordHash,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { user: this.toUser(row), token: await this.issueToken(row.id) };
    } catch (error) {
      if (isUniqueViolation(error)) throw new WorkcellError('USERNAME_TAKEN');
      throw error;
    }
  }

  /** `login` is a username or an email, already lower-cased by the schema. */
  async login(login: string, password: string) {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('username', '=', login), eb('email', '=', login)]))
      .executeTakeFirst();
    const valid = await verifyPassword(row?.password_hash ?? (await decoyHash), password);
    if (!row || !valid) throw new WorkcellError('INVALID_CREDENTIALS');
    // Told only to whoever knows the password.
    if (row.disabled_at !== null) throw new WorkcellError('ACCOUNT_DISABLED');
    return { user: this.toUser(row), token: await this.issueToken(row.id) };
  }

  async authenticate(token: string): Promise<AuthenticatedUser | undefined> {
    if (!looksLikeToken(token)) return undefined;
    const hash = hashToken(token);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const mark = this.cache.mark();
    const row = await this.db
      .selectFrom('login_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id as tokenId',
        't.last_used_at',
        't.expires_at',
        'u.id',
        'u.username',
        'u.is_admin',
      ])
      .where('t.token_hash', '=', hash)
      .where('t.revoked_at', 'is', null)
      .where('t.expires_at', '>', new Date())
      .where('u.disabled_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const now = Date.now();
    let expiresAt = row.expires_at.getTime();
    if (now - row.last_used_at.getTime() > SLIDE_AFTER_MS) {
      expiresAt = now + this.ttlMs;
      await this.db
        .updateTable('login_tokens')
        .set({ last_used_at: new Date(now), expires_at: new Date(expiresAt) })
        .where('id', '=', row.tokenId)
        .execute();
    }
    const caller = {
      id: row.id,
      username: row.username,
      isAdmin: this.isAdmin(row),
      tokenId: row.tokenId,
    };
    this.cache.remember(mark, hash, caller, expiresAt);
    return caller;
  }

  async revokeToken(tokenId: string): Promise<void> {
    await this.db
      .updateTable('login_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', tokenId)
      .execute();
    this.revoked((caller) => caller.tokenId === tokenId);
  }

  /**
   * Which of these tokens still sign someone in (not revoked, not expired, the account not
   * disabled): how a server notices revocations made by another process.
   */
  async stillValid(tokenIds: readonly string[]): Promise<Set<string>> {
    if (tokenIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('login_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select('t.id')
      .where('t.id', 'in', tokenIds)
      .where('t.revoked_at', 'is', null)
      .where('t.expires_at', '>', new Date())
      .where('u.disabled_at', 'is', null)
      .execute();
    return new Set(rows.map((row) => row.id));
  }

  onRevoked(listener: RevocationListener): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  /** The sessions of the callers that `match` have ended: forgotten, and their sockets closed. */
  private revoked(match: (caller: AuthenticatedUser) => boolean): void {
    this.cache.forget(match);
    for (const listener of this.revocationListeners) listener(match);
  }

  async getUser(userId: string): Promise<User> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!row) throw new WorkcellError('USER_NOT_FOUND');
    return this.toUser(row);
  }

  /** Changing the password needs the current one and signs out every other session. */
  async updateUser(
    caller: AuthenticatedUser,
    change: {
      email?: string | undefined;
      password?: string | undefined;
      currentPassword?: string | undefined;
    },
  ): Promise<User> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', caller.id)
      .executeTakeFirstOrThrow();
    let passwordHash: string | undefined;
    if (change.password !== undefined) {
      if (!(await verifyPassword(row.password_hash, change.currentPassword ?? ''))) {
        throw new WorkcellError('WRONG_PASSWORD');
      }
      passwordHash = await hashPassword(change.password);
    }
    try {
      const user = await this.db.transaction().execute(async (tx) => {
        const updated = await tx
          .updateTable('users')
          .set({
            updated_at: new Date(),
            ...(change.email !== undefined && { email: change.email }),
            ...(passwordHash !== undefined && { password_hash: passwordHash }),
          })
          .where('id', '=', caller.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        if (passwordHash !== undefined) {
          await tx
            .updateTable('login_tokens')
            .set({ revoked_at: new Date() })
            .where('user_id', '=', caller.id)
            .where('id', '!=', caller.tokenId)
            .where('revoked_at', 'is', null)
            .execute();
        }
        return this.toUser(updated);
      });
      if (passwordHash !== undefined)
        this.revoked((other) => other.id === caller.id && other.tokenId !== caller.tokenId);
      return user;
    } catch (error) {
      if (isUniqueViolation(error))
        throw new WorkcellError('USERNAME_TAKEN', 'That email is already registered.');
      throw error;
    }
  }

  async setAdmin(ref: UserRef, isAdmin: boolean, audit?: AuditHook): Promise<void> {
    const user = await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('users')
        .set({ is_admin: isAdmin, updated_at: new Date() })
        .where(matchUser(ref))
        .returning(['id', 'username'])
        .executeTakeFirst();
      if (!row) throw userNotFound(ref);
      await audit?.(tx, row);
      return row;
    });
    this.cache.forget((caller) => caller.id === user.id);
  }

  /** Disabling revokes every session of the account at once; enabling lets it sign in again. */
  async setDisabled(ref: UserRef, disabled: boolean, audit?: AuditHook): Promise<void> {
    const user = await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('users')
        .set({ disabled_at: disabled ? new Date() : null, updated_at: new Date() })
        .where(matchUser(ref))
        .returning(['id', 'username'])
        .executeTakeFirst();
      if (!row) throw userNotFound(ref);
      if (disabled) await this.revokeAllIn(tx, row.id);
      await audit?.(tx, row);
      return row;
    });
    if (disabled) this.revoked((caller) => caller.id === user.id);
  }

  /** Ends every session of the user (they may sign in again). */
  async signOutEverywhere(ref: UserRef, audit?: AuditHook): Promise<void> {
    const user = await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('users')
        .select(['id', 'username'])
        .where(matchUser(ref))
        .executeTakeFirst();
      if (!row) throw userNotFound(ref);
      await this.revokeAllIn(tx, row.id);
      await audit?.(tx, row);
      return row;
    });
    this.revoked((caller) => caller.id === user.id);
  }

  private async revokeAllIn(tx: Db, userId: string): Promise<void> {
    await tx
      .updateTable('login_tokens')
      .set({ revoked_at: new Date() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  private async issueToken(userId: string): Promise<string> {
    const token = newToken();
    const now = Date.now();
    await this.db
      .insertInto('login_tokens')
      .values({
        id: randomUUID(),
        user_id: userId,
        token_hash: hashToken(token),
        expires_at: new Date(now + this.ttlMs),
      })
      .execute();
    return token;
  }
}
