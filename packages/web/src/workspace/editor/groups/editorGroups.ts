/**
 * Which tabs each editor group shows, as a value: one group, or two side by side. A tab is
 * a key (a workspace path, a library file's key, a comparison's key); the same key may be in
 * both groups, one document shown in two editors. Every change returns a new layout.
 */
export interface EditorGroup {
  tabs: readonly string[];
  active: string | undefined;
}

export interface GroupLayout {
  /** One or two groups, left to right; never empty. */
  groups: readonly EditorGroup[];
  /** The index of the group that has focus: opening a file opens it there. */
  focused: number;
}

export const MAX_GROUPS = 2;

export function singleGroup(tabs: readonly string[], active?: string): GroupLayout {
  return {
    groups: [{ tabs, active: active !== undefined && tabs.includes(active) ? active : tabs[0] }],
    focused: 0,
  };
}

/** Every key some group shows, each once. */
export function allTabs(layout: GroupLayout): string[] {
  return [...new Set(layout.groups.flatMap((group) => group.tabs))];
}

export function focusedGroup(layout: GroupLayout): EditorGroup {
  return layout.groups[layout.focused] ?? layout.groups[0] ?? { tabs: [], active: undefined };
}

/** Shows `key` in the focused group (added at the end if new) and activates it. */
export function openTab(layout: GroupLayout, key: string): GroupLayout {
  return update(layout, layout.focused, (group) => ({
    tabs: group.tabs.includes(key) ? group.tabs : [...group.tabs, key],
    active: key,
  }));
}

export function focusGroup(layout: GroupLayout, index: number, key?: string): GroupLayout {
  if (!layout.groups[index]) return layout;
  if (index === layout.focused && (key === undefined || layout.groups[index]?.active === key))
    return layout;
  const focused = { ...layout, focused: index };
  return key === undefined
    ? focused
    : update(focused, index, (group) => ({ ...group, active: key }));
}

/**
 * Ctrl+\: shows the focused group's active tab in the other group too, creating it (to the
 * right) when there is one group, and focuses it.
 */
export function split(layout: GroupLayout): GroupLayout {
  const key = focusedGroup(layout).active;
  if (key === undefined) return layout;
  const target = layout.groups.length < MAX_GROUPS ? layout.groups.length : otherGroup(layout);
  const groups =
    target === layout.groups.length
      ? [...layout.groups, { tabs: [], active: undefined }]
      : layout.groups;
  return openTab({ groups, focused: target }, key);
}

/** The index of the group beside the focused one (itself when alone). */
export function otherGroup(layout: GroupLayout): number {
  return layout.groups.length < 2 ? layout.focused : 1 - layout.focused;
}

/**
 * Moves a tab from one group to another (or within one) before `beforeKey` (at the end
 * when undefined), activates it there and focuses that group. Moving a group's last tab out
 * closes the group. Moving to a group that does not exist yet (index = count) creates it.
 */
export function moveTab(
  layout: GroupLayout,
  key: string,
  from: number,
  to: number,
  beforeKey?: string,
): GroupLayout {
  const source = layout.groups[from];
  if (!source?.tabs.includes(key) || to < 0 || to > Math.min(layout.groups.length, MAX_GROUPS - 1))
    return layout;
  if (to === layout.groups.length && source.tabs.length === 1) return layout;
  let groups = [...layout.groups];
  if (to === groups.length) groups.push({ tabs: [], active: undefined });
  if (from !== to) groups[from] = withoutTab(source, key);
  const target = groups[to] ?? { tabs: [], active: undefined };
  const rest = target.tabs.filter((tab) => tab !== key);
  const at = beforeKey === undefined || beforeKey === key ? -1 : rest.indexOf(beforeKey);
  const tabs = at < 0 ? [...rest, key] : [...rest.slice(0, at), key, ...rest.slice(at)];
  groups[to] = { tabs, active: key };
  let focused = to;
  if (groups[from]?.tabs.length === 0) {
    groups = groups.filter((_, index) => index !== from);
    if (from < to) focused -= 1;
  }
  return { groups, focused };
}

/** Ctrl+Alt+Right/Left: the focused group's active tab into the group on that side. */
export function moveActiveTab(layout: GroupLayout, direction: 'left' | 'right'): GroupLayout {
  const key = focusedGroup(layout).active;
  if (key === undefined) return layout;
  const to = layout.focused + (direction === 'right' ? 1 : -1);
  return to < 0 ? layout : moveTab(layout, key, layout.focused, to);
}

/** Closes a tab in one group; a group left without tabs goes unless it is the only one. */
export function closeTab(layout: GroupLayout, index: number, key: string): GroupLayout {
  const group = layout.groups[index];
  if (!group?.tabs.includes(key)) return layout;
  const rest = withoutTab(group, key);
  if (rest.tabs.length > 0 || layout.groups.length === 1)
    return { ...update(layout, index, () => rest), focused: layout.focused };
  const groups = layout.groups.filter((_, at) => at !== index);
  return { groups, focused: Math.min(layout.focused, groups.length - 1) };
}

/** Renames a tab everywhere (a file moved on disk). */
export function renameTab(layout: GroupLayout, from: string, to: string): GroupLayout {
  const rename = (key: string) => (key === from ? to : key);
  return {
    ...layout,
    groups: layout.groups.map((group) => ({
      tabs: group.tabs.map(rename),
      active: group.active === undefined ? undefined : rename(group.active),
    })),
  };
}

/**
 * Keeps the layout true to what is open: tabs no longer open leave every group (empty
 * groups close), and anything open but in no group (reopened tabs, a background open)
 * joins the focused group. Returns the same layout when nothing changed.
 */
export function reconcile(layout: GroupLayout, open: readonly string[]): GroupLayout {
  const isOpen = new Set(open);
  const shown = new Set(allTabs(layout));
  const missing = open.filter((key) => !shown.has(key));
  const stale = [...shown].some((key) => !isOpen.has(key));
  if (!stale && missing.length === 0) return layout;
  let groups = layout.groups.map((group) => {
    const tabs = group.tabs.filter((key) => isOpen.has(key));
    const index = group.active === undefined ? -1 : group.tabs.indexOf(group.active);
    const active =
      group.active !== undefined && isOpen.has(group.active)
        ? group.active
        : (group.tabs.slice(index + 1).find((key) => isOpen.has(key)) ?? tabs.at(-1));
    return { tabs, active };
  });
  let focused = layout.focused;
  if (groups.length > 1 && groups.some((group) => group.tabs.length === 0)) {
    const before = groups[focused];
    groups = groups.filter((group) => group.tabs.length > 0);
    focused = Math.max(0, before ? groups.indexOf(before) : 0);
    if (groups.length === 0) groups = [{ tabs: [], active: undefined }];
  }
  const target = groups[focused] ?? { tabs: [], active: undefined };
  groups[focused] = {
    tabs: [...target.tabs, ...missing],
    active: target.active ?? missing[0],
  };
  return { groups, focused };
}

function update(
  layout: GroupLayout,
  index: number,
  change: (group: EditorGroup) => EditorGroup,
): GroupLayout {
  const group = layout.groups[index];
  if (!group) return layout;
  return {
    ...layout,
    groups: layout.groups.map((each, at) => (at === index ? change(each) : each)),
  };
}

/** The group without `key`; its neighbour (the next, else the previous) becomes active. */
function withoutTab(group: EditorGroup, key: string): EditorGroup {
  const index = group.tabs.indexOf(key);
  const tabs = group.tabs.filter((tab) => tab !== key);
  const active = group.active === key ? tabs[Math.min(index, tabs.length - 1)] : group.active;
  return { tabs, active };
}
