/**
 * What the editor area offers the page (its EditorHandle) and the language features (the
 * editor requests): opening files, saving them all, splitting, comparing, running the
 * focused editor's actions. The handle is made anew when what it reads changes; the page's
 * DeferredEditor always calls the newest.
 */
import { useEffect, useImperativeHandle, type Ref, type RefObject } from 'react';

import type { EditorHandle } from '../contracts';
import type { OpenDocs } from './docs';
import { onEditorRequest } from './editorRequests';
import * as groups from './groups/editorGroups';
import type { LayoutStep } from './groups/useGroupLayout';
import type { monaco } from './monaco';
import type { SpecialTabs } from './specialTabs';
import type { EditorActions } from './useEditorActions';

export interface Reveal {
  path: string;
  lineNumber: number;
  column: number;
}

export function useEditorHandle(
  ref: Ref<EditorHandle>,
  options: {
    docs: OpenDocs;
    layout: groups.GroupLayout;
    change: (step: LayoutStep) => void;
    actions: EditorActions;
    /** The focused group's editor. */
    editor: monaco.editor.ICodeEditor | undefined;
    root: RefObject<HTMLElement | null>;
    /** Where `openAt` puts the cursor once the file is shown (it may still be loading). */
    onReveal: (reveal: Reveal) => void;
    onCompare: (path: string) => void;
  },
) {
  const { docs, layout, change, actions, editor, root } = options;
  const { onReveal, onCompare } = options;
  const active = groups.focusedGroup(layout).active;
  useImperativeHandle(
    ref,
    () => ({
      open: (path: string) => {
        docs.open(path);
        change((current) => groups.openTab(current, path));
      },
      openAt: (path: string, line: number, column?: number) => {
        docs.open(path);
        change((current) => groups.openTab(current, path));
        onReveal({ path, lineNumber: line, column: column ?? 1 });
      },
      saveAll: () => docs.saveAll(),
      split: actions.split,
      moveEditor: actions.move,
      compareActive: () => {
        if (active !== undefined && docs.view(active)?.kind === 'text') onCompare(active);
      },
      compare: actions.compare,
      runEditorAction: (id: string) => {
        editor?.focus();
        void editor?.getAction(id)?.run();
      },
      focus: () => {
        if (editor?.getModel()) editor.focus();
        else
          root.current
            ?.querySelector<HTMLElement>(
              `[data-group="${layout.focused + 1}"] [role="tab"][aria-selected="true"]`,
            )
            ?.focus();
      },
    }),
    [docs, change, actions, editor, root, layout.focused, active, onReveal, onCompare],
  );
}

/** The language features' requests: a library file in a read-only tab, a file opened unseen. */
export function useEditorRequests(
  docs: OpenDocs,
  special: SpecialTabs,
  change: (step: LayoutStep) => void,
) {
  useEffect(() => {
    const stop = onEditorRequest((request) => {
      if (request.kind === 'background') return docs.open(request.path);
      const key = special.library(request.doc);
      change((layout) => groups.openTab(layout, key));
    });
    return () => {
      stop();
      special.dispose();
    };
  }, [docs, special, change]);
}
