/** Go to symbol in workspace: pyright's `workspace/symbol` answer as workspace locations. */
import { monaco } from '../editor/monaco';
import { workspacePath } from './models';

/** A symbol defined in one of the workspace's files, where its name starts (1-based). */
export interface WorkspaceSymbol {
  name: string;
  /** What it is: `function`, `class`, `variable`… */
  kind: string;
  /** The class or module it is in, as pyright names it. */
  container?: string;
  path: string;
  line: number;
  column: number;
}

export type WorkspaceSymbolSearch = (query: string) => Promise<WorkspaceSymbol[]>;

interface SymbolInformation {
  name: string;
  kind: number;
  containerName?: string;
  location: { uri: string; range: { start: { line: number; character: number } } };
}

/** LSP's SymbolKind, from 1. */
const KINDS = [
  'file',
  'module',
  'namespace',
  'package',
  'class',
  'method',
  'property',
  'field',
  'constructor',
  'enum',
  'interface',
  'function',
  'variable',
  'constant',
  'string',
  'number',
  'boolean',
  'array',
  'object',
  'key',
  'null',
  'enum member',
  'struct',
  'event',
  'operator',
  'type parameter',
];

/** Asks the server; symbols outside the workspace (libraries) are left out. */
export async function findWorkspaceSymbols(
  ask: (method: string, params: unknown) => Promise<unknown>,
  query: string,
): Promise<WorkspaceSymbol[]> {
  const found = ((await ask('workspace/symbol', { query })) ?? []) as SymbolInformation[];
  return found.flatMap(({ name, kind, containerName, location }) => {
    const path = workspacePath(monaco.Uri.parse(location.uri));
    if (path === undefined) return [];
    const { line, character } = location.range.start;
    return [
      {
        name,
        kind: KINDS[kind - 1] ?? 'symbol',
        container: containerName || undefined,
        path,
        line: line + 1,
        column: character + 1,
      },
    ];
  });
}
