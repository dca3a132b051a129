/**
 * An action on one row of an admin table: which row is busy (its buttons disabled), and
 * the last failure to show above the table. `done` runs after a success (reload, audit).
 */
import { useState } from 'react';

import { failureMessage } from '../ui/useSubmission';

export function useRowAction(done: () => void) {
  const [busy, setBusy] = useState<string>();
  const [failure, setFailure] = useState<string>();
  const run = async (row: string, action: () => Promise<unknown>) => {
    setBusy(row);
    setFailure(undefined);
    try {
      await action();
      done();
    } catch (error) {
      setFailure(failureMessage(error));
    } finally {
      setBusy(undefined);
    }
  };
  return { busy, failure, run };
}
