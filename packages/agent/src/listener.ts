/**
 * The agent's server when it listens (WORKCELL_AGENT_LISTEN): a pod's agent, reached over
 * the network by whichever server replica runs the cell now. A connection becomes a channel
 * only once its first frame carries the cell's token (agentAuth). The newest such
 * connection is the one served and any earlier one is closed: a replica connects anew
 * after the previous one died, and a dead replica's connection may never see a FIN.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { dirname } from 'node:path';

import {
  agentAuth,
  encodeFrame,
  FRAME_PREFIX_BYTES,
  FrameDecoder,
  type AgentEvent,
} from '@workcell/protocol/agent';

import type { ListenAddress } from './settings';

/** How long a connection may take to send its first frame. */
export const AUTH_TIMEOUT_MS = 5000;
/** Ample for `{"auth": "<token>"}`: a peer that has not authenticated makes the agent hold little. */
const MAX_AUTH_HEADER_BYTES = 4096;
/**
 * Idle time before TCP probes a peer. A replica that vanished (its node lost) sends no
 * FIN, and until the socket fails the processes of its connection run on.
 */
const KEEPALIVE_DELAY_MS = 30_000;

export interface Listener {
  /** Stops listening and ends the current connection once what was sent is flushed. */
  close: () => Promise<void>;
}

/** Listens on `address`; `accept` gets each connection that authenticated with `token`. */
export async function listen(
  address: ListenAddress,
  token: string,
  accept: (socket: Socket) => void,
): Promise<Listener> {
  const expected = digest(token);
  let current: Socket | undefined;
  const authenticate = async (socket: Socket) => {
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    socket.on('error', () => undefined); // a reset: 'close' follows
    const first = await firstFrame(socket);
    if (socket.destroyed) return; // gone meanwhile
    const auth = agentAuth.safeParse(first === 'late' ? undefined : first.header);
    if (!auth.success || !timingSafeEqual(digest(auth.data.auth), expected)) {
      refuse(
        socket,
        first === 'late'
          ? `no first frame within ${AUTH_TIMEOUT_MS / 1000} s`
          : 'the first frame must be {"auth": "<the cell\'s token>"}',
      );
      return;
    }
    current?.destroy();
    current = socket;
    socket.on('close', () => {
      if (current === socket) current = undefined;
    });
    accept(socket);
  };
  const server = createServer((socket) => void authenticate(socket));
  if ('path' in address) {
    // A fresh workspace volume has no folder for it yet.
    await mkdir(dirname(address.path), { recursive: true, mode: 0o700 });
    await removeStaleSocket(address.path);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The token guards the socket; the mode keeps other users of the pod from even trying.
  if ('path' in address) await chmod(address.path, 0o600);
  return {
    close: () =>
      new Promise((resolve) => {
        server.close();
        if (current) current.end(resolve);
        else resolve();
      }),
  };
}

/** Hashed first, so comparing takes the same time whatever the lengths. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Reads exactly one frame, leaving what follows it in the socket for the channel. Resolves
 * `{ header: undefined }` for anything but a frame (too long, cut short, not JSON).
 */
function firstFrame(socket: Socket): Promise<{ header: unknown } | 'late'> {
  return new Promise((resolve) => {
    const decoder = new FrameDecoder({ header: MAX_AUTH_HEADER_BYTES, body: 0 });
    let wanted = FRAME_PREFIX_BYTES;
    const done = (result: { header: unknown } | 'late') => {
      clearTimeout(timer);
      socket.off('readable', read);
      socket.off('end', cut);
      socket.off('close', cut);
      resolve(result);
    };
    const cut = () => done({ header: undefined });
    const read = () => {
      for (let chunk: Buffer | null; (chunk = socket.read(wanted) as Buffer | null);) {
        if (chunk.length < wanted) return cut(); // the stream ended inside the frame
        let frame;
        try {
          [frame] = decoder.push(chunk);
        } catch {
          return cut(); // beyond the limits
        }
        if (frame) return done(frame);
        wanted = chunk.readUInt32BE(0); // the prefix was read; the header follows
      }
    };
    const timer = setTimeout(() => done('late'), AUTH_TIMEOUT_MS);
    socket.on('readable', read);
    socket.on('end', cut);
    socket.on('close', cut);
  });
}

function refuse(socket: Socket, message: string): void {
  const event: AgentEvent = { ev: 'error', error: { code: 'UNAUTHENTICATED', message } };
  socket.write(encodeFrame(event));
  socket.destroySoon();
}

/** A socket file left by an earlier agent would make listening fail (EADDRINUSE). */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
