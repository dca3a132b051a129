/** Uploads into a folder of the tree, with their progress and the questions they ask. */
import { parentPaths } from '@workcell/protocol';
import { useRef, useState } from 'react';

import type { WorkspaceFiles } from '../session/files';
import {
  uploadFiles,
  type ReplaceChoice,
  type UploadItem,
  type UploadProgress,
  type ZipChoice,
} from './upload';
import { usePrompts } from './UploadPrompts';

export interface TreeUploadDeps {
  workspace: string;
  files: WorkspaceFiles;
  openFolders: (paths: readonly string[]) => void;
  notify: (message: string) => void;
}

export function useTreeUpload(deps: TreeUploadDeps) {
  const [progress, setProgress] = useState<UploadProgress>();
  const { prompt, ask, answer } = usePrompts();
  const fileInput = useRef<HTMLInputElement>(null);
  const uploadFolder = useRef('');

  const upload = async (folder: string, items: readonly UploadItem[]) => {
    if (items.length === 0) return;
    if (folder) deps.openFolders([...parentPaths(folder), folder]);
    const result = await uploadFiles(deps.workspace, folder, items, {
      knownVersion: (path) => {
        // The list as it is now: a batch outlives many renders.
        const entry = deps.files.snapshot.model.get(path);
        return entry?.type === 'file' && entry.version > 0 ? entry.version : undefined;
      },
      askReplace: (path) => ask<ReplaceChoice>((resolve) => ({ kind: 'replace', path, resolve })),
      askZip: (name) => ask<ZipChoice>((resolve) => ({ kind: 'zip', name, folder, resolve })),
      onProgress: setProgress,
      onWritten: (changes) => deps.files.apply(changes),
    });
    setProgress(undefined);
    for (const error of result.errors) deps.notify(`Not uploaded: ${error}`);
  };

  /** Opens the file chooser; the chosen files go into `folder`. */
  const chooseUpload = (folder: string) => {
    uploadFolder.current = folder;
    fileInput.current?.click();
  };

  const uploadChosen = (files: File[]) =>
    void upload(
      uploadFolder.current,
      files.map((file) => ({ file, path: file.name })),
    );

  return { progress, prompt, answer, fileInput, upload, chooseUpload, uploadChosen };
}
