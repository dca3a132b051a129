import { errorCatalogue, type ErrorBody, type ErrorCode } from '@workcell/protocol';

/**
 * The server's one error type. Thrown anywhere in a request's path, it becomes
 * `{error: {code, message}}` with the catalogue's status; `details` go into the body
 * only where the catalogue entry has something the client needs (e.g. a conflict's
 * current version).
 */
export class WorkcellError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message ?? errorCatalogue[code].message);
    this.name = 'WorkcellError';
    this.status = errorCatalogue[code].status;
  }

  toBody(): ErrorBody & Record<string, unknown> {
    return { error: { code: this.code, message: this.message }, ...this.details };
  }
}

export const isWorkcellError = (error: unknown): error is WorkcellError =>
  error instanceof WorkcellError;
