/**
 * Unsaved edits kept in localStorage so a crash or reload loses nothing: one entry per
 * workspace and file, written while the buffer is dirty and removed once it is saved.
 */
export interface Draft {
  content: string;
  /** The server version the edits were made on. */
  baseVersion: number;
  /** When the draft was last written (ms since the epoch). */
  savedAt: number;
}

const prefix = 'workcell.draft.';

export class DraftStore {
  constructor(
    private readonly storage: Storage,
    private readonly workspace: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(path: string): string {
    return `${prefix}${this.workspace}:${path}`;
  }

  get(path: string): Draft | undefined {
    const raw = this.storage.getItem(this.key(path));
    if (raw === null) return undefined;
    try {
      const value = JSON.parse(raw) as Partial<Draft>;
      if (typeof value.content !== 'string' || typeof value.baseVersion !== 'number')
        return undefined;
      return {
        content: value.content,
        baseVersion: value.baseVersion,
        savedAt: typeof value.savedAt === 'number' ? value.savedAt : 0,
      };
    } catch {
      return undefined;
    }
  }

  /** Returns false when the browser refused (storage full): the caller should say so. */
  put(path: string, content: string, baseVersion: number): boolean {
    try {
      this.storage.setItem(
        this.key(path),
        JSON.stringify({ content, baseVersion, savedAt: this.now() } satisfies Draft),
      );
      return true;
    } catch {
      return false;
    }
  }

  remove(path: string): void {
    this.storage.removeItem(this.key(path));
  }

  /** Follows a rename so the draft is offered under the file's new name. */
  move(from: string, to: string): void {
    const draft = this.get(from);
    if (!draft) return;
    this.remove(from);
    try {
      this.storage.setItem(this.key(to), JSON.stringify(draft));
    } catch {
      // Storage full: the draft was already readable only under the old name; keep trying later.
      this.storage.setItem(this.key(from), JSON.stringify(draft));
    }
  }

  /** Paths of this workspace that have a draft. */
  paths(): string[] {
    const mine = `${prefix}${this.workspace}:`;
    const paths: string[] = [];
    for (let index = 0; index < this.storage.length; index++) {
      const key = this.storage.key(index);
      if (key?.startsWith(mine)) paths.push(key.slice(mine.length));
    }
    return paths;
  }
}
