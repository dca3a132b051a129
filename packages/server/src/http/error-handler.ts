import { errorCatalogue, type ErrorCode } from '@workcell/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

import { WorkcellError } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body is a file's bytes: too large means the per-file limit. */
    fileUpload?: boolean;
  }
}

const MiB = 1024 * 1024;

/** Maps everything thrown while handling a request to `{error: {code, message}}`; nothing internal leaks. */
export function installErrorHandler(app: FastifyInstance, maxFileBytes: number): void {
  app.setErrorHandler((error: FastifyError | WorkcellError, request, reply) => {
    let failure: WorkcellError;
    if (error instanceof WorkcellError) {
      failure = error;
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      const detail = error.validation
        .map((issue) => {
          const where = `${error.validationContext ?? ''}${issue.instancePath.replaceAll('/', '.')}`;
          return `${where}: ${issue.message}`;
        })
        .join('; ');
      failure = new WorkcellError('VALIDATION_FAILED', `Invalid request: ${detail}.`);
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      failure = request.routeOptions.config.fileUpload
        ? new WorkcellError(
            'FILE_TOO_LARGE',
            `The file is larger than the limit of ${maxFileBytes / MiB} MiB a file.`,
          )
        : new WorkcellError('PAYLOAD_TOO_LARGE');
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      failure = new WorkcellError('UNSUPPORTED_MEDIA_TYPE');
    } else if (
      typeof error.statusCode === 'number' &&
      error.statusCode >= 400 &&
      error.statusCode < 500
    ) {
      // Fastify's own client errors (malformed JSON, empty body…): the message is safe to show.
      const code: ErrorCode =
        error.statusCode === 413
          ? 'PAYLOAD_TOO_LARGE'
          : error.statusCode === 415
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : 'VALIDATION_FAILED';
      failure = new WorkcellError(code, error.message);
    } else {
      request.log.error({ err: error }, 'request failed');
      failure = new WorkcellError(isDatabaseDown(error) ? 'DATABASE_UNAVAILABLE' : 'INTERNAL');
    }
    if (failure.status >= 500 && error === failure)
      request.log.error({ err: error }, 'request failed');
    return reply
      .code(errorCatalogue[failure.code].status)
      .headers(failure.headers ?? {})
      .send(failure.toBody());
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        new WorkcellError(
          'NOT_FOUND',
          `No route ${request.method} ${request.url.split('?')[0]}.`,
        ).toBody(),
      ),
  );
}

function isDatabaseDown(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNREFUSED' || code === '57P01' || code === '08006' || code === '08001';
}
