/**
 * The workspace toolbar's run controls for the active file: ▶ Run (F5), ▾ for its run
 * configuration, and ■ Stop while its run runs.
 */
import { useState } from 'react';

import { RunConfigDialog } from './RunConfigDialog';
import type { RunConfigurations } from './runConfigurations';

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
      <button
        type="button"
        className="button primary"
        onClick={onRun}
        disabled={path === undefined}
        title={path !== undefined ? `Run ${path} (F5)` : 'Open a Python file to run it'}
      >
        ▶ Run
      </button>
      <button
        type="button"
        className="button"
        aria-label="Run configuration…"
        title="Arguments and environment variables for this file's runs"
        disabled={path === undefined}
        onClick={() => setConfiguring(path)}
      >
        ▾
      </button>
      <button
        type="button"
        className="button"
        aria-label="Stop"
        title="Stop the run (Ctrl+C, then kill after 2 s)"
        disabled={!running}
        onClick={onStop}
      >
        ■
      </button>
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
