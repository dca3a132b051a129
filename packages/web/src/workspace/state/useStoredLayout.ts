/**
 * A panel group's sizes remembered in the workspace's state, for react-resizable-panels'
 * `defaultLayout` and `onLayoutChanged`. A collapsed panel is remembered as size 0, so
 * which panels are shown comes back with the sizes.
 */
import { useCallback, useState } from 'react';
import type { Layout } from 'react-resizable-panels';

import type { WorkspaceStateStore } from './WorkspaceStateStore';

/** `panelIds` in the order the group renders them; a stored layout for other panels is ignored. */
export function useStoredLayout(
  store: WorkspaceStateStore,
  group: string,
  panelIds: readonly string[],
) {
  const idsKey = panelIds.join(' ');
  const [defaultLayout] = useState<Layout | undefined>(() => {
    const sizes = store.current.layout[group];
    if (sizes?.length !== panelIds.length) return undefined;
    return Object.fromEntries(panelIds.map((id, index) => [id, sizes[index]!]));
  });
  const onLayoutChanged = useCallback(
    (layout: Layout) => {
      const sizes = idsKey.split(' ').map((id) => layout[id]);
      if (sizes.some((size) => size === undefined)) return;
      const rounded = (sizes as number[]).map((size) => Math.round(size * 100) / 100);
      if (String(store.current.layout[group]) === String(rounded)) return;
      store.update((state) => ({ ...state, layout: { ...state.layout, [group]: rounded } }));
    },
    [store, group, idsKey],
  );
  return { defaultLayout, onLayoutChanged };
}
