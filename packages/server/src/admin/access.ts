/**
 * Who may use the admin API: an administrator's session (401 without one, 403 ADMIN_ONLY
 * for anyone else), and for detailed health also the monitoring token METRICS_TOKEN.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { callerOf } from '../auth/plugin';
import type { AuthenticatedUser } from '../auth/service';
import { WorkcellError } from '../errors';

export function adminOf(request: FastifyRequest): AuthenticatedUser {
  const caller = callerOf(request);
  if (!caller.isAdmin) throw new WorkcellError('ADMIN_ONLY');
  return caller;
}

/** Registers the admin check for every route of the plugin `app` is. */
export function requireAdmin(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    adminOf(request);
  });
}

const digest = (text: string) => createHash('sha256').update(text).digest();
/** In constant time, and (comparing digests) without telling the secret's length either. */
const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(digest(given), digest(expected));

/**
 * An administrator, or a caller sending `Authorization: Bearer <METRICS_TOKEN>`. That
 * token is not a session token, so the auth plugin left the caller unset for it.
 */
export function requireAdminOrMetricsToken(
  app: FastifyInstance,
  metricsToken: string | undefined,
): void {
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (
      metricsToken !== undefined &&
      header?.startsWith('Bearer ') &&
      sameSecret(header.slice('Bearer '.length).trim(), metricsToken)
    )
      return;
    adminOf(request);
  });
}
