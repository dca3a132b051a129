/**
 * The name a duplicate gets, as macOS Finder and VS Code name them: `script copy.py`, then
 * `script copy 2.py`, `script copy 3.py`… — the first not taken. A folder, or a file whose
 * only dot starts its name (`.env`), takes the suffix at the end.
 */
import { baseName, joinPath, parentOf } from './tree-model';

function splitExtension(name: string, isFolder: boolean): [string, string] {
  const dot = name.lastIndexOf('.');
  if (isFolder || dot <= 0) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

export function duplicatePath(
  path: string,
  isFolder: boolean,
  taken: (path: string) => boolean,
): string {
  const [stem, extension] = splitExtension(baseName(path), isFolder);
  for (let n = 1; ; n++) {
    const candidate = joinPath(parentOf(path), `${stem} copy${n === 1 ? '' : ` ${n}`}${extension}`);
    if (!taken(candidate)) return candidate;
  }
}
