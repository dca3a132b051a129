import { useCallback, useState } from 'react';
import { usePanelRef } from 'react-resizable-panels';

import type { BottomTab } from './BottomPanel';
import type { Pane } from './PaneTabBar';

/**
 * Which of the workspace's panes shows: the pane on a phone, and the bottom panel's tab
 * (Terminal or Problems) everywhere. For the page to pass to WorkspaceLayout and BottomPanel.
 */
export function usePanes(phone: boolean) {
  const [pane, setPane] = useState<Pane>('editor');
  const [bottomTab, setBottomTab] = useState<BottomTab>('terminal');
  /** Counts the requests to focus the Problems list (BottomPanel focuses on a change). */
  const [focusProblems, setFocusProblems] = useState(0);
  const bottomPanel = usePanelRef();

  const showBottom = useCallback(
    (tab: BottomTab) => {
      setBottomTab(tab);
      setPane('terminal');
      if (bottomPanel.current?.isCollapsed()) bottomPanel.current.expand();
    },
    [bottomPanel],
  );

  /** Shows the Problems list, or hides it if it shows; answers which it did. */
  const toggleProblems = useCallback(
    (focus: boolean): 'shown' | 'hidden' => {
      if (bottomTab === 'problems' && (!phone || pane === 'terminal')) {
        setBottomTab('terminal');
        return 'hidden';
      }
      showBottom('problems');
      if (focus) setFocusProblems((count) => count + 1);
      return 'shown';
    },
    [bottomTab, phone, pane, showBottom],
  );

  return {
    pane,
    setPane,
    bottomTab,
    setBottomTab,
    focusProblems,
    bottomPanel,
    showTerminal: useCallback(() => showBottom('terminal'), [showBottom]),
    toggleProblems,
  };
}
