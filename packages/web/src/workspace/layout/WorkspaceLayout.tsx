/**
 * The workspace's panes: on a wide screen the file tree | the editor over the bottom panel
 * (terminal, problems), in resizable panels that remember their sizes; on a phone one
 * pane at a time, chosen in a tab bar along the bottom. One tree of panels in both, the
 * hidden panes only hidden (by CSS), so crossing the breakpoint or switching panes keeps
 * the editor's undo history and the terminal's sessions.
 */
import type { ReactNode, RefObject } from 'react';
import { Group, Panel, type PanelImperativeHandle, Separator } from 'react-resizable-panels';

import { useStoredLayout } from '../state/useStoredLayout';
import type { WorkspaceStateStore } from '../state/WorkspaceStateStore';
import { PaneTabBar, type Pane } from './PaneTabBar';
import './WorkspaceLayout.css';

export interface WorkspaceLayoutProps {
  /** A phone: one pane at a time. */
  phone: boolean;
  pane: Pane;
  onPane: (pane: Pane) => void;
  files: ReactNode;
  editor: ReactNode;
  bottom: ReactNode;
  /** The bottom panel's handle, to expand it when the Problems panel is asked for. */
  bottomPanel: RefObject<PanelImperativeHandle | null>;
  /** The file tree's panel, to show or hide it. */
  filesPanel: RefObject<PanelImperativeHandle | null>;
  /** Where the panel sizes are remembered. */
  store: WorkspaceStateStore;
}

export function WorkspaceLayout(props: WorkspaceLayoutProps) {
  const { phone, pane, onPane, files, editor, bottom, bottomPanel, filesPanel, store } = props;
  const layout = useStoredLayout(store, 'workspace', ['files', 'main']);
  const editorColumn = useStoredLayout(store, 'editorColumn', ['editor', 'terminal']);
  return (
    <>
      <main className="workspace-body" data-phone-pane={phone ? pane : undefined}>
        <Group
          orientation={phone ? 'vertical' : 'horizontal'}
          defaultLayout={layout.defaultLayout}
          onLayoutChanged={layout.onLayoutChanged}
        >
          <Panel
            id="files"
            data-pane="files"
            defaultSize="20%"
            minSize="10%"
            collapsible
            panelRef={filesPanel}
          >
            <section aria-label="Side bar" className="panel">
              {files}
            </section>
          </Panel>
          <Separator className="separator vertical" />
          <Panel id="main" data-pane="main" minSize="30%">
            <Group
              orientation="vertical"
              defaultLayout={editorColumn.defaultLayout}
              onLayoutChanged={editorColumn.onLayoutChanged}
            >
              <Panel id="editor" data-pane="editor" defaultSize="65%" minSize="15%">
                <section aria-label="Editor" className="panel">
                  {editor}
                </section>
              </Panel>
              <Separator className="separator horizontal" />
              <Panel
                id="terminal"
                data-pane="bottom"
                panelRef={bottomPanel}
                defaultSize="35%"
                minSize="10%"
                collapsible
              >
                {bottom}
              </Panel>
            </Group>
          </Panel>
        </Group>
      </main>
      {phone && <PaneTabBar pane={pane} onPane={onPane} />}
    </>
  );
}
