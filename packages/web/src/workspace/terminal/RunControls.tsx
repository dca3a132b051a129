/**
 * The workspace toolbar's run controls for the active file: ▶ Run (F5), ▾ for its run
 * configuration, and ■ Stop while its run runs.
 */
import { useState } from 'react';

import { RunConfigDialog } from './RunConfigDialog';
import type { RunConfigurations } from './runConfigurations';
import { StopButton, ToolButton } from './ToolButton';

export interface RunControlsProps {
  /** The active file when it can run (a Python file). */
  path: string | undefined;
  running: boolean;
  configurations: RunConfigurations;
  onRun: () => void;
  onStop: () => void;
}

export function RunControls({ path, running, configurations, onRun, onStop }: RunControlsProps) {
  const [configuring, setConfiguring] = useState<string>();
  return (
    <div className="run-controls" role="group" aria-label="Run">
      <ToolButton
        className="button primary"
        title={path !== undefined ? `Run ${path} (F5)` : 'Open a Python file to run it'}
        disabled={path === undefined}
        onClick={onRun}
      >
        ▶ Run
      </ToolButton>
      <ToolButton
        className="button"
        label="Run configuration…"
        title="Arguments and environment variables for this file's runs"
        disabled={path === undefined}
        onClick={() => setConfiguring(path)}
      >
        ▾
      </ToolButton>
      <StopButton className="button" running={running} onStop={onStop} />
      {configuring !== undefined && (
        <RunConfigDialog
          path={configuring}
          configurations={configurations}
          onClose={() => setConfiguring(undefined)}
        />
      )}
    </div>
  );
}
