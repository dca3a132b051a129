/**
 * PATCH bodies by content type. Strategic merge patch is applied as a JSON merge patch:
 * the same for maps (labels, annotations, status fields), but lists are replaced rather
 * than merged by key — a driver that patches one container of several would see the
 * difference only on a real server.
 */
import { apiErrors } from './status';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** RFC 7386. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const base = isObject(target) ? target : {};
  const keys = new Set([...Object.keys(base), ...Object.keys(patch)]);
  return Object.fromEntries(
    [...keys]
      .filter((key) => patch[key] !== null)
      .map((key) => [key, key in patch ? applyMergePatch(base[key], patch[key]) : base[key]]),
  );
}

interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  from?: string;
  value?: unknown;
}

/** `/metadata/labels/a~1b` → ['metadata', 'labels', 'a/b']. */
function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw apiErrors.badRequest(`invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(
  document: unknown,
  tokens: string[],
): [Record<string, unknown> | unknown[], string] {
  let node = document;
  for (const token of tokens.slice(0, -1)) {
    node = (node as Record<string, unknown> | undefined)?.[token];
    if (node === null || typeof node !== 'object')
      throw apiErrors.invalid('JSON patch', tokens.join('/'), 'the path does not exist');
  }
  return [node as Record<string, unknown> | unknown[], tokens.at(-1)!];
}

function readAt(document: unknown, path: string): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return document;
  const [parent, key] = parentOf(document, tokens);
  return (parent as Record<string, unknown>)[key];
}

function removeAt(document: unknown, path: string): unknown {
  const [parent, key] = parentOf(document, pointer(path));
  const value = (parent as Record<string, unknown>)[key];
  if (value === undefined) throw apiErrors.invalid('JSON patch', path, 'nothing to remove');
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else Reflect.deleteProperty(parent, key);
  return value;
}

function addAt(document: unknown, path: string, value: unknown): void {
  const [parent, key] = parentOf(document, pointer(path));
  if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, value);
  else parent[key] = value;
}

/** RFC 6902, the client library's default patch type. */
function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw apiErrors.badRequest('a JSON patch must be an array');
  const document = structuredClone(target);
  for (const operation of operations as JsonPatchOperation[]) {
    switch (operation.op) {
      case 'add':
        addAt(document, operation.path, structuredClone(operation.value));
        break;
      case 'remove':
        removeAt(document, operation.path);
        break;
      case 'replace':
        removeAt(document, operation.path);
        addAt(document, operation.path, structuredClone(operation.value));
        break;
      case 'move':
        addAt(document, operation.path, removeAt(document, operation.from ?? ''));
        break;
      case 'copy':
        addAt(document, operation.path, structuredClone(readAt(document, operation.from ?? '')));
        break;
      case 'test':
        if (JSON.stringify(readAt(document, operation.path)) !== JSON.stringify(operation.value))
          throw apiErrors.invalid('JSON patch', operation.path, 'test operation failed');
        break;
      default:
        throw apiErrors.badRequest(`unknown JSON patch operation: ${String(operation.op)}`);
    }
  }
  return document;
}

/** Applies a PATCH body of the given Content-Type to `target`. */
export function applyPatch(target: unknown, contentType: string, patch: unknown): unknown {
  switch (contentType) {
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      return applyMergePatch(target, patch);
    case 'application/json-patch+json':
      return applyJsonPatch(target, patch);
    default:
      throw apiErrors.unsupportedMediaType(contentType);
  }
}
