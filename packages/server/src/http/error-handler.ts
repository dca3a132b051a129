import { errorCatalogue, type ErrorCode, type IssueParams } from '@workcell/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

import { WorkcellError } from '../errors';
import { formatBytes } from '../files/service';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body is a file's bytes: too large means the per-file limit. */
    fileUpload?: boolean;
  }
}

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
      // A name refused for its characters, or a path, says so with its own code (names.ts, paths.ts).
      const code =
        error.validation
          .map((issue) => (issue.params.params as IssueParams | undefined)?.errorCode)
          .find((errorCode) => errorCode !== undefined) ?? 'VALIDATION_FAILED';
      failure = new WorkcellError(code, `Invalid request: ${detail}.`);
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      failure = request.routeOptions.config.fileUpload
        ? new WorkcellError(
            'FILE_TOO_LARGE',
            `The file is larger than the limit of ${formatBytes(maxFileBytes)} a file.`,
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

/**
 * Errors Fastify raises before routing — a URL that is not valid percent-encoded UTF-8, or
 * a parameter longer than the router's limit — in the same shape as every other error.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const reason =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'the URL is too long'
      : 'the URL is not valid percent-encoded UTF-8';
  const failure = request.url.startsWith('/api/workspace/')
    ? new WorkcellError('INVALID_PATH', `Invalid path: ${reason}.`)
    : new WorkcellError('VALIDATION_FAILED', `Invalid request: ${reason}.`);
  void reply.code(failure.status).send(failure.toBody());
}

function isDatabaseDown(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNREFUSED' || code === '57P01' || code === '08006' || code === '08001';
}
