/**
 * A FakeKubelet for the fake's own tests and for trying it by hand: a pod's first
 * container runs its command (images are ignored) as a host process group, and each
 * pod has its own loopback address as its pod IP (127.1.x.y; Linux routes all of
 * 127/8 to lo), so a process that listens on $POD_IP:PORT is reached at PORT like a
 * real pod, with no port mapping. Exec runs host processes in the pod's directory.
 * There is no isolation whatsoever: only run what you would run in a shell.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ExecStreams, FakeKubelet, PodReporter } from './kubelet';
import type { PodJson } from './objects';

interface PodProcess {
  ip: string;
  directory: string;
  env: NodeJS.ProcessEnv;
  main: ChildProcess;
  exited: Promise<void>;
  /** Exec'd commands still running: they die with the pod. */
  commands: Set<ChildProcess>;
}

/** How long a pod's declared ports may take to accept connections before start fails. */
const readyTimeoutMs = 10_000;

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? constants.signals[signal] : 0);
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Signals the whole process group (`sh -c` and what it started), if still there. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

function openConnection(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

export class ProcessKubelet implements FakeKubelet {
  readonly #pods = new Map<string, PodProcess>();
  #addresses = 0;

  async start(pod: PodJson, report: PodReporter): Promise<{ podIP: string }> {
    const container = pod.spec.containers[0]!;
    const [file, ...args] = [...(container.command ?? []), ...(container.args ?? [])];
    if (!file)
      throw new Error(
        `container ${container.name} has no command: the process kubelet runs commands, not images`,
      );
    const ip = this.#nextAddress();
    const directory = await mkdtemp(join(tmpdir(), `fake-pod-${pod.metadata.name}-`));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: directory,
      HOSTNAME: pod.metadata.name,
      POD_NAME: pod.metadata.name,
      POD_NAMESPACE: pod.metadata.namespace,
      POD_IP: ip,
      ...Object.fromEntries((container.env ?? []).map(({ name, value }) => [name, value ?? ''])),
    };
    const main = spawn(file, args, { cwd: directory, env, detached: true, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => {
      main.once('exit', (code, signal) => {
        report.exited(exitCodeOf(code, signal));
        resolve();
      });
      // A command that cannot be spawned never exits; start() rejects with the error.
      main.once('error', () => resolve());
    });
    const started = new Promise<void>((resolve, reject) => {
      main.once('spawn', resolve);
      main.once('error', reject);
    });
    const podProcess = { ip, directory, env, main, exited, commands: new Set<ChildProcess>() };
    this.#pods.set(pod.metadata.uid!, podProcess);
    await started;
    await this.#waitForPorts(
      podProcess,
      (container.ports ?? []).map((p) => p.containerPort),
    );
    return { podIP: ip };
  }

  async stop(pod: PodJson, gracePeriodSeconds: number): Promise<void> {
    const podProcess = this.#pods.get(pod.metadata.uid!);
    if (!podProcess) return;
    this.#pods.delete(pod.metadata.uid!);
    for (const command of podProcess.commands) signalGroup(command, 'SIGKILL');
    if (isRunning(podProcess.main)) {
      signalGroup(podProcess.main, gracePeriodSeconds > 0 ? 'SIGTERM' : 'SIGKILL');
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        podProcess.exited,
        new Promise((resolve) => (graceTimer = setTimeout(resolve, gracePeriodSeconds * 1000))),
      ]);
      clearTimeout(graceTimer);
    }
    // Whatever the main process left behind in its group goes too.
    signalGroup(podProcess.main, 'SIGKILL');
    await podProcess.exited;
    await rm(podProcess.directory, { recursive: true, force: true });
  }

  async exec(
    pod: PodJson,
    _container: string,
    command: string[],
    streams: ExecStreams,
  ): Promise<{ exitCode: number }> {
    const podProcess = this.#running(pod);
    const [file, ...args] = command as [string, ...string[]];
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        cwd: podProcess.directory,
        env: podProcess.env,
        detached: true,
      });
      podProcess.commands.add(child);
      const kill = () => signalGroup(child, 'SIGKILL');
      streams.signal.addEventListener('abort', kill);
      child.stdin.on('error', () => undefined);
      if (streams.stdin) streams.stdin.pipe(child.stdin);
      else child.stdin.end();
      child.stdout.pipe(streams.stdout, { end: false });
      child.stderr.pipe(streams.stderr, { end: false });
      child.once('error', (error) => {
        podProcess.commands.delete(child);
        streams.signal.removeEventListener('abort', kill);
        reject(new Error(`exec: "${file}": ${error.message}`));
      });
      child.once('close', (code, signal) => {
        podProcess.commands.delete(child);
        streams.signal.removeEventListener('abort', kill);
        resolve({ exitCode: exitCodeOf(code, signal) });
      });
    });
  }

  async connect(pod: PodJson, port: number): Promise<Socket> {
    return openConnection(this.#running(pod).ip, port);
  }

  #running(pod: PodJson): PodProcess {
    const podProcess = this.#pods.get(pod.metadata.uid!);
    if (!podProcess) throw new Error(`pod ${pod.metadata.name} has no process on this node`);
    return podProcess;
  }

  #nextAddress(): string {
    const index = this.#addresses++;
    return `127.1.${Math.floor(index / 254) % 256}.${(index % 254) + 1}`;
  }

  /** Like a readiness probe: every declared port accepts a connection. */
  async #waitForPorts(podProcess: PodProcess, ports: number[]): Promise<void> {
    const deadline = Date.now() + readyTimeoutMs;
    for (const port of ports) {
      for (;;) {
        if (!isRunning(podProcess.main))
          throw new Error(`the container exited before port ${port} accepted connections`);
        try {
          (await openConnection(podProcess.ip, port)).destroy();
          break;
        } catch (error) {
          if (Date.now() > deadline)
            throw new Error(`port ${port} did not accept connections within ${readyTimeoutMs} ms`, {
              cause: error,
            });
          await sleep(20);
        }
      }
    }
  }
}
