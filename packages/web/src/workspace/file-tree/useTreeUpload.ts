/** Uploads into a folder of the tree, with their progress and the questions they ask. */
import { parentPaths } from '@workcell/protocol';
import { useRef, useState } from 'react';
import type { Dispatch, RefObject, SetStateAction } from 'react';

import { applyChanges, type TreeModel } from './tree-model';
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
  /** The model as of the last render (a batch outlives many renders). */
  latestModel: RefObject<TreeModel>;
  setModel: Dispatch<SetStateAction<TreeModel>>;
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
        const entry = deps.latestModel.current.get(path);
        return entry?.type === 'file' && entry.version > 0 ? entry.version : undefined;
      },
      askReplace: (path) => ask<ReplaceChoice>((resolve) => ({ kind: 'replace', path, resolve })),
      askZip: (name) => ask<ZipChoice>((resolve) => ({ kind: 'zip', name, folder, resolve })),
      onProgress: setProgress,
      onWritten: (changes) => deps.setModel((current) => applyChanges(current, changes)),
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
