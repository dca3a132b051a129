/**
 * Failures as the API server reports them: an HTTP status with a `Status` object whose
 * `reason` the client library and drivers branch on (NotFound, AlreadyExists, Conflict…).
 */

export interface StatusJson {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code?: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  toStatus(): StatusJson {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details && { details: this.details }),
      code: this.code,
    };
  }
}

/** Where an object is named in messages and Status details: `pods "web-1"`. */
export interface ObjectRef {
  /** Plural resource name, optionally with its group: `pods`, `leases.coordination.k8s.io`. */
  kind: string;
  name: string;
}

function detailsOf(ref: ObjectRef) {
  return { name: ref.name, kind: ref.kind.split('.')[0] };
}

export const apiErrors = {
  notFound: (ref: ObjectRef) =>
    new ApiError(404, 'NotFound', `${ref.kind} "${ref.name}" not found`, detailsOf(ref)),
  alreadyExists: (ref: ObjectRef) =>
    new ApiError(409, 'AlreadyExists', `${ref.kind} "${ref.name}" already exists`, detailsOf(ref)),
  conflict: (
    ref: ObjectRef,
    why = 'the object has been modified; please apply your changes to the latest version and try again',
  ) =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${ref.kind} "${ref.name}": ${why}`,
      detailsOf(ref),
    ),
  invalid: (kind: string, name: string, cause: string) =>
    new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${cause}`, { name, kind }),
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  methodNotAllowed: () =>
    new ApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    ),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`,
    ),
  /** A watch or list from a resourceVersion the server no longer keeps history for. */
  expired: (message: string) => new ApiError(410, 'Expired', message),
};

export function successStatus(details?: Record<string, unknown>): StatusJson {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details && { details }),
  };
}
