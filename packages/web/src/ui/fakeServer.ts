/**
 * Tests only: replaces `fetch` with a scripted server, recording every request, so
 * component tests exercise the real REST client and its error mapping.
 */
import { vi } from 'vitest';

export interface FakeRequest {
  method: string;
  url: string;
  body: unknown;
  /** Sent to outlive the page (fetch's keepalive); absent otherwise. */
  keepalive?: true;
}

/** A reply, `'network'` (the request fails as when offline), or `'hang'` (never answers). */
export type FakeReply = { status: number; body?: unknown } | 'network' | 'hang';

export function errorReply(status: number, code: string, message = code): FakeReply {
  return { status, body: { error: { code, message } } };
}

export function fakeServer(route: (request: FakeRequest) => FakeReply | undefined): FakeRequest[] {
  const requests: FakeRequest[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const text = typeof init?.body === 'string' ? init.body : undefined;
      const request: FakeRequest = {
        method: init?.method ?? 'GET',
        url: input instanceof Request ? input.url : String(input),
        body: text === undefined ? undefined : JSON.parse(text),
        ...(init?.keepalive === true && { keepalive: true as const }),
      };
      requests.push(request);
      const reply = route(request) ?? errorReply(404, 'NOT_FOUND');
      if (reply === 'network') return Promise.reject(new TypeError('Failed to fetch'));
      if (reply === 'hang') return new Promise<Response>(() => undefined);
      return Promise.resolve(
        new Response(reply.status === 204 ? null : JSON.stringify(reply.body ?? {}), {
          status: reply.status,
          headers: { 'content-type': 'application/json' },
        }),
      );
    }),
  );
  return requests;
}

export const testUser = {
  id: '00000000-0000-4000-8000-000000000001',
  username: 'ada',
  email: 'ada@example.com',
  createdAt: '2026-01-05T10:00:00.000Z',
  admin: false,
};
