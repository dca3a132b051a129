/**
 * The protocol's route table is what the web client calls: every entry must be a route the
 * server registers, with that method, or the client would call something that is not there.
 */
import { fastifyPath, routes } from '@workcell/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildTestApp,
  openTestDatabase,
  type TestApp,
  type TestDatabase,
} from '../test-support/api-harness';

describe('the protocol route table', () => {
  let database: TestDatabase;
  let test: TestApp;
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    test = await buildTestApp(database.handle);
  });
  afterAll(async () => {
    await test.app.close();
    await database.close();
  });

  it.each(Object.entries(routes))('%s is a registered server route', (_name, spec) => {
    expect(test.app.hasRoute({ method: spec.method, url: fastifyPath(spec.path) })).toBe(true);
  });

  it('turns templates into Fastify paths', () => {
    expect(fastifyPath('/api/workspace/{uuid}/file/{path}')).toBe('/api/workspace/:uuid/file/*');
  });
});
