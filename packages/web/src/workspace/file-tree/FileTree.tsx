import type { Ref } from 'react';

import type { FileTreeHandle, PanelProps } from '../contracts';

export interface FileTreeProps extends PanelProps {
  ref: Ref<FileTreeHandle>;
  /** The file in the editor's active tab, highlighted in the tree. */
  activePath: string | undefined;
  onOpenFile: (path: string) => void;
}

/** Placeholder: the workspace's file tree goes here. */
export function FileTree(_props: FileTreeProps) {
  return <div className="panel-empty">Files</div>;
}
