/**
 * The workspace's file list, kept live: fetched once, updated by `file.changed` events,
 * refetched after every reconnection. The one source of the tree's files, so it can move
 * behind a workspace session object without touching the panel.
 */
import type { FileEntry } from '@workcell/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Dispatch, SetStateAction } from 'react';

import { request, workspaceUrl } from '../../api/client';
import type { WorkcellSocket } from '../../connection/socket';
import { applyChanges, modelFromList, type FileChange, type TreeModel } from './tree-model';

export type LoadState =
  { status: 'loading' } | { status: 'ready' } | { status: 'error'; message: string };

export interface FileList {
  model: TreeModel;
  /** For the panel's own changes, applied as soon as their request succeeds. */
  setModel: Dispatch<SetStateAction<TreeModel>>;
  load: LoadState;
  reload: () => void;
  /** Shows the loading state again, then reloads (after a failed first load). */
  retry: () => void;
}

const emptyModel: TreeModel = new Map();

export const messageOf = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

export function useFileList(
  workspace: string,
  socket: WorkcellSocket,
  /** A refresh failed while a tree is on screen (it stays). */
  onRefreshFailed: (message: string) => void,
): FileList {
  const [model, setModel] = useState<TreeModel>(emptyModel);
  const [load, setLoad] = useState<LoadState>({ status: 'loading' });
  const loadSequence = useRef(0);
  /** Events received while a listing is in flight, replayed over it when it arrives. */
  const buffered = useRef<FileChange[] | undefined>(undefined);

  const reload = useCallback(() => {
    const sequence = ++loadSequence.current;
    buffered.current = [];
    request<{ files: FileEntry[] }>('GET', workspaceUrl(workspace, 'files')).then(
      ({ files }) => {
        if (sequence !== loadSequence.current) return;
        const replay = buffered.current ?? [];
        buffered.current = undefined;
        setModel(applyChanges(modelFromList(files), replay));
        setLoad({ status: 'ready' });
      },
      (error: unknown) => {
        if (sequence !== loadSequence.current) return;
        buffered.current = undefined;
        const message = messageOf(error);
        setLoad((current) => {
          if (current.status === 'ready') {
            onRefreshFailed(message);
            return current;
          }
          return { status: 'error', message };
        });
      },
    );
  }, [workspace, onRefreshFailed]);

  useEffect(() => {
    reload();
    const sequence = loadSequence;
    return () => {
      // Answers still in flight are for a panel that has gone.
      sequence.current++;
    };
  }, [reload]);

  useEffect(() => {
    let first = true;
    const stop = socket.onOpen(() => {
      // The first connection usually opens while the initial listing is in flight.
      const skip = first && buffered.current !== undefined;
      first = false;
      if (!skip) reload();
    });
    return () => {
      stop();
    };
  }, [socket, reload]);

  useEffect(() => {
    const stop = socket.onMessage((message) => {
      if (message.type !== 'file.changed' || message.workspace !== workspace) return;
      const change: FileChange = {
        path: message.path,
        kind: message.kind,
        version: message.version,
        deleted: message.deleted,
        movedFrom: message.movedFrom,
      };
      buffered.current?.push(change);
      setModel((current) => applyChanges(current, [change]));
    });
    return () => {
      stop();
    };
  }, [socket, workspace]);

  const retry = useCallback(() => {
    setLoad({ status: 'loading' });
    reload();
  }, [reload]);

  return { model, setModel, load, reload, retry };
}
