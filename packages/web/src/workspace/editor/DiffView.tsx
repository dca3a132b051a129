/**
 * Monaco's side-by-side diff of two texts, read-only. Its models live outside the
 * `file:///workspace` scheme so the language server never mistakes them for files.
 */
import { useEffect, useRef } from 'react';

import { useSettings } from '../../settings/settings';
import { monaco } from './monaco';
import { monacoTheme } from './themes';

export interface DiffViewProps {
  original: string;
  modified: string;
  /** Names the file so both sides get its language. */
  path: string;
  originalLabel: string;
  modifiedLabel: string;
}

let nextDiff = 0;

export function DiffView({
  original,
  modified,
  path,
  originalLabel,
  modifiedLabel,
}: DiffViewProps) {
  const host = useRef<HTMLDivElement>(null);
  const models = useRef<{ left: monaco.editor.ITextModel; right: monaco.editor.ITextModel }>(
    undefined,
  );
  const { settings } = useSettings();

  useEffect(() => {
    const node = host.current;
    if (!node) return;
    const id = nextDiff++;
    const name = path.slice(path.lastIndexOf('/') + 1);
    const model = (side: string) =>
      monaco.editor.createModel(
        '',
        undefined,
        monaco.Uri.from({ scheme: 'inmemory', path: `/diff-${id}/${side}/${name}` }),
      );
    const left = model('theirs');
    const right = model('mine');
    models.current = { left, right };
    const diff = monaco.editor.createDiffEditor(node, {
      readOnly: true,
      originalEditable: false,
      automaticLayout: true,
      renderSideBySide: node.clientWidth > 600,
      useInlineViewWhenSpaceIsLimited: true,
      // Monaco's own breakpoint (900 px) would turn a dialog's diff inline; side by side
      // reads well down to about 600.
      renderSideBySideInlineBreakpoint: 600,
      minimap: { enabled: false },
      // The gutter's revert menu is of no use on a read-only diff, and its debounced
      // update throws on a disposed diff editor when a dialog closes (monaco-editor#4581).
      renderGutterMenu: false,
      fontSize: settings.fontSize,
      scrollBeyondLastLine: false,
      ariaLabel: `Differences: ${originalLabel} and ${modifiedLabel}`,
    });
    diff.setModel({ original: left, modified: right });
    // Each side is a text field that needs its own name; the diff editor's own
    // originalAriaLabel/modifiedAriaLabel options left both unnamed (found by axe).
    diff.getOriginalEditor().updateOptions({ ariaLabel: originalLabel });
    diff.getModifiedEditor().updateOptions({ ariaLabel: modifiedLabel });
    return () => {
      models.current = undefined;
      diff.dispose();
      left.dispose();
      right.dispose();
    };
    // Font size follows on the next open.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, originalLabel, modifiedLabel]);

  // New texts go into the same models: a diff editor disposed while it computes throws
  // ("no diff result available"), and rebuilding it on every edit of either file would.
  useEffect(() => {
    const current = models.current;
    if (!current) return;
    if (current.left.getValue() !== original) current.left.setValue(original);
    if (current.right.getValue() !== modified) current.right.setValue(modified);
  }, [original, modified, path, originalLabel, modifiedLabel]);

  useEffect(() => {
    monaco.editor.setTheme(monacoTheme(settings.theme));
  }, [settings.theme]);

  return (
    <div className="diff-view">
      <div className="diff-labels" aria-hidden="true">
        <span>{originalLabel}</span>
        <span>{modifiedLabel}</span>
      </div>
      <div ref={host} className="diff-host" />
    </div>
  );
}
