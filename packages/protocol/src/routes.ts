/**
 * The REST routes, one entry each: method, path template and the zod schemas of what goes
 * in and what comes back. The server registers its routes with these schemas and the web
 * client derives its calls (and their reply types) from them, so neither side declares a
 * reply shape by hand.
 *
 * Path templates name their parameters in braces; `{path}` is a workspace file path of one
 * or more segments (Fastify's `*`), each segment URL-encoded on its own.
 */
import * as z from 'zod';

import {
  adminCellList,
  adminUserList,
  adminUserQuery,
  adminWorkspaceList,
  adminWorkspaceQuery,
  auditLog,
  auditQuery,
  egressRefusalList,
  stopCellReply,
} from './admin';
import {
  authReply,
  cellStatus,
  createWorkspaceBody,
  fileContent,
  fileEntry,
  librarySource,
  librarySourceQuery,
  loginBody,
  copyBody,
  moveBody,
  registerBody,
  renameWorkspaceBody,
  restoreBody,
  revision,
  revisionContent,
  revisionId,
  runBody,
  runResult,
  updateMeBody,
  updateSettingsBody,
  usage,
  user,
  userSettings,
  workspace,
  writeFileBody,
  writtenFile,
} from './api';
import { formatBody, formatResult } from './format';
import { replaceBody, replaceReply, searchQuery, searchReply } from './search';
import { workspaceState } from './workspace-state';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  path: string;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The success reply (204 routes: `z.null()`; raw byte replies: `z.unknown()`). */
  reply: z.ZodType;
}

/** Files and folders as a list: the whole tree, or what an archive extraction wrote. */
export const fileList = z.object({ files: z.array(fileEntry) });
export type FileList = z.infer<typeof fileList>;

/** The revisions kept of one file, newest first. */
export const revisionList = z.object({ path: z.string(), revisions: z.array(revision) });
export type RevisionList = z.infer<typeof revisionList>;

export const revisionQuery = z.object({
  revision: z
    .string()
    .regex(/^[1-9][0-9]*$/, 'must be a positive integer')
    .transform(Number)
    .pipe(revisionId)
    .optional()
    .describe(
      'A revision id from the list: answer that revision with its content instead of the list',
    ),
});

export const workspaceList = z.object({ sessions: z.array(workspace) });
export const workspaceListQuery = z.object({ user_id: z.string().optional() });

export const archiveDownloadQuery = z.object({
  folder: z
    .string()
    .optional()
    .describe(
      'Workspace folder to download, its entries named from it (`data/x.csv` for `data`); the whole workspace if omitted',
    ),
});

export const rawQuery = z.object({
  v: z.coerce
    .number()
    .int()
    .optional()
    .describe(
      "The file's version the link was made for: a new version is a new URL, so a browser fetches it instead of showing its cached bytes. The answer is always the current version's",
    ),
});

export const archiveQuery = z.object({
  folder: z
    .string()
    .optional()
    .describe('Workspace folder to extract into (created if missing); the root if omitted'),
});

export const workspaceStatus = z.object({
  status: z.enum(['empty', 'ready']),
  message: z.string(),
  initialized: z.boolean(),
  file_count: z.number().int(),
});

export const ensureDefaultReply = z.object({
  message: z.string(),
  files_created: z.array(z.string()),
  file: z.object({ path: z.string(), version: z.number().int() }).optional(),
});

/** Raw bytes in or out (uploads, downloads): sent and answered as-is, not JSON. */
export const rawBytes = z.unknown();
const none = z.null();

const route = <const R extends RouteSpec>(spec: R): R => spec;
const ws = '/api/workspace/{uuid}';

