/**
 * The fake Kubernetes API server: plain HTTP on 127.0.0.1, a bearer token, the REST and
 * watch routes over an in-memory store, exec and port-forward WebSockets, and one fake
 * node whose pods a FakeKubelet runs. See README.md for what is real and what is not.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

import { refuseUpgrade } from './channel-protocol';
import { discoveryDocument } from './discovery';
import { ExecSessions } from './exec';
import { FakeNode } from './fake-node';
import { writeKubeconfig } from './kubeconfig';
import type { FakeKubelet } from './kubelet';
import { PortForwards } from './port-forward';
import { parseResourcePath, resourceTypes, type ResourcePath } from './resources';
import { handleRest } from './rest';
import { parseSelectors } from './selectors';
import { ApiError, apiErrors } from './status';
import { ObjectStore } from './store';
import { selfSignedCertificate } from './tls';
import { WatchStreams } from './watch';

export interface FakeKubernetesOptions {
  kubelet: FakeKubelet;
  /** Namespaces that exist from the start; the API cannot create more. Default: `default`. */
  namespaces?: string[];
  /** Changes kept for watches to resume from; older resourceVersions get 410. */
  historyLimit?: number;
  /** How often watches that allow bookmarks get one. */
  bookmarkIntervalMs?: number;
  /** Default: any free port. */
  port?: number;
  /**
   * Serve https with a self-signed certificate (made with the openssl command) instead of
   * plain http: kubectl sends its token only over TLS.
   */
  tls?: boolean;
}

export interface FakeKubernetes extends AsyncDisposable {
  /** http://127.0.0.1:PORT, or https:// with `tls` */
  readonly url: string;
  readonly token: string;
  readonly store: ObjectStore;
  writeKubeconfig(file: string, namespace?: string): Promise<void>;
  /** Drops the watch history: resuming from any earlier resourceVersion answers 410. */
  compactHistory(): void;
  /** Ends every open watch, as an API server restart would. */
  closeWatches(): void;
  /** Stops the pods' containers, ends every stream and stops listening. */
  close(): Promise<void>;
}

/** Request bodies beyond this are refused, like the real server's 3 MiB limit. */
const maxBodyBytes = 3 * 1024 * 1024;

const version = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-workcell-fake',
  platform: 'linux/amd64',
};

function sendJson(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(500, 'InternalError', error instanceof Error ? error.message : String(error));
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes)
      throw new ApiError(413, 'RequestEntityTooLarge', 'the request is too large');
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw apiErrors.badRequest('the request body is not valid JSON');
  }
}

const isTrue = (value: string | null) => value === 'true' || value === '1';

export async function startFakeKubernetes(options: FakeKubernetesOptions): Promise<FakeKubernetes> {
  const certificate = options.tls ? await selfSignedCertificate() : undefined;
  const token = randomBytes(24).toString('hex');
  const store = new ObjectStore(options.historyLimit);
  for (const namespace of options.namespaces ?? ['default']) {
    store.create(resourceTypes.namespaces, undefined, {
      metadata: { name: namespace },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
  const node = new FakeNode(store, options.kubelet);
  const watches = new WatchStreams(store, options.bookmarkIntervalMs ?? 5000);
  const execSessions = new ExecSessions(node);
  const portForwards = new PortForwards(node);

  const authorize = (request: IncomingMessage) => {
    if (request.headers.authorization !== `Bearer ${token}`) throw apiErrors.unauthorized();
    const url = new URL(request.url ?? '/', 'http://fake');
    return { url, path: parseResourcePath(url.pathname) };
  };
  const notFound = () =>
    new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

  const serveRequest = async (request: IncomingMessage, response: ServerResponse) => {
    const { url, path } = authorize(request);
    if (url.pathname === '/version') return sendJson(response, 200, version);
    const discovery = discoveryDocument(url.pathname);
    if (discovery) return sendJson(response, 200, discovery);
    if (!path) throw notFound();
    const query = url.searchParams;
    if (path.subresource === 'exec' || path.subresource === 'portforward')
      throw apiErrors.badRequest('Upgrade request required');
    if (request.method === 'GET' && path.name === undefined && isTrue(query.get('watch'))) {
      return watches.serve(
        {
          resource: path.type,
          namespace: path.namespace,
          selector: parseSelectors(
            query.get('labelSelector') ?? undefined,
            query.get('fieldSelector') ?? undefined,
          ),
          resourceVersion: query.get('resourceVersion') ?? undefined,
          allowBookmarks: isTrue(query.get('allowWatchBookmarks')),
          timeoutSeconds: query.has('timeoutSeconds')
            ? Number(query.get('timeoutSeconds'))
            : undefined,
        },
        response,
      );
    }
    const body = await readJsonBody(request);
    const contentType = (request.headers['content-type'] ?? 'application/json')
      .split(';')[0]!
      .trim();
    if (body !== undefined && request.method !== 'PATCH' && contentType !== 'application/json')
      throw apiErrors.unsupportedMediaType(contentType);
    const reply = handleRest(store, {
      method: request.method ?? 'GET',
      path,
      query,
      contentType,
      body,
    });
    sendJson(response, reply.code, reply.body);
  };

  const serveUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { url, path } = authorize(request);
    const target = podTarget(path);
    if (!target) throw notFound();
    const streamTarget = { ...target, query: url.searchParams };
    if (path?.subresource === 'exec') execSessions.upgrade(request, socket, head, streamTarget);
    else if (path?.subresource === 'portforward')
      portForwards.upgrade(request, socket, head, streamTarget);
    else throw notFound();
  };

  const handleRequest = (request: IncomingMessage, response: ServerResponse) => {
    serveRequest(request, response).catch((error: unknown) => {
      const apiError = asApiError(error);
      if (response.headersSent) response.destroy();
      else sendJson(response, apiError.code, apiError.toStatus());
    });
  };
  const server = certificate
    ? createTlsServer(certificate, handleRequest)
    : createServer(handleRequest);
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      serveUpgrade(request, socket, head);
    } catch (error) {
      refuseUpgrade(socket, asApiError(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `${certificate ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfigTarget = (namespace: string) => ({
    url,
    token,
    namespace,
    certificateAuthority: certificate?.cert,
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      watches.closeAll();
      execSessions.close();
      portForwards.close();
      server.closeAllConnections();
      await node.close();
      await stopped;
    })());

  return {
    url,
    token,
    store,
    writeKubeconfig: (file, namespace = 'default') =>
      writeKubeconfig(file, kubeconfigTarget(namespace)),
    compactHistory: () => store.compactHistory(),
    closeWatches: () => watches.closeAll(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function podTarget(path: ResourcePath | undefined) {
  if (path?.type !== resourceTypes.pods || !path.namespace || !path.name) return undefined;
  return { namespace: path.namespace, name: path.name };
}
