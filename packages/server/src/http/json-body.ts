/**
 * JSON request bodies, refused when nested deeper than anything Workcell's API takes
 * before they are parsed: parsing a body of a megabyte of brackets holds the event loop for
 * a quarter of a second, and every later walk of it could overflow the stack. Big bodies (a
 * 10 MiB file is 35 ms of JSON.parse) are parsed on a pool thread; small ones by Fastify's
 * own parser, with its prototype-poisoning checks.
 */
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '@workcell/protocol';
import type { FastifyInstance } from 'fastify';

import { WorkcellError } from '../errors';
import { OFFLOAD_BYTES, type WorkerPool } from '../workers/pool';

const notJson = () => new WorkcellError('VALIDATION_FAILED', 'The body is not valid JSON.');
const tooDeep = () =>
  new WorkcellError('VALIDATION_FAILED', `The body nests deeper than ${MAX_JSON_DEPTH} levels.`);

export function installJsonBodyParser(app: FastifyInstance, workers: WorkerPool): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length >= OFFLOAD_BYTES) {
      workers.run('parseJson', bytes).then(
        (parsed) => {
          if ('value' in parsed) return done(null, parsed.value);
          done(parsed.refused === 'too-deep' ? tooDeep() : notJson(), undefined);
        },
        (error: unknown) => done(error as Error, undefined),
      );
      return;
    }
    const text = bytes.toString();
    if (jsonDepthExceeds(text)) return done(tooDeep(), undefined);
    void parseJson(request, text, done);
  });
}
