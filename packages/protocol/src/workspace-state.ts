/**
 * What the web app remembers of a workspace per user, so a reload or another device opens
 * it as it was left: the open tabs with their cursor and scroll positions, the layout, the
 * panels, the terminals and each file's run configuration. The server stores the document
 * whole and checks only its bounds; what the parts mean is the web app's.
 *
 * Objects are strict: a misspelt key is a 400, not a setting silently dropped. The web app
 * still evolves freely, because every part but the tabs has a default (a newer app's new
 * part is simply absent from an older document), and the server reads a stored document
 * part by part (`readWorkspaceState`), so a part a later version dropped or tightened
 * reads as its default instead of losing the whole document.
 */
import * as z from 'zod';

import type { IssueParams } from './api';
import { normaliseWorkspacePath, PATH_MAX_BYTES, type PathResult } from './paths';

export const WORKSPACE_STATE_LIMITS = {
  /** The whole document as JSON; the route's body limit. */
  bytes: 64 * 1024,
  editorGroups: 2,
  tabsPerGroup: 50,
  layoutGroups: 32,
  sizesPerLayout: 8,
  panels: 32,
  terminals: 20,
  runConfigurations: 200,
  args: 100,
  argBytes: 4 * 1024,
  envVariables: 100,
  envValueBytes: 4 * 1024,
} as const;

const L = WORKSPACE_STATE_LIMITS;

/** A record with a bounded number of keys (zod bounds arrays, not records). */
const boundedRecord = <K extends z.ZodType<string>, V extends z.ZodType>(
  key: K,
  value: V,
  max: number,
) =>
  z
    .record(key, value)
    .refine((record) => Object.keys(record).length <= max, `at most ${max} entries`);

const pathIssue = (input: string, result: PathResult, path: PropertyKey[] = []) =>
  result.ok
    ? []
    : [
        {
          code: 'custom' as const,
          input,
          path,
          message: `invalid path: ${result.reason}`,
          params: { errorCode: result.code } satisfies IssueParams,
        },
      ];

const normalised = (path: string): string => {
  const result = normaliseWorkspacePath(path);
  return result.ok ? result.path : path;
};

/** A workspace path, refused as INVALID_PATH (or INVALID_NAME) like everywhere else, and stored normalised. */
const workspacePath = z
  .string()
  .max(PATH_MAX_BYTES * 3)
  .check((ctx) => {
    ctx.issues.push(...pathIssue(ctx.value, normaliseWorkspacePath(ctx.value)));
  })
  .overwrite(normalised);

/** A record keyed by workspace paths: zod's record keys cannot carry the path's own error code. */
const pathRecord = <V extends z.ZodType>(value: V, max: number) =>
  boundedRecord(z.string().max(PATH_MAX_BYTES * 3), value, max)
    .check((ctx) => {
      for (const key of Object.keys(ctx.value))
        ctx.issues.push(...pathIssue(key, normaliseWorkspacePath(key), [key]));
    })
    .overwrite((record) =>
      Object.fromEntries(Object.entries(record).map(([key, entry]) => [normalised(key), entry])),
    );

/** Identifiers the web app chooses: a panel group, a panel. */
const partId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'use 1 to 64 letters, digits, _ . or -');

const position = z.number().int().min(1).max(10_000_000);
const offset = z.number().min(0).max(1e9);

export const editorTab = z.strictObject({
  path: workspacePath,
  cursor: z.strictObject({ line: position, column: position }),
  scroll: z.strictObject({ top: offset, left: offset }),
  pinned: z.boolean().optional(),
});
export type EditorTab = z.infer<typeof editorTab>;

export const editorGroup = z
  .strictObject({
    tabs: z.array(editorTab).max(L.tabsPerGroup),
    active: workspacePath.optional(),
  })
  .refine(
    (group) => group.active === undefined || group.tabs.some((tab) => tab.path === group.active),
    { message: 'the active tab must be one of the tabs', path: ['active'] },
  );
export type EditorGroup = z.infer<typeof editorGroup>;

const terminalId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1 to 64 letters, digits, _ or -');

export const workspaceTerminal = z.strictObject({
  id: terminalId,
  name: z.string().min(1).max(100),
  kind: z.enum(['shell', 'run']),
  /** The file a run terminal runs. */
  path: workspacePath.optional(),
});
export type WorkspaceTerminal = z.infer<typeof workspaceTerminal>;

export const runConfiguration = z.strictObject({
  args: z.array(z.string().max(L.argBytes)).max(L.args),
  env: boundedRecord(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name is letters, digits and _')
      .max(256),
    z.string().max(L.envValueBytes),
    L.envVariables,
  ),
});
export type RunConfiguration = z.infer<typeof runConfiguration>;

const parts = {
  editorGroups: z.array(editorGroup).min(1).max(L.editorGroups),
  activeGroup: z
    .number()
    .int()
    .min(0)
    .max(L.editorGroups - 1)
    .default(0),
  /** Panel group id → its panels' sizes in percent. */
  layout: boundedRecord(
    partId,
    z.array(z.number().min(0).max(100)).min(1).max(L.sizesPerLayout),
    L.layoutGroups,
  ).default({}),
  /** Panel id → whether it is open. */
  panels: boundedRecord(partId, z.boolean(), L.panels).default({}),
  terminals: z.array(workspaceTerminal).max(L.terminals).default([]),
  /** The terminal shown in the panel. */
  activeTerminal: terminalId.optional(),
  /** Workspace path → how the file is run. */
  runConfigurations: pathRecord(runConfiguration, L.runConfigurations).default({}),
};

export const workspaceState = z
  .strictObject(parts)
  .refine((state) => state.activeGroup < state.editorGroups.length, {
    message: 'activeGroup must name one of the editor groups',
    path: ['activeGroup'],
  })
  .meta({ id: 'WorkspaceState' });
export type WorkspaceState = z.infer<typeof workspaceState>;

export const emptyWorkspaceState = (): WorkspaceState => ({
  editorGroups: [{ tabs: [] }],
  activeGroup: 0,
  layout: {},
  panels: {},
  terminals: [],
  runConfigurations: {},
});

/**
 * A stored document read with today's schema, part by part: a part that no longer
 * validates (a later version tightened or dropped it) reads as its default, the rest
 * is kept.
 */
export function readWorkspaceState(stored: unknown): WorkspaceState {
  const state: Record<string, unknown> = { ...emptyWorkspaceState() };
  if (typeof stored !== 'object' || stored === null) return state as WorkspaceState;
  for (const [key, schema] of Object.entries(parts)) {
    const parsed = schema.safeParse((stored as Record<string, unknown>)[key]);
    if (parsed.success) state[key] = parsed.data;
  }
  const result = workspaceState.safeParse(state);
  return result.success ? result.data : { ...(state as WorkspaceState), activeGroup: 0 };
}
