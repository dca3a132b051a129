/**
 * Which tabs each editor group shows, over the open documents: the groups as the
 * workspace's state remembered them (the remembered files reopen here), kept true to what
 * is open, following renames, and remembered again whenever they change.
 */
import { useCallback, useEffect, useState } from 'react';

import type { EditorTabsMemory } from '../../state/editorTabs';
import type { OpenDocs } from '../docs';
import { allTabs, reconcile, renameTab, type GroupLayout } from './editorGroups';

export type LayoutStep = (layout: GroupLayout) => GroupLayout;

/** `otherKeys`: the tabs beside the documents (library files, comparisons). */
export function useGroupLayout(
  docs: OpenDocs,
  tabsMemory: EditorTabsMemory,
  otherKeys: () => readonly string[],
) {
  const [remembered] = useState<GroupLayout>(() => tabsMemory.remembered());
  const [saved, setLayout] = useState(remembered);
  // Until the remembered files are open again the remembered groups stand as they are:
  // reconciled with nothing open, they would lose their tabs.
  const current = useCallback(
    (layout: GroupLayout) =>
      docs.ready ? reconcile(layout, [...docs.paths(), ...otherKeys()]) : layout,
    [docs, otherKeys],
  );
  const layout = current(saved);
  const change = useCallback(
    (step: LayoutStep) => setLayout((latest) => step(current(latest))),
    [current],
  );

  useEffect(() => docs.start(allTabs(remembered)), [docs, remembered]);

  useEffect(() => {
    const moves = docs.onMoved(({ from, to }) =>
      setLayout((latest) => renameTab(latest, from, to)),
    );
    return () => moves.dispose();
  }, [docs]);

  // Only workspace files are remembered: library files and comparisons leave their groups.
  const toRemember = docs.ready ? JSON.stringify(reconcile(layout, docs.paths())) : undefined;
  useEffect(() => {
    if (toRemember !== undefined) tabsMemory.saveLayout(JSON.parse(toRemember) as GroupLayout);
  }, [tabsMemory, toRemember]);

  return { layout, change };
}
