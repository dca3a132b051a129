/**
 * Who is calling: the session cookie or an `Authorization: Bearer` token, resolved once
 * per request before anything else runs, so an anonymous caller gets 401 before any
 * validation can tell them something.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

import { WorkcellError } from '../errors';
import { publicOrigin, sameOriginCheck } from './origin';
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

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const authPlugin = fp<{ auth: AuthService; publicUrl: string }>(
  async (app, { auth, publicUrl }) => {
    const isSameOrigin = sameOriginCheck(publicUrl);
    app.decorateRequest('caller', undefined);
    app.addHook('onRequest', async (request) => {
      const token = tokenFromRequest(request);
      request.caller = token ? await auth.authenticate(token) : undefined;
      // A browser sends the cookie whichever site's page made the request: a change signed
      // in by it must come from Workcell's own pages, and so must a sign-in from a page
      // (no other site may sign a browser in). A bearer token is sent only by a client that
      // holds it; a request with neither a cookie session nor an Origin is no page's.
      const { headers } = request;
      const byCookie =
        request.caller !== undefined && !headers.authorization?.startsWith('Bearer ');
      if (
        !SAFE_METHODS.has(request.method) &&
        (byCookie || (request.caller === undefined && headers.origin !== undefined)) &&
        !isSameOrigin(headers)
      ) {
        throw new WorkcellError(
          'ORIGIN_REJECTED',
          `Changes signed in by cookie must come from ${publicOrigin(publicUrl)}; API clients send a bearer token.`,
        );
      }
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
