/**
 * Who is calling: the session cookie or an `Authorization: Bearer` token, resolved once
 * per request before anything else runs, so an anonymous caller gets 401 before any
 * validation can tell them something.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

import { WorkcellError } from '../errors';
import type { AuthService, AuthenticatedUser } from './service';

export const SESSION_COOKIE = 'workcell_session';

declare module 'fastify' {
  interface FastifyRequest {
    caller: AuthenticatedUser | undefined;
  }
}

export function tokenFromRequest(
  request: Pick<FastifyRequest, 'headers' | 'cookies'>,
): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return request.cookies[SESSION_COOKIE];
}

export const authPlugin = fp<{ auth: AuthService }>(
  async (app, { auth }) => {
    app.decorateRequest('caller', undefined);
    app.addHook('onRequest', async (request) => {
      const token = tokenFromRequest(request);
      request.caller = token ? await auth.authenticate(token) : undefined;
    });
  },
  { name: 'workcell-auth', dependencies: ['@fastify/cookie'] },
);

/** Registers the 401 check for every route of the plugin `app` is. */
export function requireCaller(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (!request.caller) throw new WorkcellError('UNAUTHENTICATED');
  });
}

export function callerOf(request: FastifyRequest): AuthenticatedUser {
  if (!request.caller) throw new WorkcellError('UNAUTHENTICATED');
  return request.caller;
}
