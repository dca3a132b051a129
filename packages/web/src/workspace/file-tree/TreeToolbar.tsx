/** The buttons above the tree: new file/folder, upload, download all, refresh, collapse. */
import type { Ref } from 'react';

import { ToolGlyph } from './icons';

export interface TreeToolbarProps {
  archiveHref: string;
  fileInput: Ref<HTMLInputElement>;
  onNewFile: () => void;
  onNewFolder: () => void;
  onUpload: () => void;
  onRefresh: () => void;
  onCollapse: () => void;
  onFilesChosen: (files: File[]) => void;
}

function ToolButton({
  label,
  title,
  onClick,
  icon,
}: {
  label: string;
  title?: string;
  onClick: () => void;
  icon: Parameters<typeof ToolGlyph>[0]['icon'];
}) {
  return (
    <button
      type="button"
      className="tree-tool"
      aria-label={label}
      title={title ?? label}
      onClick={onClick}
    >
      <ToolGlyph icon={icon} />
    </button>
  );
}

export function TreeToolbar({
  archiveHref,
  fileInput,
  onNewFile,
  onNewFolder,
  onUpload,
  onRefresh,
  onCollapse,
  onFilesChosen,
}: TreeToolbarProps) {
  return (
    <div className="file-tree-toolbar" role="toolbar" aria-label="File actions">
      <span className="file-tree-title" aria-hidden="true">
        Files
      </span>
      <ToolButton label="New File" icon="new-file" onClick={onNewFile} />
      <ToolButton label="New Folder" icon="new-folder" onClick={onNewFolder} />
      <ToolButton
        label="Upload Files"
        title="Upload Files (or drop them on the tree)"
        icon="upload"
        onClick={onUpload}
      />
      <a
        className="tree-tool"
        href={archiveHref}
        download
        aria-label="Download Workspace as Zip"
        title="Download Workspace as Zip"
      >
        <ToolGlyph icon="download" />
      </a>
      <ToolButton label="Refresh Files" icon="refresh" onClick={onRefresh} />
      <ToolButton label="Collapse Folders" icon="collapse" onClick={onCollapse} />
      <input
        ref={fileInput}
        type="file"
        multiple
        hidden
        aria-label="Files to upload"
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          event.target.value = '';
          onFilesChosen(files);
        }}
      />
    </div>
  );
}
