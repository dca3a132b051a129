/**
 * Requests from pyright that the bridge answers itself instead of the browser: settings
 * (the browser knows nothing of the cell's interpreter) and every `*\/refresh`. A browser
 * that answers a refresh it does not support with MethodNotFound makes pyright exit
 * (notes/web-toolchain.md §5), so none reaches it. Used by live bridges and idle servers.
 */
import type { PyrightProcess } from './pyright-process';

/** What the workspace's Python analysis uses: errors that matter, on the files shown. */
const ANALYSIS = {
  typeCheckingMode: 'basic',
  diagnosticMode: 'openFilesOnly',
  autoSearchPaths: true,
  useLibraryCodeForTypes: true,
};

function setting(section: unknown, pythonPath: string): unknown {
  switch (section) {
    case 'python':
      return { pythonPath, analysis: ANALYSIS };
    case 'python.analysis':
      return ANALYSIS;
    case 'python.pythonPath':
      return pythonPath;
    default:
      return null;
  }
}

/** Answers `message` when it is one of these requests; true if it did. */
export function answerServerRequest(process: PyrightProcess, message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { id, method, params } = message as { id?: unknown; method?: unknown; params?: unknown };
  if (id === undefined || typeof method !== 'string') return false;
  let result: unknown;
  if (method === 'workspace/configuration') {
    const items = (params as { items?: { section?: unknown }[] } | undefined)?.items;
    result = (Array.isArray(items) ? items : []).map((item) =>
      setting(item?.section, process.pythonPath),
    );
  } else if (method.endsWith('/refresh')) {
    result = null;
  } else return false;
  process.send({ jsonrpc: '2.0', id, result });
  return true;
}
