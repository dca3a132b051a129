import type { FastifyRequest } from 'fastify';

import { WorkcellError } from '../errors';
import { validPath } from './service';

/**
 * The workspace path of a `…/<segment>/<path>` URL, read from the raw URL rather than the
 * router's decoded wildcard: an encoded slash (`%2F`) would otherwise silently become a
 * separator, and the caller meant a name, so it is refused like any other invalid path.
 */
export function pathFromUrl(request: FastifyRequest, segment: string): string {
  const pathname = request.url.split('?', 1)[0]!;
  const marker = `/${segment}/`;
  const start = pathname.indexOf(marker, pathname.indexOf('/workspace/') + '/workspace/'.length);
  const encoded = start === -1 ? '' : pathname.slice(start + marker.length);
  if (/%2f/i.test(encoded))
    throw new WorkcellError('INVALID_PATH', 'Invalid path: an encoded / is not allowed in a name.');
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw new WorkcellError('INVALID_PATH', 'Invalid path: the URL encoding is malformed.');
  }
  return validPath(decoded);
}
