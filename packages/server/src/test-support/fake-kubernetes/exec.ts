/**
 * `pods/NAME/exec` over WebSocket, as the kubelet serves it through the API server:
 * stdin in on channel 0, stdout and stderr out on 1 and 2, resizes in on 4, and the
 * outcome as a Status on channel 3 (exit code in `details.causes`), then a normal close.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';

import { WebSocketServer, type WebSocket } from 'ws';

import { channel, channelWriter, chooseProtocol, frame } from './channel-protocol';
import type { FakeNode } from './fake-node';
import type { TerminalSize } from './kubelet';
import type { PodJson } from './objects';
import { apiErrors } from './status';

/** In order of preference; v5 adds closing stdin without closing the socket. */
const execProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export interface ExecTarget {
  namespace: string;
  name: string;
  query: URLSearchParams;
}

/**
 * The kubelet decodes `{"Width":…,"Height":…}` with Go's case-insensitive field matching,
 * and client-node 1.4.0 sends `{"width":…,"height":…}`: both are accepted here too.
 */
function parseTerminalSize(payload: Buffer): TerminalSize {
  const fields = Object.fromEntries(
    Object.entries(JSON.parse(payload.toString()) as Record<string, number>).map(([key, value]) => [
      key.toLowerCase(),
      value,
    ]),
  );
  return { width: fields.width ?? 0, height: fields.height ?? 0 };
}

function exitStatus(command: string[], exitCode: number) {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

export class ExecSessions {
  readonly #server = new WebSocketServer({
    noServer: true,
    handleProtocols: (_offered, request) => chooseProtocol(request, execProtocols) ?? false,
  });

  constructor(private readonly node: FakeNode) {}

  /** Throws ApiError (before upgrading) when the request cannot be served. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: ExecTarget): void {
    const { query } = target;
    const command = query.getAll('command');
    if (command.length === 0) throw apiErrors.badRequest('you must specify at least 1 command');
    if (!chooseProtocol(request, execProtocols))
      throw apiErrors.badRequest(`unable to upgrade: none of ${execProtocols.join(', ')} offered`);
    const { pod, container } = this.node.runningPod(
      target.namespace,
      target.name,
      query.get('container') ?? undefined,
    );
    this.#server.handleUpgrade(request, socket, head, (webSocket) => {
      void this.#run(webSocket, pod, container, command, query);
    });
  }

  /** Closes every session: their commands are aborted. */
  close(): void {
    for (const client of this.#server.clients) client.terminate();
    this.#server.close();
  }

  async #run(
    webSocket: WebSocket,
    pod: PodJson,
    container: string,
    command: string[],
    query: URLSearchParams,
  ): Promise<void> {
    const flag = (name: string) => query.get(name) === 'true' || query.get(name) === '1';
    const abort = new AbortController();
    const stdin = flag('stdin') ? new PassThrough() : undefined;
    const resizes = new EventEmitter<{ resize: [TerminalSize] }>();
    webSocket.on('message', (data: Buffer) => {
      const payload = data.subarray(1);
      if (data[0] === channel.stdin) stdin?.write(payload);
      else if (data[0] === channel.resize) resizes.emit('resize', parseTerminalSize(payload));
      else if (data[0] === channel.close && payload[0] === channel.stdin) stdin?.end();
    });
    webSocket.on('close', () => {
      abort.abort();
      stdin?.end();
    });

    let status: object;
    try {
      const { exitCode } = await this.node.exec(pod, container, command, {
        stdin,
        stdout: flag('stdout') ? channelWriter(webSocket, channel.stdout) : discard(),
        stderr: flag('stderr') ? channelWriter(webSocket, channel.stderr) : discard(),
        tty: flag('tty'),
        resizes,
        signal: abort.signal,
      });
      status = exitStatus(command, exitCode);
    } catch (error) {
      status = {
        metadata: {},
        status: 'Failure',
        message: error instanceof Error ? error.message : String(error),
      };
    }
    if (webSocket.readyState === webSocket.OPEN) {
      webSocket.send(frame(channel.error, JSON.stringify(status)));
      webSocket.close(1000);
    }
  }
}
