/**
 * What the editor area's keys, its groups' editors and its handle do to the focused
 * group's active tab: save, history, close, cycle through the tabs, split, move to the
 * other group; and comparing two files.
 */
import { useCallback } from 'react';

import type { OpenDocs } from './docs';
import type { DialogState } from './EditorDialogs';
import * as groups from './groups/editorGroups';
import type { LayoutStep } from './groups/useGroupLayout';
import type { GroupEditorActions } from './groups/useGroupEditor';
import { messageOf } from './paths';
import type { SpecialTabs } from './specialTabs';

export interface EditorActions extends GroupEditorActions {
  /** Closes a tab in one group: the document too when no other group shows it. */
  closeTab: (index: number, key: string) => void;
  /** The focused group's next (1) or previous (-1) tab. */
  cycle: (step: number) => void;
  /** Opens both files and their comparison tab, `left` as the original. */
  compare: (left: string, right: string) => void;
}

export function useEditorActions(options: {
  docs: OpenDocs;
  special: SpecialTabs;
  layout: groups.GroupLayout;
  change: (step: LayoutStep) => void;
  showDialog: (dialog: DialogState) => void;
}): EditorActions {
  const { docs, special, layout, change, showDialog } = options;
  const { focused } = layout;
  const { active, tabs } = groups.focusedGroup(layout);

  const save = useCallback(() => {
    // A failed save: the status bar and the tab say why.
    if (active !== undefined && docs.has(active)) docs.save(active).catch(() => undefined);
  }, [docs, active]);

  const closeTab = (index: number, key: string) => {
    const elsewhere = layout.groups.some((group, at) => at !== index && group.tabs.includes(key));
    if (elsewhere || special.has(key)) {
      if (!elsewhere) special.forget(key);
      return change((current) => groups.closeTab(current, index, key));
    }
    const doc = docs.view(key);
    if (doc?.pending || doc?.save === 'conflict') {
      showDialog({ kind: 'close', path: key, error: 'The file changed on the server.' });
      return;
    }
    docs
      .closeSaving(key)
      .catch((error: unknown) => showDialog({ kind: 'close', path: key, error: messageOf(error) }));
  };

  return {
    save,
    history: () => {
      if (active !== undefined && docs.has(active)) showDialog({ kind: 'history', path: active });
    },
    close: () => {
      if (active !== undefined) closeTab(focused, active);
    },
    closeTab,
    cycle: (step) => {
      if (active === undefined) return;
      const next = tabs[(tabs.indexOf(active) + step + tabs.length) % tabs.length];
      if (next !== undefined) change((current) => groups.focusGroup(current, focused, next));
    },
    split: () => change(groups.split),
    move: (direction) => change((current) => groups.moveActiveTab(current, direction)),
    compare: (left, right) => {
      docs.open(left);
      docs.open(right);
      const key = special.compare(left, right);
      change((current) => groups.openTab(current, key));
    },
  };
}

/**
 * The editor area's own keys: cycling through the focused group's tabs, and saving and
 * closing where the page's commands are off (a read-only library tab is not a file), so
 * Ctrl+S never reaches the browser's Save page. Splitting and moving tabs are commands
 * only, run by the page's KeybindingDispatcher before the area sees the key.
 */
export function editorKeyDown(actions: EditorActions) {
  return (event: React.KeyboardEvent) => {
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && key === 's') actions.save();
    else if (event.altKey && key === 'w') actions.close();
    else if (event.ctrlKey && event.key === 'Tab') actions.cycle(event.shiftKey ? -1 : 1);
    else if (event.altKey && (event.key === 'PageDown' || event.key === 'PageUp'))
      actions.cycle(event.key === 'PageDown' ? 1 : -1);
    else return;
    event.preventDefault();
  };
}
