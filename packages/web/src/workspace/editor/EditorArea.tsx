/**
 * The editor area: one or two groups of tabs side by side (Ctrl+\ splits, tabs are dragged
 * or moved with Ctrl+Alt+Left/Right between them) over the session's open documents, one
 * model per file however many groups show it; autosave with a per-file save queue, drafts
 * that survive a reload, conflicts and changes on disk, file history and comparing two
 * files. Library files a definition led to open in read-only tabs of their own
 * (specialTabs.ts), outside all of that.
 */
import { useCallback, useRef, useState, type Ref } from 'react';
import { Group, Panel, Separator } from 'react-resizable-panels';

import type { EditorHandle, EditorStatus } from '../contracts';
import { useDocs } from '../session/context';
import type { EditorTabsMemory } from '../state/editorTabs';
import { useStoredLayout } from '../state/useStoredLayout';
import { EditorDialogs, type DialogState } from './EditorDialogs';
import { ComparePicker } from './groups/ComparePicker';
import { EditorGroupPane } from './groups/EditorGroupPane';
import * as groups from './groups/editorGroups';
import { useGroupLayout } from './groups/useGroupLayout';
import type { monaco } from './monaco';
import { SpecialTabs } from './specialTabs';
import { editorKeyDown, useEditorActions } from './useEditorActions';
import { useEditorHandle, useEditorRequests, type Reveal } from './useEditorHandle';
import { useEditorSettings } from './useEditorSettings';
import { useEditorStatus } from './useEditorStatus';
import './EditorArea.css';

export interface EditorAreaProps {
  ref: Ref<EditorHandle>;
  workspace: string;
  onStatus: (status: EditorStatus) => void;
  /** Where the groups, their tabs and each one's cursor and scroll are remembered. */
  tabsMemory: EditorTabsMemory;
}

type Cursor = { line: number; column: number } | undefined;

export function EditorArea({ ref, workspace, onStatus, tabsMemory }: EditorAreaProps) {
  const docs = useDocs();
  const [special] = useState(() => new SpecialTabs(docs));
  const { layout, change } = useGroupLayout(docs, tabsMemory, special.keys);
  const sizes = useStoredLayout(tabsMemory.store, 'editorGroups', layout.groups.map(groupPanelId));
  const [reveal, setReveal] = useState<Reveal>();
  const [editors, setEditors] = useState<(monaco.editor.ICodeEditor | undefined)[]>([]);
  const [cursors, setCursors] = useState<Cursor[]>([]);
  const [dialog, setDialog] = useState<DialogState>();
  /** The file "Compare with…" asks a partner for. */
  const [comparing, setComparing] = useState<string>();
  const root = useRef<HTMLDivElement>(null);
  const { focused } = layout;
  const active = groups.focusedGroup(layout).active;
  const view = active !== undefined ? docs.view(active) : undefined;

  const showDialog = useCallback((next: DialogState) => setDialog(next), []);
  const actions = useEditorActions({ docs, special, layout, change, showDialog });
  useEditorHandle(ref, {
    docs,
    layout,
    change,
    actions,
    editor: editors[focused],
    root,
    onReveal: setReveal,
    onCompare: setComparing,
  });
  useEditorRequests(docs, special, change);
  useEditorSettings(docs, editors[focused], actions.save);
  useEditorStatus({ onStatus, active, view, cursor: cursors[focused], showDialog });

  return (
    <div className="editor-area" onKeyDown={editorKeyDown(actions)} ref={root}>
      <Group
        orientation="horizontal"
        defaultLayout={sizes.defaultLayout}
        onLayoutChanged={sizes.onLayoutChanged}
      >
        {layout.groups.map((group, index) => (
          <GroupPanel key={index} index={index}>
            <EditorGroupPane
              workspace={workspace}
              docs={docs}
              group={group}
              index={index}
              count={layout.groups.length}
              focused={index === focused}
              libraries={special.libraries}
              tabsMemory={tabsMemory}
              reveal={index === focused && reveal?.path === group.active ? reveal : undefined}
              onRevealed={() => setReveal(undefined)}
              onFocusGroup={() => change((current) => groups.focusGroup(current, index))}
              onActivate={(key) => change((current) => groups.focusGroup(current, index, key))}
              onClose={(key) => actions.closeTab(index, key)}
              onDropTab={(tab, before) =>
                change((current) => groups.moveTab(current, tab.key, tab.group, index, before))
              }
              onCompareWith={setComparing}
              onPending={(path, compare) => setDialog({ kind: 'pending', path, compare })}
              onEditor={setAt(setEditors, index)}
              onCursor={setAt(setCursors, index)}
              actions={actions}
            />
          </GroupPanel>
        ))}
      </Group>

      {comparing !== undefined && (
        <ComparePicker
          path={comparing}
          candidates={docs
            .paths()
            .filter((path) => path !== comparing && docs.view(path)?.kind === 'text')}
          onClose={() => setComparing(undefined)}
          onPick={(other) => {
            actions.compare(comparing, other);
            setComparing(undefined);
          }}
        />
      )}
      <EditorDialogs
        dialog={dialog}
        docs={docs}
        workspace={workspace}
        onClose={() => setDialog(undefined)}
        // Closing the document takes its tabs out of every group.
        onClosedTab={() => undefined}
      />
    </div>
  );
}

const groupPanelId = (_group: unknown, index: number) => `editor-group-${index + 1}`;

/** A group's panel, with the handle to resize it before it when it is the second. */
function GroupPanel({ index, children }: { index: number; children: React.ReactNode }) {
  return (
    <>
      {index > 0 && <Separator className="separator vertical" />}
      <Panel id={groupPanelId(undefined, index)} minSize="15%">
        {children}
      </Panel>
    </>
  );
}

/** A setter of one group's entry in a per-group list. */
const setAt =
  <T,>(setter: React.Dispatch<React.SetStateAction<T[]>>, index: number) =>
  (value: T) =>
    setter((values) => {
      if (values[index] === value) return values;
      const copy = [...values];
      copy[index] = value;
      return copy;
    });
