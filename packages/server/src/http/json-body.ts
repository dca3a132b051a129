/**
 * JSON request bodies, refused when nested deeper than anything Workcell's API takes
 * before they are parsed: parsing a body of a megabyte of brackets holds the event loop for
 * a quarter of a second, and every later walk of it could overflow the stack. Otherwise
 * Fastify's own parser (with its prototype-poisoning checks) does the work.
 */
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '@workcell/protocol';
import type { FastifyInstance } from 'fastify';

import { WorkcellError } from '../errors';

export function installJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (jsonDepthExceeds(text)) {
      return done(
        new WorkcellError(
          'VALIDATION_FAILED',
          `The body nests deeper than ${MAX_JSON_DEPTH} levels.`,
        ),
        undefined,
      );
    }
    void parseJson(request, text, done);
  });
}
