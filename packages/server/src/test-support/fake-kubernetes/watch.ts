/**
 * `?watch=1`: a chunked stream of newline-delimited `{"type","object"}` events, as the
 * real server sends them. From a resourceVersion it replays the store's history (or
 * answers an ERROR event with a 410 Expired Status and ends, when that history is gone);
 * without one (or from "0") it starts with a synthetic ADDED per current object. Objects
 * that start or stop matching the selectors arrive as ADDED / DELETED, like the real
 * server's filtered watches.
 */
import type { ServerResponse } from 'node:http';

import type { KubeObject } from './objects';
import { apiVersionOf, type ResourceType } from './resources';
import type { Selector } from './selectors';
import { ApiError, apiErrors, type StatusJson } from './status';
import type { Change, ObjectStore } from './store';

export interface WatchRequest {
  resource: ResourceType;
  /** Undefined watches all namespaces. */
  namespace?: string;
  selector: Selector;
  resourceVersion?: string;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
}

type WatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }
  | { type: 'BOOKMARK'; object: KubeObject }
  | { type: 'ERROR'; object: StatusJson };

/** Every open watch stream; ends them all on close (or when a test asks). */
export class WatchStreams {
  readonly #open = new Set<() => void>();

  constructor(
    private readonly store: ObjectStore,
    private readonly bookmarkIntervalMs: number,
  ) {}

  /** Validates the request (throwing ApiError before anything is written), then streams. */
  serve(request: WatchRequest, response: ServerResponse): void {
    const since = parseResourceVersion(request.resourceVersion);
    const events: WatchEvent[] = [];
    let expired: ApiError | undefined;
    if (since === undefined) {
      for (const object of this.store.list(request.resource, request.namespace)) {
        if (request.selector(object)) events.push({ type: 'ADDED', object });
      }
    } else {
      try {
        for (const change of this.store.changesSince(since)) {
          const event = eventFor(request, change);
          if (event) events.push(event);
        }
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        expired = error;
      }
    }

    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
    // Clients wait for the headers before they listen for events, and there may be none yet.
    response.flushHeaders();
    const send = (event: WatchEvent) => response.write(`${JSON.stringify(event)}\n`);
    if (expired) {
      send({ type: 'ERROR', object: expired.toStatus() });
      response.end();
      return;
    }
    events.forEach(send);

    const unsubscribe = this.store.subscribe((change) => {
      const event = eventFor(request, change);
      if (event) send(event);
    });
    const bookmarks =
      request.allowBookmarks &&
      setInterval(() => {
        send({
          type: 'BOOKMARK',
          object: {
            kind: request.resource.kind,
            apiVersion: apiVersionOf(request.resource),
            metadata: { resourceVersion: this.store.resourceVersion },
          },
        });
      }, this.bookmarkIntervalMs);
    const timeout =
      request.timeoutSeconds !== undefined &&
      setTimeout(() => end(), request.timeoutSeconds * 1000);
    const end = () => {
      unsubscribe();
      if (bookmarks) clearInterval(bookmarks);
      if (timeout) clearTimeout(timeout);
      this.#open.delete(end);
      response.end();
    };
    this.#open.add(end);
    response.on('close', end);
  }

  /** Ends every open watch, as a restarting API server would; clients watch again. */
  closeAll(): void {
    for (const end of this.#open) end();
  }
}

function parseResourceVersion(resourceVersion: string | undefined): number | undefined {
  if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0')
    return undefined;
  const parsed = Number(resourceVersion);
  if (!Number.isSafeInteger(parsed) || parsed < 0)
    throw apiErrors.badRequest(`invalid resource version: ${resourceVersion}`);
  return parsed;
}

/** What a change looks like to this watch, if it sees it at all. */
function eventFor(request: WatchRequest, change: Change): WatchEvent | undefined {
  if (change.resource !== request.resource) return undefined;
  if (request.namespace !== undefined && change.object.metadata.namespace !== request.namespace)
    return undefined;
  const matchesNow = change.type !== 'DELETED' && request.selector(change.object);
  const matchedBefore =
    change.type === 'DELETED'
      ? request.selector(change.object)
      : change.previous !== undefined && request.selector(change.previous);
  if (matchesNow && matchedBefore) return { type: 'MODIFIED', object: change.object };
  if (matchesNow) return { type: 'ADDED', object: change.object };
  if (matchedBefore) return { type: 'DELETED', object: change.object };
  return undefined;
}
