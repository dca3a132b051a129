import type { Ref } from 'react';

import type { EditorHandle, EditorStatus, PanelProps } from '../contracts';

export interface EditorAreaProps extends PanelProps {
  ref: Ref<EditorHandle>;
  onStatus: (status: EditorStatus) => void;
}

/** Placeholder: the Monaco editor with tabs, autosave and conflicts goes here. */
export function EditorArea(_props: EditorAreaProps) {
  return <div className="panel-empty">Editor</div>;
}
