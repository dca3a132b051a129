/**
 * Uploading files from the user's computer into a folder of the workspace: create-only
 * PUTs (If-Match "0") so nothing is overwritten unasked, a question per existing file, and
 * zip archives optionally extracted by the server.
 */
import { normaliseWorkspacePath } from '@workcell/protocol';

import { api } from '../../api/api';
import { ApiError } from '../../api/client';
import { joinPath, type FileChange } from './tree-model';

export type ReplaceChoice = 'replace' | 'skip' | 'replace-all';
export type ZipChoice = 'extract' | 'file' | 'skip';

export interface UploadItem {
  file: File;
  /** Relative to the target folder: the file's name, or `dir/name` for a dropped folder. */
  path: string;
}

export interface UploadProgress {
  done: number;
  total: number;
  current: string;
}

export interface UploadHooks {
  /** The version of the file at `path` as the tree knows it (undefined: none there). */
  knownVersion: (path: string) => number | undefined;
  askReplace: (path: string) => Promise<ReplaceChoice>;
  askZip: (name: string) => Promise<ZipChoice>;
  onProgress: (progress: UploadProgress) => void;
  /** Entries the server confirmed, to show them before their change events arrive. */
  onWritten: (changes: FileChange[]) => void;
}

export interface UploadResult {
  uploaded: number;
  errors: string[];
}

const isZip = (file: File) =>
  file.name.toLowerCase().endsWith('.zip') ||
  file.type === 'application/zip' ||
  file.type === 'application/x-zip-compressed';

function put(workspace: string, path: string, file: File, version: number) {
  return api.uploadRaw(
    { uuid: workspace, path },
    {
      raw: { data: file, contentType: file.type || 'application/octet-stream' },
      headers: { 'if-match': `"${version}"` },
    },
  );
}

const describe = (path: string, error: unknown) =>
  `${path}: ${error instanceof Error ? error.message : String(error)}`;

export async function uploadFiles(
  workspace: string,
  folder: string,
  items: readonly UploadItem[],
  hooks: UploadHooks,
): Promise<UploadResult> {
  const result: UploadResult = { uploaded: 0, errors: [] };
  let replaceAll = false;
  for (const [index, item] of items.entries()) {
    hooks.onProgress({ done: index, total: items.length, current: item.path });
    const normalised = normaliseWorkspacePath(joinPath(folder, item.path));
    if (!normalised.ok) {
      result.errors.push(`${item.path}: ${normalised.reason}.`);
      continue;
    }
    const path = normalised.path;
    try {
      if (isZip(item.file)) {
        const choice = await hooks.askZip(item.path);
        if (choice === 'skip') continue;
        if (choice === 'extract') {
          const target = normalised.path.includes('/')
            ? normalised.path.slice(0, normalised.path.lastIndexOf('/'))
            : '';
          const extracted = await api.extractArchive(
            { uuid: workspace, query: { folder: target } },
            { raw: { data: item.file, contentType: 'application/zip' } },
          );
          hooks.onWritten(
            extracted.files.map((entry) => ({
              path: entry.path,
              kind: entry.type,
              version: entry.version,
            })),
          );
          result.uploaded++;
          continue;
        }
      }
      // Asking before the PUT when the tree already shows the file avoids a 412 in the
      // common case; the If-Match still catches a tree that is out of date.
      let version = hooks.knownVersion(path) ?? 0;
      if (version > 0 && !replaceAll) {
        const choice = await hooks.askReplace(path);
        if (choice === 'skip') continue;
        if (choice === 'replace-all') replaceAll = true;
      }
      let written: Awaited<ReturnType<typeof put>>;
      try {
        written = await put(workspace, path, item.file, version);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'PRECONDITION_FAILED') throw error;
        // The version we replace is the one the server just named (0: it has gone since).
        const current = error.current?.version ?? 0;
        if (current > 0 && version === 0 && !replaceAll) {
          const choice = await hooks.askReplace(path);
          if (choice === 'skip') continue;
          if (choice === 'replace-all') replaceAll = true;
        }
        version = current;
        written = await put(workspace, path, item.file, version);
      }
      hooks.onWritten([{ path: written.path, kind: 'file', version: written.version }]);
      result.uploaded++;
    } catch (error) {
      result.errors.push(describe(path, error));
    }
  }
  hooks.onProgress({ done: items.length, total: items.length, current: '' });
  return result;
}

/**
 * The files of a drop from the operating system, including the contents of dropped
 * folders (read through the File System entries API, where the browser offers it).
 */
export async function droppedItems(transfer: DataTransfer): Promise<UploadItem[]> {
  const entries = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry());
  if (entries.length === 0 || entries.some((entry) => entry === null))
    return [...transfer.files].map((file) => ({ file, path: file.name }));
  const items: UploadItem[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (isFileEntry(entry)) {
      const file = await new Promise<File>((resolve, reject) => entry.file(resolve, reject));
      items.push({ file, path: prefix + entry.name });
    } else if (isDirectoryEntry(entry)) {
      const reader = entry.createReader();
      // readEntries answers in batches; an empty batch means the folder is done.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
          reader.readEntries(resolve, reject),
        );
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry!, '');
  return items;
}

const isFileEntry = (entry: FileSystemEntry): entry is FileSystemFileEntry => entry.isFile;
const isDirectoryEntry = (entry: FileSystemEntry): entry is FileSystemDirectoryEntry =>
  entry.isDirectory;

/** True when a drag carries files from outside the page. */
export function carriesFiles(transfer: DataTransfer | null): boolean {
  return transfer?.types.includes('Files') ?? false;
}
