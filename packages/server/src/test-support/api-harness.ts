/**
 * The API test harness: a fresh database per test file for each kind (PGlite in memory,
 * and a throwaway PostgreSQL database made from TEST_DATABASE_URL), apps built with test
 * configuration and driven through `inject` — no sockets — and a few request helpers.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Workspace, WorkspaceTemplate } from '@workcell/protocol';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import inject, { type InjectOptions } from 'light-my-request';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { loadConfig, type Config } from '../config';
import { buildApp, createServices, type Services } from '../http/app';
import { openDatabase, type DatabaseHandle, type Db } from '../store/database';

export type DatabaseKind = 'pglite' | 'postgres';
export const DATABASE_KINDS: readonly DatabaseKind[] = ['pglite', 'postgres'];

export interface TestDatabase {
  kind: DatabaseKind;
  handle: DatabaseHandle;
  /** The PostgreSQL URL of this throwaway database (undefined for PGlite). */
  url: string | undefined;
  close(): Promise<void>;
}

/** Opens a database that exists only for the caller; `close` removes it. */
export async function openTestDatabase(
  kind: DatabaseKind,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const handle = await openDatabase({ pgliteDir: 'memory://' });
    return { kind, handle, url: undefined, close: () => handle.close() };
  }
  const adminUrl = env.TEST_DATABASE_URL;
  if (!adminUrl) {
    throw new Error(
      'TEST_DATABASE_URL is not set: the API tests run against PostgreSQL too and must not be skipped. ' +
        'Set it to a server the tests may create databases on, e.g. ' +
        'TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (npm test does this).',
    );
  }
  const name = `workcell_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const handle = await openDatabase({ databaseUrl: url.href, pgliteDir: 'unused' });
    return {
      kind,
      handle,
      url: url.href,
      close: async () => {
        try {
          await handle.close();
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await admin.end();
        }
      },
    };
  } catch (error) {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    throw error;
  }
}

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  config: Config;
}

/** An app over `database` with test configuration; `env` overrides it (e.g. small size limits). */
export async function buildTestApp(
  database: DatabaseHandle,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    // Nothing here starts a cell; should one start, it stays out of the checkout.
    DATA_DIR: join(tmpdir(), 'workcell-api-tests'),
    ...env,
  });
  const services = createServices(config, database);
  const app = await buildApp(services);
  await app.ready();
  return { app, services, config };
}

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
  /** `workcell_session=…` as the register reply's Set-Cookie gave it. */
  cookie: string;
}

export const bearer = (user: Pick<TestUser, 'token'>) => ({
  authorization: `Bearer ${user.token}`,
});
/** The session cookie as a browser sends it, from one of Workcell's own pages. */
export const withCookie = (user: Pick<TestUser, 'cookie'>) => ({
  cookie: user.cookie,
  'sec-fetch-site': 'same-origin',
});

let userCount = 0;

/** Registers a new user through the API (about 100 ms of password hashing). */
export async function registerUser(
  app: FastifyInstance,
  prefix = 'user',
  password = 'correct horse battery',
): Promise<TestUser> {
  userCount += 1;
  const username = `${prefix}${userCount}_${randomBytes(3).toString('hex')}`.slice(0, 32);
  const email = `${username}@example.com`;
  const response = await app.inject({
    method: 'POST',
    url: '/api/users/register',
    payload: { username, email, password },
  });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json<{ user: { id: string }; token: string }>();
  return {
    id: body.user.id,
    username,
    email,
    password,
    token: body.token,
    cookie: sessionCookie(response),
  };
}

/** The `name=value` pair of the session cookie a response sets. */
export function sessionCookie(response: LightMyRequestResponse): string {
  const header = response.headers['set-cookie'];
  const line = (Array.isArray(header) ? header : [header ?? '']).find((value) =>
    value.startsWith('workcell_session='),
  );
  expect(line, 'a workcell_session cookie').toBeDefined();
  return line!.split(';', 1)[0]!;
}

/** Creates a workspace through the API; by default from `hello-numpy`, so it has a script.py. */
export async function createWorkspace(
  app: FastifyInstance,
  user: TestUser,
  name = 'Test workspace',
  template: WorkspaceTemplate = 'hello-numpy',
): Promise<Workspace> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/sessions/',
    headers: bearer(user),
    payload: { name, template },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Workspace>();
}

/**
 * Sends `url` exactly as given. `app.inject` parses URLs the WHATWG way, which resolves
 * `..`, `%2e%2e` and backslashes before the server sees them; a real client need not.
 */
export function injectRaw(
  app: FastifyInstance,
  url: string,
  options: Omit<InjectOptions, 'url' | 'path'> = {},
): Promise<LightMyRequestResponse> {
  return inject(
    (request, reply) => {
      request.url = url;
      app.routing(request, reply);
    },
    { ...options, url: '/' },
  );
}

/**
 * Every route of the app as the router has it (HEAD included), read from printRoutes'
 * tree: Fastify has no other public listing once the routes are registered.
 */
export function listRoutes(app: FastifyInstance): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    stack.length = match[1]!.length / 4;
    stack.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, url: stack.join('') });
  }
  return routes;
}

/** Asserts the one error shape and returns its body; no stack trace or SQL in the message. */
export function expectError(
  response: LightMyRequestResponse,
  status: number,
  code: string,
): { error: { code: string; message: string } } & Record<string, unknown> {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json<{ error: { code: string; message: string } }>();
  expect(body.error).toEqual({ code, message: expect.any(String) as string });
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.message).not.toMatch(
    /\n\s+at |node_modules|\bselect\b.*\bfrom\b|\binsert into\b/i,
  );
  return body;
}

export interface ApiContext {
  readonly kind: DatabaseKind;
  readonly database: DatabaseHandle;
  readonly db: Db;
  /** The app with default test configuration. */
  readonly app: FastifyInstance;
  readonly services: Services;
  /** Another app on the same database (closed after the suite), e.g. with smaller limits. */
  buildApp(env: Record<string, string>): Promise<TestApp>;
}

/**
 * Defines the suite once per database kind, each with its own fresh database and app.
 * `define` runs at collection time; use the context's getters inside hooks and tests.
 */
export function forEachDatabase(name: string, define: (context: ApiContext) => void): void {
  describe.each(DATABASE_KINDS)(`${name} (%s)`, (kind) => {
    let database: TestDatabase | undefined;
    let main: TestApp | undefined;
    const extraApps: TestApp[] = [];
    const ready = <T>(value: T | undefined): T => {
      if (value === undefined) throw new Error('the test database is not open yet');
      return value;
    };

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      main = await buildTestApp(database.handle);
    });
    afterAll(async () => {
      for (const extra of [...extraApps, ...(main ? [main] : [])]) await extra.app.close();
      await database?.close();
    });

    define({
      kind,
      get database() {
        return ready(database).handle;
      },
      get db() {
        return ready(database).handle.db;
      },
      get app() {
        return ready(main).app;
      },
      get services() {
        return ready(main).services;
      },
      async buildApp(env) {
        const extra = await buildTestApp(ready(database).handle, env);
        extraApps.push(extra);
        return extra;
      },
    });
  });
}
