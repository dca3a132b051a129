/**
 * The REST client: same-origin fetch with the session cookie. Every failure becomes an
 * ApiError carrying the server's stable error code, so callers branch on `code`, never on
 * message text.
 */
import type { ErrorCode, FileContent } from '@workcell/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    /** On VERSION_CONFLICT / PRECONDITION_FAILED: the file as it is now (null: deleted). */
    readonly current?: FileContent | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** Raw bytes (uploads): sent as-is with this content type. */
  raw?: { data: BodyInit; contentType: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Outlives the page (at most 64 KiB of body): the last save as the tab closes. */
  keepalive?: boolean;
}

/**
 * Listeners told when the session ended on the server (a request answered 401, or a socket
 * closed as signed out), so the app can send the user to sign in.
 */
const unauthenticatedListeners = new Set<() => void>();
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export function sessionEnded(): void {
  for (const listener of [...unauthenticatedListeners]) listener();
}

export async function request<T>(
  method: Method,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { ...options.headers };
  let body: BodyInit | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.contentType;
    body = options.raw.data;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
      keepalive: options.keepalive,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached; check your connection.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json: unknown = text && isJson(response) ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const failure = json as
      { error?: { code?: ErrorCode; message?: string }; current?: FileContent | null } | undefined;
    const code = failure?.error?.code ?? 'INTERNAL';
    if (response.status === 401 && code === 'UNAUTHENTICATED') sessionEnded();
    throw new ApiError(
      response.status,
      code,
      failure?.error?.message ?? `The server answered ${response.status}.`,
      failure?.current,
    );
  }
  return (json ?? text) as T;
}

function isJson(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').includes('application/json');
}
