import { WORKSPACE_STATE_LIMITS } from '@workcell/protocol';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { RunConfigDialog } from './RunConfigDialog';
import { EMPTY_RUN_CONFIG, type RunConfigurations } from './runConfigurations';

afterEach(cleanup);

function renderDialog() {
  const set = vi.fn();
  const configurations: RunConfigurations = { get: () => EMPTY_RUN_CONFIG, set };
  const onClose = vi.fn();
  render(<RunConfigDialog path="main.py" configurations={configurations} onClose={onClose} />);
  const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save', hidden: true }));
  const type = (label: RegExp, value: string) =>
    fireEvent.change(screen.getByLabelText(label), { target: { value } });
  return { set, onClose, save, type };
}

describe('run configuration dialog', () => {
  it('keeps arguments and variables as a shell would read them', () => {
    const dialog = renderDialog();
    dialog.type(/^Arguments/, `--rows 5 "two words"`);
    dialog.type(/^Environment/, 'DEBUG=1');
    dialog.save();
    expect(dialog.set).toHaveBeenCalledWith('main.py', {
      args: ['--rows', '5', 'two words'],
      env: { DEBUG: '1' },
    });
    expect(dialog.onClose).toHaveBeenCalled();
  });

  it('says what is past the bounds the workspace keeps, and keeps nothing', () => {
    const dialog = renderDialog();
    dialog.type(/^Environment/, `BIG=${'x'.repeat(WORKSPACE_STATE_LIMITS.envValueBytes + 1)}`);
    dialog.save();
    expect(screen.getByRole('alert', { hidden: true }).textContent).toMatch(/4096/);
    dialog.type(/^Environment/, 'NOT VALID=1');
    dialog.save();
    expect(screen.getByRole('alert', { hidden: true }).textContent).toMatch(/NAME=value/);
    expect(dialog.set).not.toHaveBeenCalled();
    expect(dialog.onClose).not.toHaveBeenCalled();
  });
});
