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
import * as z from 'zod';

import type { Config } from '../config';
import { isWorkcellError, WorkcellError } from '../errors';
import { FailureBackoff, type BackoffPolicy } from './failure-backoff';
import { callerOf, requireCaller, SESSION_COOKIE } from './plugin';
import type { AuthService } from './service';

interface Options {
  auth: AuthService;
  config: Config;
}

const tags = ['users'];

/** An address trying many usernames: generous, as many people may share one (a NAT). */
const ADDRESS_BACKOFF: BackoffPolicy = {
  free: 20,
  baseMs: 1000,
  maxMs: 15 * 60_000,
  maxKeys: 100_000,
};
/** One username from one address: a person mistyping gets five tries before waiting. */
const ACCOUNT_BACKOFF: BackoffPolicy = { ...ADDRESS_BACKOFF, free: 5 };

export const userRoutes: FastifyPluginAsyncZod<Options> = async (app, { auth, config }) => {
  const perAddress = app.createRateLimit({
    max: config.AUTH_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (request) => `ip:${request.ip}`,
  });
  const failuresPerAddress = new FailureBackoff(ADDRESS_BACKOFF);
  const failuresPerAccount = new FailureBackoff(ACCOUNT_BACKOFF);
  // Runs before validation (a malformed attempt is still an attempt), so the body is unchecked.
  const backoffKeys = (request: FastifyRequest) => {
    const { username } = (request.body ?? {}) as { username?: unknown };
    const name = typeof username === 'string' ? username.trim().toLowerCase() : '';
    return { address: request.ip, account: `${request.ip} ${name}` };
  };
  const rateLimited = (seconds: number) =>
    new WorkcellError('RATE_LIMITED', `Too many attempts; try again in ${seconds} s.`, undefined, {
      'retry-after': String(seconds),
    });

  /** Every attempt of an address counts towards its limit; the first over it answers 429. */
  async function rateLimit(request: FastifyRequest) {
    const result = await perAddress(request);
    if (!result.isAllowed && result.isExceeded) throw rateLimited(result.ttlInSeconds);
  }

  /** Failed sign-ins from an address, and for a username from it, wait longer each time. */
  async function backoff(request: FastifyRequest) {
    await rateLimit(request);
    const keys = backoffKeys(request);
    const waitMs = Math.max(
      failuresPerAddress.waitMs(keys.address),
      failuresPerAccount.waitMs(keys.account),
    );
    if (waitMs > 0) throw rateLimited(Math.ceil(waitMs / 1000));
  }

  async function signIn(request: FastifyRequest, username: string, password: string) {
    const keys = backoffKeys(request);
    try {
      const result = await auth.login(username, password);
      failuresPerAccount.succeeded(keys.account);
      return result;
    } catch (error) {
      if (isWorkcellError(error) && error.code === 'INVALID_CREDENTIALS') {
        failuresPerAddress.failed(keys.address);
        failuresPerAccount.failed(keys.account);
      }
      throw error;
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
      preValidation: backoff,
      schema: {
        tags,
        summary: 'Sign in with a username or email; sets the session cookie',
        body: loginBody,
        response: { 200: authReply, 400: errorResponse, 401: errorResponse, 429: errorResponse },
      },
    },
    async (request, reply) => {
      const result = await signIn(request, request.body.username, request.body.password);
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
  });
};
