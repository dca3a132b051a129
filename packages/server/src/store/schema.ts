/** The database as the query layer sees it; the DDL is in ./migrations. */
import type { AuditAction, CellState, ChangeSource, FileType } from '@workcell/protocol';
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export type { CellState, ChangeSource, FileType };

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Timestamp = ColumnType<Date, Date | undefined, Date>;

export interface UsersTable {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  is_admin: Generated<boolean>;
  disabled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Bytes of the user's files and revisions, kept in step by every write (the user quota). */
  stored_bytes: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface LoginTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: CreatedAt;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface WorkspacesTable {
  id: string;
  owner_id: string;
  name: string;
  size_bytes: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  opened_at: Timestamp;
}

export interface FilesTable {
  id: Generated<number>;
  workspace_id: string;
  path: string;
  type: FileType;
  content: Uint8Array | null;
  size: number;
  sha256: string | null;
  version: number;
  source: ChangeSource;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type RevisionReason = 'overwrite' | 'delete';

export interface FileRevisionsTable {
  id: Generated<number>;
  workspace_id: string;
  path: string;
  version: number;
  content: Uint8Array;
  size: number;
  sha256: string;
  reason: RevisionReason;
  /** Who made this version; null in revisions kept before it was recorded. */
  source: ChangeSource | null;
  /** When this version was made; null in revisions kept before it was recorded. */
  saved_at: Date | null;
  /** When this version was replaced and kept. */
  created_at: CreatedAt;
}

export interface CellsTable {
  workspace_id: string;
  state: CellState;
  driver: string;
  reason: string | null;
  volume_id: string | null;
  started_at: Date | null;
  stopped_at: Date | null;
  last_activity_at: Timestamp;
  updated_at: Timestamp;
  /** The server replica running the cell while `lease_expires_at` is ahead. */
  replica_id: string | null;
  lease_expires_at: Date | null;
}

export interface CellManifestTable {
  workspace_id: string;
  path: string;
  /** Null for a folder. */
  sha256: string | null;
}

export interface TerminalsTable {
  workspace_id: string;
  terminal_id: string;
  screen: string;
  cols: number;
  rows: number;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface UserSettingsTable {
  user_id: string;
  /** The settings the user changed (a partial UserSettings); the rest are the defaults. */
  settings: ColumnType<Record<string, unknown>, string, string>;
  updated_at: Timestamp;
}

export interface WorkspaceStateTable {
  workspace_id: string;
  user_id: string;
  /** A WorkspaceState as the web app last saved it (read part by part: readWorkspaceState). */
  state: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
}

export interface AdminAuditTable {
  id: Generated<number>;
  /** Null: the host's `workcell` command. */
  admin_user_id: string | null;
  action: AuditAction;
  target_kind: 'user' | 'workspace';
  target_id: string;
  details: ColumnType<Record<string, unknown>, string, never>;
  created_at: CreatedAt;
}

export interface Database {
  users: UsersTable;
  login_tokens: LoginTokensTable;
  workspaces: WorkspacesTable;
  files: FilesTable;
  file_revisions: FileRevisionsTable;
  cells: CellsTable;
  cell_manifest: CellManifestTable;
  terminals: TerminalsTable;
  user_settings: UserSettingsTable;
  admin_audit: AdminAuditTable;
  workspace_state: WorkspaceStateTable;
}

export type CellRow = Selectable<CellsTable>;

export type UserRow = Selectable<UsersTable>;
export type WorkspaceRow = Selectable<WorkspacesTable>;
export type FileRow = Selectable<FilesTable>;
export type NewFileRow = Insertable<FilesTable>;
export type FileRevisionRow = Selectable<FileRevisionsTable>;
