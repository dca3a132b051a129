/**
 * What every form that sends one request shares: it is pending while the request runs (and
 * stays so after success, since the form then goes away or is rebuilt), and a failure is
 * either shown on a field or as a message over the whole form.
 */
import { useState } from 'react';

import { ApiError } from '../api/client';

export interface Submission {
  pending: boolean;
  /** The form-level message of the last failure. */
  failure: string | undefined;
  /**
   * Runs `send`. On failure `explain` answers the form-level message, or undefined when it
   * has shown the error on a field itself.
   */
  submit: (
    send: () => Promise<void>,
    explain: (error: unknown) => string | undefined,
  ) => Promise<void>;
}

export function useSubmission(): Submission {
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<string>();
  const submit: Submission['submit'] = async (send, explain) => {
    setPending(true);
    setFailure(undefined);
    try {
      await send();
    } catch (error) {
      setPending(false);
      setFailure(explain(error));
    }
  };
  return { pending, failure, submit };
}

/** The form-level message for a failure no field explains. */
export function failureMessage(error: unknown): string {
  if (error instanceof ApiError && error.code === 'NETWORK')
    return 'The server cannot be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}