export const routes = {
  // users
  register: route({
    method: 'POST',
    path: '/api/users/register',
    body: registerBody,
    reply: authReply,
  }),
  login: route({ method: 'POST', path: '/api/users/login', body: loginBody, reply: authReply }),
  logout: route({ method: 'POST', path: '/api/users/logout', reply: none }),
  me: route({ method: 'GET', path: '/api/users/me', reply: user }),
  updateMe: route({ method: 'PATCH', path: '/api/users/me', body: updateMeBody, reply: user }),
  settings: route({ method: 'GET', path: '/api/users/me/settings', reply: userSettings }),
  updateSettings: route({
    method: 'PATCH',
    path: '/api/users/me/settings',
    body: updateSettingsBody,
    reply: userSettings,
  }),
  usage: route({ method: 'GET', path: '/api/users/me/usage', reply: usage }),
  // workspaces
  listWorkspaces: route({
    method: 'GET',
    path: '/api/sessions',
    query: workspaceListQuery,
    reply: workspaceList,
  }),
  createWorkspace: route({
    method: 'POST',
    path: '/api/sessions',
    body: createWorkspaceBody,
    reply: workspace,
  }),
  getWorkspace: route({ method: 'GET', path: '/api/sessions/{uuid}', reply: workspace }),
  renameWorkspace: route({
    method: 'PATCH',
    path: '/api/sessions/{uuid}',
    body: renameWorkspaceBody,
    reply: workspace,
  }),
  deleteWorkspace: route({ method: 'DELETE', path: '/api/sessions/{uuid}', reply: none }),
  workspaceStatus: route({ method: 'GET', path: `${ws}/status`, reply: workspaceStatus }),
  ensureDefault: route({ method: 'POST', path: `${ws}/ensure-default`, reply: ensureDefaultReply }),
  // files
  listFiles: route({ method: 'GET', path: `${ws}/files`, reply: fileList }),
  readFile: route({
    method: 'GET',
    path: `${ws}/file/{path}`,
    reply: z.union([fileContent, revisionList]),
  }),
  writeFile: route({
    method: 'POST',
    path: `${ws}/file/{path}`,
    body: z.union([writeFileBody, restoreBody]),
    reply: writtenFile,
  }),
  deleteFile: route({ method: 'DELETE', path: `${ws}/file/{path}`, reply: none }),
  revisions: route({
    method: 'GET',
    path: `${ws}/revisions/{path}`,
    query: revisionQuery,
    reply: z.union([revisionList, revisionContent]),
  }),
  restore: route({
    method: 'POST',
    path: `${ws}/restore/{path}`,
    body: restoreBody,
    reply: writtenFile,
  }),
  createFolder: route({ method: 'POST', path: `${ws}/folder/{path}`, reply: fileEntry }),
  move: route({ method: 'POST', path: `${ws}/move`, body: moveBody, reply: fileEntry }),
  copy: route({ method: 'POST', path: `${ws}/copy`, body: copyBody, reply: fileEntry }),
  readRaw: route({ method: 'GET', path: `${ws}/raw/{path}`, query: rawQuery, reply: rawBytes }),
  uploadRaw: route({ method: 'PUT', path: `${ws}/raw/{path}`, body: rawBytes, reply: writtenFile }),
  downloadArchive: route({
    method: 'GET',
    path: `${ws}/archive`,
    query: archiveDownloadQuery,
    reply: rawBytes,
  }),
  extractArchive: route({
    method: 'POST',
    path: `${ws}/archive`,
    query: archiveQuery,
    body: rawBytes,
    reply: fileList,
  }),
  search: route({ method: 'GET', path: `${ws}/search`, query: searchQuery, reply: searchReply }),
  replace: route({ method: 'POST', path: `${ws}/replace`, body: replaceBody, reply: replaceReply }),
  workspaceState: route({ method: 'GET', path: `${ws}/state`, reply: workspaceState }),
  saveWorkspaceState: route({
    method: 'PUT',
    path: `${ws}/state`,
    body: workspaceState,
    reply: none,
  }),
  format: route({ method: 'POST', path: `${ws}/format`, body: formatBody, reply: formatResult }),
  // cells and languages
  cellStatus: route({ method: 'GET', path: `${ws}/cell`, reply: cellStatus }),
  startCell: route({ method: 'POST', path: `${ws}/start`, reply: cellStatus }),
  run: route({ method: 'POST', path: `${ws}/run`, body: runBody, reply: runResult }),
  librarySource: route({
    method: 'GET',
    path: `${ws}/lsp/source`,
    query: librarySourceQuery,
    reply: librarySource,
  }),
  // admin
  adminUsers: route({
    method: 'GET',
    path: '/api/users/',
    query: adminUserQuery,
    reply: adminUserList,
  }),
  adminActOnUser: route({ method: 'POST', path: '/api/admin/users/{id}/{action}', reply: none }),
  adminWorkspaces: route({
    method: 'GET',
    path: '/api/admin/workspaces',
    query: adminWorkspaceQuery,
    reply: adminWorkspaceList,
  }),
  adminStopCell: route({
    method: 'POST',
    path: '/api/admin/workspaces/{id}/stop-cell',
    reply: stopCellReply,
  }),
  adminCells: route({ method: 'GET', path: '/api/admin/cells', reply: adminCellList }),
  adminEgressRefusals: route({
    method: 'GET',
    path: '/api/admin/egress-refusals',
    reply: egressRefusalList,
  }),
  adminAudit: route({
    method: 'GET',
    path: '/api/admin/audit',
    query: auditQuery,
    reply: auditLog,
  }),
} as const;

export type Routes = typeof routes;
export type RouteName = keyof Routes;

/** The names in a path template: `/a/{uuid}/b/{path}` → `'uuid' | 'path'`. */
export type PathParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParamNames<Rest>
  : never;

/** A path template with its parameters filled in; `{path}` keeps its slashes between segments. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`The path ${template} needs ${name}.`);
    return name === 'path'
      ? value.split('/').map(encodeURIComponent).join('/')
      : encodeURIComponent(value);
  });
}

/** The template as Fastify writes it: `{path}` → `*`, `{name}` → `:name`. */
export function fastifyPath(template: string): string {
  return template.replace('{path}', '*').replace(/\{(\w+)\}/g, ':$1');
}
