/**
 * JSON-RPC 2.0 as the LSP bridge sees it: the shape every browser message must have, and
 * the `Content-Length` framing of a language server's stdio. Messages from the browser are
 * validated before anything reads them; messages from the language server (user-reachable
 * code in the cell) are only parsed, and a stream that breaks the framing is dropped.
 */
import { JsonTooDeepError, parseBoundedJson } from '@workcell/protocol';
import * as z from 'zod';

/** The most a browser message may hold (a whole file in didOpen/didChange, with room). */
export const MAX_LSP_MESSAGE_BYTES = 4 * 1024 * 1024;
/** The most one language-server message may hold before its stream is considered broken. */
const MAX_SERVER_MESSAGE_BYTES = 64 * 1024 * 1024;
const MAX_HEADER_BYTES = 1024;

const id = z.union([z.number().int(), z.string().max(256)]);
const params = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]);

export const jsonRpcRequest = z.object({
  jsonrpc: z.literal('2.0'),
  id: id.optional(),
  method: z.string().min(1).max(256),
  params: params.optional(),
});
export const jsonRpcResponse = z
  .object({
    jsonrpc: z.literal('2.0'),
    id: id.nullable(),
    result: z.unknown().optional(),
    error: z
      .object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() })
      .optional(),
  })
  .refine((m) => 'result' in m !== (m.error !== undefined), 'exactly one of result and error');
export const jsonRpcMessage = z.union([jsonRpcRequest, jsonRpcResponse]);

export type JsonRpcRequest = z.infer<typeof jsonRpcRequest>;
export type JsonRpcResponse = z.infer<typeof jsonRpcResponse>;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcResponse;
export type JsonRpcId = z.infer<typeof id>;

export const isRequest = (m: JsonRpcMessage): m is JsonRpcRequest => 'method' in m;

/** JSON-RPC error codes the bridge answers with. */
export const RpcErrors = {
  parse: -32700,
  invalidRequest: -32600,
  internal: -32603,
  /** LSP: the server cancelled the request (here: it restarted). */
  serverCancelled: -32802,
} as const;

export function encodeContentLength(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

export class FramingError extends Error {}

/** Reassembles `Content-Length`-framed messages; throws FramingError on a broken stream. */
export class ContentLengthDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): unknown[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: unknown[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buffer.length > MAX_HEADER_BYTES) throw new FramingError('header too long');
        break;
      }
      const header = this.buffer.subarray(0, end).toString('ascii');
      const length = Number(/(?:^|\r\n)Content-Length: *(\d+)/i.exec(header)?.[1] ?? NaN);
      if (!Number.isSafeInteger(length) || length > MAX_SERVER_MESSAGE_BYTES)
        throw new FramingError(`bad header ${JSON.stringify(header.slice(0, 100))}`);
      const start = end + 4;
      if (this.buffer.length < start + length) break;
      const body = this.buffer.subarray(start, start + length).toString('utf8');
      this.buffer = this.buffer.subarray(start + length);
      try {
        messages.push(parseBoundedJson(body));
      } catch (error) {
        throw new FramingError(
          error instanceof JsonTooDeepError ? error.message : 'a message is not JSON',
        );
      }
    }
    return messages;
  }
}
