/** Small helpers on workspace paths, free of Monaco so views and tests can use them. */
const imageExtensions = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp']);
export const extensionOf = (path: string) => {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};
export const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
export const isImagePath = (path: string) => imageExtensions.has(extensionOf(path));
export const isCsvPath = (path: string) => ['csv', 'tsv'].includes(extensionOf(path));
export const isMarkdownPath = (path: string) => ['md', 'markdown'].includes(extensionOf(path));

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const formatSize = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : bytes < 1024 ** 3
        ? `${(bytes / 1024 ** 2).toFixed(1)} MiB`
        : `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
