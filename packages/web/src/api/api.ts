/**
 * The typed REST client: one call per entry of the protocol's route table, its input and
 * reply types derived from the table's schemas (`api.listFiles({ uuid })` → `FileList`).
 * The browser never declares a reply type by hand.
 */
import {
  fillPath,
  routes,
  type FileContent,
  type PathParamNames,
  type RouteSpec,
  type Routes,
} from '@workcell/protocol';
import type { z } from 'zod';

import { ApiError, request } from './client';

export interface CallOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Raw bytes (uploads): sent as-is with this content type instead of a JSON body. */
  raw?: { data: BodyInit; contentType: string };
  /** Lets the request outlive the page (the last save of state as the tab closes). */
  keepalive?: boolean;
}

type PathParams<R extends RouteSpec> = { [Name in PathParamNames<R['path']>]: string };
type QueryInput<R extends RouteSpec> = R['query'] extends z.ZodType
  ? { query?: z.input<R['query']> }
  : unknown;
type BodyInput<R extends RouteSpec> = R['body'] extends z.ZodType
  ? unknown extends z.input<R['body']>
    ? unknown // raw bytes: sent through `options.raw`
    : { body: z.input<R['body']> }
  : unknown;

export type CallInput<R extends RouteSpec> = PathParams<R> & QueryInput<R> & BodyInput<R>;
export type Reply<R extends RouteSpec> = z.output<R['reply']>;

/** A call whose input has nothing required may leave it out: `api.me()`. */
type Call<R extends RouteSpec> =
  Partial<CallInput<R>> extends CallInput<R>
    ? (input?: CallInput<R>, options?: CallOptions) => Promise<Reply<R>>
    : (input: CallInput<R>, options?: CallOptions) => Promise<Reply<R>>;

type Api = { [Name in keyof Routes]: Call<Routes[Name]> };

function queryString(query: Record<string, unknown> | undefined): string {
  const defined = Object.entries(query ?? {}).filter(
    (entry): entry is [string, string | number | boolean] =>
      entry[1] !== undefined && entry[1] !== '',
  );
  if (!defined.length) return '';
  const pairs = defined.map(
    ([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`,
  );
  return `?${pairs.join('&')}`;
}

/** The URL a route answers at, e.g. for a link or an `<img src>`. */
export function routeUrl<R extends RouteSpec>(route: R, input: CallInput<R>): string {
  return urlOf(route, input);
}

function urlOf(route: RouteSpec, input: Record<string, unknown>): string {
  // fillPath takes only the names in the template: `query` and `body` are not among them.
  return (
    fillPath(route.path, input as Record<string, string>) +
    queryString(input.query as Record<string, unknown> | undefined)
  );
}

function call(
  route: RouteSpec,
  input: Record<string, unknown>,
  options: CallOptions = {},
): Promise<unknown> {
  return request(route.method, urlOf(route, input), { ...options, body: input.body });
}

/**
 * A file's content. `GET …/file/{path}` also answers the revision list for the legacy
 * `…/file/{path}/revisions`, which the browser never asks for.
 */
export async function readFile(
  uuid: string,
  path: string,
  options?: CallOptions,
): Promise<FileContent> {
  const reply = await api.readFile({ uuid, path }, options);
  if ('revisions' in reply) throw new ApiError(400, 'VALIDATION_FAILED', `${path} is not a file.`);
  return reply;
}

export const api = Object.fromEntries(
  Object.entries(routes).map(([name, route]) => [
    name,
    (input: Record<string, unknown> = {}, options?: CallOptions) => call(route, input, options),
  ]),
) as unknown as Api;
