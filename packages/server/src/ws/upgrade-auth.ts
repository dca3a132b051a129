/**
 * Authentication of a WebSocket upgrade, before it happens: a token (`Authorization:
 * Bearer` or `?token=`) or the session cookie, and with the cookie the Origin must be
 * Workcell's own, so another site cannot ride a signed-in browser. Shared by every socket
 * route (/ws and the language server's), so they cannot drift apart.
 */
import type { FastifyRequest } from 'fastify';

import { SESSION_COOKIE } from '../auth/plugin';
import type { AuthService } from '../auth/service';
import { WorkcellError } from '../errors';

export function upgradeAuthentication(
  auth: AuthService,
  publicUrl: string,
): (request: FastifyRequest) => Promise<void> {
  const allowedOrigin = new URL(publicUrl).origin;
  // The page's own origin is Workcell's whichever name it was opened under (localhost or
  // 127.0.0.1); another site's page cannot send this host's cookie with a matching Origin.
  const isOwnOrigin = (origin: string | undefined, host: string | undefined) =>
    origin !== undefined && (origin === allowedOrigin || hostOf(origin) === host);
  return async (request) => {
    const { token } = request.query as { token?: string };
    if (!request.caller && token) request.caller = await auth.authenticate(token);
    if (!request.caller) throw new WorkcellError('UNAUTHENTICATED');
    const byCookie =
      !request.headers.authorization && !token && request.cookies[SESSION_COOKIE] !== undefined;
    if (byCookie && !isOwnOrigin(request.headers.origin, request.headers.host)) {
      throw new WorkcellError(
        'ORIGIN_REJECTED',
        `Connections signed in by cookie must come from ${allowedOrigin}.`,
      );
    }
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
