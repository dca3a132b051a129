/**
 * Small inline icons for the tree (no icon font to load). They are decoration: the row's
 * name and aria-expanded already say what the row is, so every icon is aria-hidden.
 */
export type IconKind =
  | 'folder'
  | 'folder-open'
  | 'python'
  | 'table'
  | 'image'
  | 'data'
  | 'text'
  | 'archive'
  | 'notebook'
  | 'file';

const byExtension: Record<string, IconKind | undefined> = {
  py: 'python',
  pyi: 'python',
  pyw: 'python',
  csv: 'table',
  tsv: 'table',
  xlsx: 'table',
  parquet: 'table',
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  svg: 'image',
  webp: 'image',
  bmp: 'image',
  ico: 'image',
  json: 'data',
  yaml: 'data',
  yml: 'data',
  toml: 'data',
  ini: 'data',
  cfg: 'data',
  md: 'text',
  txt: 'text',
  rst: 'text',
  log: 'text',
  zip: 'archive',
  gz: 'archive',
  tgz: 'archive',
  tar: 'archive',
  ipynb: 'notebook',
};

export function iconKind(name: string, type: 'file' | 'folder', expanded = false): IconKind {
  if (type === 'folder') return expanded ? 'folder-open' : 'folder';
  const dot = name.lastIndexOf('.');
  return (dot > 0 && byExtension[name.slice(dot + 1).toLowerCase()]) || 'file';
}

const paths: Record<IconKind, React.ReactNode> = {
  folder: <path d="M1.5 3.5h4.2l1.5 1.5h7.3v8.5h-13z" />,
  'folder-open': (
    <>
      <path d="M1.5 13.5v-10h4.2l1.5 1.5h6.3v2" />
      <path d="M1.5 13.5l2.2-6h11l-2.2 6z" />
    </>
  ),
  python: (
    <>
      <path d="M8 1.5c-3 0-3 1.3-3 2.5v1.5h3v.6H3.6C2.3 6.1 1.5 7 1.5 9s.8 3 2.1 3H5v-1.8c0-1.2 1-2.2 2.2-2.2h2.6c1 0 1.7-.8 1.7-1.7V4c0-1.3-1.2-2.5-3.5-2.5z" />
      <path d="M8 14.5c3 0 3-1.3 3-2.5v-1.5H8v-.6h4.4c1.3 0 2.1-.9 2.1-2.9s-.8-3-2.1-3H11" />
    </>
  ),
  table: (
    <>
      <rect x="1.5" y="2.5" width="13" height="11" rx="1" />
      <path d="M1.5 6h13M1.5 9.5h13M6 6v7.5M10.5 6v7.5" />
    </>
  ),
  image: (
    <>
      <rect x="1.5" y="2.5" width="13" height="11" rx="1" />
      <circle cx="5.5" cy="6" r="1.3" />
      <path d="M1.5 12l4-3.5 3 2.5 2.5-2 3.5 3" />
    </>
  ),
  data: (
    <path d="M5.5 2.5c-2 0-2 1-2 2.2v1.6c0 1-.6 1.7-1.8 1.7 1.2 0 1.8.7 1.8 1.7v1.6c0 1.2 0 2.2 2 2.2M10.5 2.5c2 0 2 1 2 2.2v1.6c0 1 .6 1.7 1.8 1.7-1.2 0-1.8.7-1.8 1.7v1.6c0 1.2 0 2.2-2 2.2" />
  ),
  text: (
    <>
      <path d="M3.5 1.5h6l3 3v10h-9z" />
      <path d="M5.5 7.5h5M5.5 10h5M5.5 12.5h3" />
    </>
  ),
  archive: (
    <>
      <path d="M3.5 1.5h9v13h-9z" />
      <path d="M8 1.5v2M8 4.5v2M8 7.5v2M7 10h2v2.5H7z" />
    </>
  ),
  notebook: (
    <>
      <rect x="3" y="1.5" width="10" height="13" rx="1" />
      <path d="M5.5 1.5v13M7.5 5h3.5M7.5 7.5h3.5" />
    </>
  ),
  file: <path d="M3.5 1.5h6l3 3v10h-9zM9.5 1.5v3h3" />,
};

export function TreeIcon({ kind }: { kind: IconKind }) {
  return (
    <svg
      className={`tree-icon icon-${kind}`}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      {paths[kind]}
    </svg>
  );
}

/** Toolbar glyphs, drawn like the tree icons. */
export type ToolIcon =
  'new-file' | 'new-folder' | 'upload' | 'download' | 'refresh' | 'collapse' | 'chevron';

const toolPaths: Record<ToolIcon, React.ReactNode> = {
  'new-file': <path d="M3.5 1.5h6l3 3v4M3.5 1.5v13h5M12 10v5M9.5 12.5h5" />,
  'new-folder': <path d="M1.5 3.5h4.2l1.5 1.5h7.3v3.5M1.5 3.5v10h7M12 10v5M9.5 12.5h5" />,
  upload: <path d="M8 11V2M4.5 5.5L8 2l3.5 3.5M2.5 11v3h11v-3" />,
  download: <path d="M8 2v9M4.5 7.5L8 11l3.5-3.5M2.5 11v3h11v-3" />,
  refresh: <path d="M13.5 8a5.5 5.5 0 1 1-1.6-3.9M13.5 2v3.5H10" />,
  collapse: <path d="M2.5 2.5h11v11h-11zM5 8h6" />,
  chevron: <path d="M6 3.5L10.5 8 6 12.5" />,
};

export function ToolGlyph({ icon }: { icon: ToolIcon }) {
  return (
    <svg
      className={`tool-icon tool-${icon}`}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      {toolPaths[icon]}
    </svg>
  );
}
