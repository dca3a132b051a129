import {
  authReply,
  errorResponse,
  loginBody,
  registerBody,
  SIGNED_IN_COOKIE,
  updateMeBody,
  user,
} from '@workcell/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { Config } from '../config';
import { WorkcellError } from '../errors';
import { callerOf, requireCaller, SESSION_COOKIE } from './plugin';
import type { AuthService } from './service';

interface Options {
  auth: AuthService;
  config: Config;
}

const tags = ['users'];

export const userRoutes: FastifyPluginAsyncZod<Options> = async (app, { auth, config }) => {
  const limit = { max: config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 };
  const perAddress = app.createRateLimit({
    ...limit,
    keyGenerator: (request) => `ip:${request.ip}`,
  });
  const perUsername = app.createRateLimit({
    ...limit,
    // Runs before validation (a malformed attempt is still an attempt), so the body is unchecked.
    keyGenerator: (request) => {
      const { username } = (request.body ?? {}) as { username?: unknown };
      return `user:${typeof username === 'string' ? username.trim().toLowerCase() : ''}`;
    },
  });

  /** Both limits count every attempt; the first one exceeded answers 429 with Retry-After. */
  async function rateLimit(request: FastifyRequest) {
    for (const check of [perAddress, perUsername]) {
      const result = await check(request);
      if (!result.isAllowed && result.isExceeded) {
        throw new WorkcellError(
          'RATE_LIMITED',
          `Too many attempts; try again in ${result.ttlInSeconds} s.`,
          undefined,
          {
            'retry-after': String(result.ttlInSeconds),
          },
        );
      }
    }
  }

  const setSessionCookie = (reply: FastifyReply, token: string) => {
    const options = {
      path: '/',
      sameSite: 'lax',
      secure: config.COOKIE_SECURE,
      maxAge: config.SESSION_TTL_DAYS * 24 * 3600,
    } as const;
    reply.setCookie(SESSION_COOKIE, token, { ...options, httpOnly: true });
    reply.setCookie(SIGNED_IN_COOKIE, '1', { ...options, httpOnly: false });
  };

  app.post(
    '/register',
    {
      preValidation: rateLimit,
      schema: {
        tags,
        summary: 'Create an account and sign in',
        body: registerBody,
        response: { 201: authReply, 400: errorResponse, 409: errorResponse, 429: errorResponse },
      },
    },
    async (request, reply) => {
      const result = await auth.register(request.body);
      setSessionCookie(reply, result.token);
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/login',
    {
      preValidation: rateLimit,
      schema: {
        tags,
        summary: 'Sign in with a username or email; sets the session cookie',
        body: loginBody,
        response: { 200: authReply, 400: errorResponse, 401: errorResponse, 429: errorResponse },
      },
    },
    async (request, reply) => {
      const result = await auth.login(request.body.username, request.body.password);
      setSessionCookie(reply, result.token);
      return result;
    },
  );

  await app.register(async (signedIn) => {
    requireCaller(signedIn);
    const withSession =
      signedIn.withTypeProvider<import('fastify-type-provider-zod').ZodTypeProvider>();

    withSession.post(
      '/logout',
      {
        schema: {
          tags,
          summary: 'Sign out: revokes the token used for this request',
          response: { 204: z.null(), 401: errorResponse },
        },
      },
      async (request, reply) => {
        await auth.revokeToken(callerOf(request).tokenId);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        reply.clearCookie(SIGNED_IN_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    );

    withSession.get(
      '/me',
      {
        schema: {
          tags,
          summary: 'The signed-in user',
          response: { 200: user, 401: errorResponse },
        },
      },
      async (request) => auth.getUser(callerOf(request).id),
    );

    withSession.patch(
      '/me',
      {
        schema: {
          tags,
          summary:
            'Change email or password (the current password is required; other sessions are signed out)',
          body: updateMeBody,
          response: {
            200: user,
            400: errorResponse,
            401: errorResponse,
            403: errorResponse,
            409: errorResponse,
          },
        },
      },
      async (request) => auth.updateUser(callerOf(request), request.body),
    );

    withSession.get(
      '/',
      {
        schema: {
          tags,
          summary: 'All users (admins only)',
          response: {
            200: z.object({ users: z.array(user.extend({ isAdmin: z.boolean() })) }),
            401: errorResponse,
            403: errorResponse,
          },
        },
      },
      async (request) => {
        if (!callerOf(request).isAdmin)
          throw new WorkcellError('FORBIDDEN', 'Only administrators can list users.');
        return { users: await auth.listUsers() };
      },
    );
  });
};
