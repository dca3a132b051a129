/**
 * Authentication of a WebSocket upgrade, before it happens: a token (`Authorization:
 * Bearer` or `?token=`) or the session cookie, and with the cookie the Origin must be
 * Workcell's own, so another site cannot ride a signed-in browser. Shared by every socket
 * route (/ws and the language server's), so they cannot drift apart.
 */
import type { FastifyRequest } from 'fastify';

import { publicOrigin, sameOriginCheck } from '../auth/origin';
import { SESSION_COOKIE } from '../auth/plugin';
import type { AuthService } from '../auth/service';
import { WorkcellError } from '../errors';

export function upgradeAuthentication(
  auth: AuthService,
  publicUrl: string,
): (request: FastifyRequest) => Promise<void> {
  const isSameOrigin = sameOriginCheck(publicUrl);
  return async (request) => {
    const { token } = request.query as { token?: string };
    if (!request.caller && token) request.caller = await auth.authenticate(token);
    if (!request.caller) throw new WorkcellError('UNAUTHENTICATED');
    const byCookie =
      !request.headers.authorization && !token && request.cookies[SESSION_COOKIE] !== undefined;
    // Browsers send Origin with every WebSocket handshake: Sec-Fetch-Site alone is not enough.
    if (byCookie && (request.headers.origin === undefined || !isSameOrigin(request.headers))) {
      throw new WorkcellError(
        'ORIGIN_REJECTED',
        `Connections signed in by cookie must come from ${publicOrigin(publicUrl)}.`,
      );
    }
  };
}
