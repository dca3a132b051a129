/**
 * Links in terminal output to places in the workspace's files: Python's traceback lines
 * (`File "/app/pkg/x.py", line 12`) and `path:line[:column]` as compilers, linters and
 * test runners print them. `/app/` (the workspace in the cell) maps to workspace paths;
 * other absolute paths are outside the workspace and get no link.
 */
import type { IBufferLine, ILink, ILinkProvider, Terminal } from '@xterm/xterm';

export interface Location {
  path: string;
  line: number;
  column?: number;
}

export interface FoundLocation extends Location {
  /** Where the link text starts and ends in the line (0-based, end exclusive). */
  start: number;
  end: number;
}

export interface LocationTarget {
  /** Whether the workspace has this file; without it, every workspace path is linked. */
  exists?(path: string): boolean;
  open(location: Location): void;
}

const CELL_ROOT = '/app/';
const TRACEBACK = /File "([^"]+)", line (\d+)/g;
const PATH_LINE = /(?<![\w./-])((?:\/app\/)?[\w.-][\w./-]*\.[A-Za-z]\w*):(\d+)(?::(\d+))?/g;

/** The workspace path `raw` names, or undefined when it is outside the workspace. */
function workspacePath(raw: string): string | undefined {
  const path = raw.startsWith(CELL_ROOT) ? raw.slice(CELL_ROOT.length) : raw;
  // `<stdin>`, `<string>`: code that came from no file.
  if (path === '' || path.startsWith('/') || path.startsWith('<')) return undefined;
  const segments = path.split('/').filter((segment) => segment !== '.');
  if (segments.some((segment) => segment === '..' || segment === '')) return undefined;
  return segments.join('/');
}

/** The file locations in one line of terminal text. */
export function findLocations(text: string): FoundLocation[] {
  const found: FoundLocation[] = [];
  for (const match of text.matchAll(TRACEBACK)) {
    const path = workspacePath(match[1]!);
    if (path !== undefined)
      found.push({
        path,
        line: Number(match[2]),
        start: match.index,
        end: match.index + match[0].length,
      });
  }
  for (const match of text.matchAll(PATH_LINE)) {
    const path = workspacePath(match[1]!);
    const overlaps = found.some(
      (f) => match.index < f.end && f.start < match.index + match[0].length,
    );
    if (path === undefined || overlaps) continue;
    found.push({
      path,
      line: Number(match[2]),
      ...(match[3] !== undefined && { column: Number(match[3]) }),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return found.filter((f) => f.line > 0).sort((a, b) => a.start - b.start);
}

/** Text of a buffer line and, per string index, its cell column (wide characters take two). */
function lineText(line: IBufferLine): { text: string; columns: number[] } {
  let text = '';
  const columns: number[] = [];
  for (let x = 0; x < line.length; x++) {
    const chars = line.getCell(x)?.getChars() ?? '';
    if (chars === '' && line.getCell(x)?.getWidth() === 0) continue; // the second half of a wide one
    for (let i = 0; i < Math.max(1, chars.length); i++) columns.push(x);
    text += chars === '' ? ' ' : chars;
  }
  return { text, columns };
}

export function locationLinkProvider(terminal: Terminal, target: LocationTarget): ILinkProvider {
  return {
    provideLinks(y, callback) {
      const line = terminal.buffer.active.getLine(y - 1);
      if (!line) return callback(undefined);
      const { text, columns } = lineText(line);
      const links: ILink[] = findLocations(text)
        .filter((found) => target.exists?.(found.path) ?? true)
        .map((found) => ({
          text: text.slice(found.start, found.end),
          range: {
            start: { x: columns[found.start]! + 1, y },
            end: { x: columns[found.end - 1]! + 1, y },
          },
          decorations: { underline: true, pointerCursor: true },
          activate: (event) => {
            event.preventDefault();
            const { path, line: at, column } = found;
            target.open({ path, line: at, ...(column !== undefined && { column }) });
          },
        }));
      callback(links.length > 0 ? links : undefined);
    },
  };
}
