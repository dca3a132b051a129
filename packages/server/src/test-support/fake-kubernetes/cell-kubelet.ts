/**
 * A FakeKubelet whose pods are real cells: each pod is a local bubblewrap cell (the local
 * driver's, with its limits, volume and isolation) running the real agent from the pod's
 * own environment — so the Kubernetes driver's cells are reached, authenticated and
 * used exactly as in a cluster. Only the pod network is emulated: the cell has none of its
 * own, so its agent listens on a unix socket in its volume (reached through the cell's
 * root, as its volume is mounted in the cell's namespace only), and the pod's address
 * (127.3.x.y, all of 127/8 is loopback) relays to it.
 */
import { access } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { AGENT_ENV } from '@workcell/agent';

import type { RunningCell } from '../../cells/driver';
import { defaultCellLimits } from '../../cells/limits';
import type { LocalCellDriver } from '../../cells/local';
import { BLOCKED, TEST_OWNER } from '../../cells/local/test-support';
import type { ExecStreams, FakeKubelet, PodReporter } from './kubelet';
import type { PodJson } from './objects';

/** Where the agent of a pod's cell listens, inside the cell (in its volume, at /app). */
const CELL_SOCKET = '/app/.workcell/agent.sock';
const LISTEN_TIMEOUT_MS = 30_000;
const MiB = 1024 * 1024;

interface PodCellRun {
  podName: string;
  cell: RunningCell;
  network: Server;
  socketPath: string;
  relays: Set<Socket>;
}

/** `500m` → 0.5, `2` → 2. */
function cpuCores(quantity: string | undefined): number | undefined {
  if (!quantity) return undefined;
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

/** `512Mi` → bytes; the fake's pods only use Mi and Gi. */
function bytes(quantity: string | undefined): number | undefined {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity ?? '');
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 * MiB : MiB);
}

export class CellKubelet implements FakeKubelet {
  readonly #runs = new Map<string, PodCellRun>();
  #addresses = 0;

  constructor(private readonly driver: LocalCellDriver) {}

  async start(pod: PodJson, report: PodReporter): Promise<{ podIP: string }> {
    const id = pod.metadata.uid!;
    const [container] = pod.spec.containers;
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? '']));
    const resources = (container?.resources ?? {}) as { limits?: Record<string, string> };
    const volumes = (pod.spec.volumes ?? []) as {
      name: string;
      emptyDir?: { sizeLimit?: string };
    }[];
    const limits = defaultCellLimits();
    const cell = await this.driver.start(
      {
        workspaceId: id,
        ownerId: pod.metadata.labels?.['workcell.dev/owner'] ?? TEST_OWNER,
        limits: {
          ...limits,
          memoryBytes: bytes(resources.limits?.memory) ?? limits.memoryBytes,
          cpuCores: cpuCores(resources.limits?.cpu) ?? limits.cpuCores,
          diskBytes:
            bytes(volumes.find((v) => v.name === 'workspace')?.emptyDir?.sizeLimit) ??
            limits.diskBytes,
        },
        blockedCommands: BLOCKED,
      },
      {
        // The pod's settings for the agent, over the local cell's own; it listens where
        // this kubelet relays the pod's network to.
        ...Object.fromEntries(
          [AGENT_ENV.token, AGENT_ENV.shellEnv, AGENT_ENV.egressProxyPort].flatMap((name) =>
            env[name] === undefined ? [] : [[name, env[name]]],
          ),
        ),
        [AGENT_ENV.listen]: CELL_SOCKET,
      },
    );
    // The cell's own channel only says the agent lives, as a container runtime's does.
    cell.channel.resume();
    void cell.exited.then(({ reason }) => report.exited(reason === 'stopped' ? 0 : 1));
    const socketPath = join(cell.volumePath(), CELL_SOCKET.slice('/app/'.length));
    const run: PodCellRun = {
      podName: pod.metadata.name!,
      cell,
      network: createServer(),
      socketPath,
      relays: new Set(),
    };
    this.#runs.set(id, run);
    try {
      await waitForSocket(socketPath);
      const podIP = this.#nextAddress();
      run.network.on('connection', (client) => this.#relay(run, client));
      await new Promise<void>((resolve, reject) => {
        run.network.once('error', reject);
        const port = container?.ports?.[0]?.containerPort ?? 7070;
        run.network.listen(port, podIP, resolve);
      });
      return { podIP };
    } catch (error) {
      await this.#release(id);
      throw error;
    }
  }

  async stop(pod: PodJson): Promise<void> {
    await this.#release(pod.metadata.uid!);
  }

  async exec(
    _pod: PodJson,
    _container: string,
    _command: string[],
    _streams: ExecStreams,
  ): Promise<never> {
    throw new Error('the cell kubelet does not exec; the driver reaches cells through the agent');
  }

  async connect(pod: PodJson): Promise<Socket> {
    const run = this.#runs.get(pod.metadata.uid!);
    if (!run) throw new Error(`pod ${pod.metadata.name} has no cell on this node`);
    return openUnix(run.socketPath);
  }

  /** Cuts every connection to the pod's agent, as a network failure would. */
  dropConnections(podName: string): void {
    for (const run of this.#runs.values())
      if (run.podName === podName) for (const relay of run.relays) relay.destroy();
  }

  /** Every pod's cell, stopped (the fake cluster closing). */
  async close(): Promise<void> {
    await Promise.all([...this.#runs.keys()].map((id) => this.#release(id)));
  }

  async #release(id: string): Promise<void> {
    const run = this.#runs.get(id);
    if (!run) return;
    this.#runs.delete(id);
    run.network.close();
    for (const relay of run.relays) relay.destroy();
    await run.cell.stop();
    await this.driver.removeVolume(id);
  }

  #relay(run: PodCellRun, client: Socket): void {
    const agent = connect(run.socketPath);
    run.relays.add(client);
    const end = () => {
      run.relays.delete(client);
      client.destroy();
      agent.destroy();
    };
    client.on('error', end).on('close', end);
    agent.on('error', end).on('close', end);
    client.pipe(agent).pipe(client);
  }

  #nextAddress(): string {
    const index = this.#addresses++;
    return `127.3.${Math.floor(index / 254) % 256}.${(index % 254) + 1}`;
  }
}

function openUnix(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function waitForSocket(path: string): Promise<void> {
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  for (;;) {
    try {
      await access(path);
      (await openUnix(path)).destroy();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`the agent did not listen at ${path} within ${LISTEN_TIMEOUT_MS} ms`, {
          cause: error,
        });
      await sleep(20);
    }
  }
}
