import { ApiError } from '../api/client';

/** What went wrong with a request, in words for the user. */
export function failureMessage(error: unknown): string {
  if (error instanceof ApiError && error.code === 'NETWORK')
    return 'The server cannot be reached; check your connection.';
  return error instanceof Error ? error.message : String(error);
}
