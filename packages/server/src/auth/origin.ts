/**
 * Whether a request comes from a page of Workcell's own: its `Origin` is PUBLIC_URL's, or
 * the page's own host (Workcell opened as localhost or as 127.0.0.1), or, without an Origin,
 * the browser says `Sec-Fetch-Site: same-origin`. Another site's page cannot produce any of
 * these, so a browser carrying Workcell's cookie for it cannot act as the user.
 */
import type { IncomingHttpHeaders } from 'node:http';

export function sameOriginCheck(publicUrl: string): (headers: IncomingHttpHeaders) => boolean {
  const allowedOrigin = new URL(publicUrl).origin;
  return ({ origin, host, 'sec-fetch-site': fetchSite }) => {
    if (origin !== undefined) return origin === allowedOrigin || hostOf(origin) === host;
    return fetchSite === 'same-origin';
  };
}

export const publicOrigin = (publicUrl: string) => new URL(publicUrl).origin;

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
