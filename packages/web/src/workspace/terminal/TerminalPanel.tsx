import type { Ref } from 'react';

import type { PanelProps, TerminalHandle } from '../contracts';

export interface TerminalPanelProps extends PanelProps {
  ref: Ref<TerminalHandle>;
}

/** Placeholder: xterm.js terminals in tabs go here. */
export function TerminalPanel(_props: TerminalPanelProps) {
  return <div className="panel-empty">Terminal</div>;
}
