/**
 * "Run configuration…": the arguments (split as a shell would, with quotes) and the
 * environment variables (NAME=value lines) a file runs with, kept per workspace and file.
 */
import { runConfiguration } from '@workcell/protocol';
import { useState } from 'react';

import { Dialog } from '../../ui/Dialog';
import {
  formatArgs,
  formatEnv,
  parseArgs,
  parseEnv,
  type RunConfigurations,
} from './runConfigurations';

export interface RunConfigDialogProps {
  path: string;
  configurations: RunConfigurations;
  onClose: () => void;
}

export function RunConfigDialog({ path, configurations, onClose }: RunConfigDialogProps) {
  const [initial] = useState(() => configurations.get(path));
  const [args, setArgs] = useState(() => formatArgs(initial.args));
  const [env, setEnv] = useState(() => formatEnv(initial.env));
  const [error, setError] = useState<string>();

  const save = () => {
    const parsedArgs = parseArgs(args);
    if ('error' in parsedArgs) return setError(`Arguments: ${parsedArgs.error}`);
    const parsedEnv = parseEnv(env);
    if ('error' in parsedEnv) return setError(`Environment: ${parsedEnv.error}`);
    // The bounds the workspace state keeps (an argument's or a value's length).
    const checked = runConfiguration.safeParse({ args: parsedArgs.args, env: parsedEnv.env });
    if (!checked.success)
      return setError(checked.error.issues.map((issue) => issue.message).join('; '));
    configurations.set(path, checked.data);
    onClose();
  };

  return (
    <Dialog
      title={`Run configuration: ${path}`}
      open
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" onClick={save}>
            Save
          </button>
        </>
      }
    >
      <form
        className="run-config"
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <label>
          Arguments
          <input
            type="text"
            value={args}
            placeholder={`--verbose "two words"`}
            spellCheck={false}
            onChange={(event) => setArgs(event.target.value)}
          />
        </label>
        <label>
          Environment variables (one NAME=value a line)
          <textarea
            value={env}
            rows={4}
            placeholder="DEBUG=1"
            spellCheck={false}
            onChange={(event) => setEnv(event.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </Dialog>
  );
}
