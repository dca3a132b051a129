/**
 * One socket's failure stays that socket's: an exception while handling its message
 * closes it with 1011 and a reason the client can show, and is logged; the process and
 * every other user's sockets carry on.
 */
import type { FastifyBaseLogger } from 'fastify';

/** RFC 6455: the server met a condition that kept it from fulfilling the request. */
export const INTERNAL_ERROR_CLOSE = 1011;

export function containFailure(
  socket: { close(code: number, reason: string): void },
  log: FastifyBaseLogger,
  handle: () => void,
): void {
  try {
    handle();
  } catch (error) {
    log.error({ err: error }, 'handling a socket message failed; the socket is closed');
    socket.close(INTERNAL_ERROR_CLOSE, 'The server could not handle a message; reconnect.');
  }
}
