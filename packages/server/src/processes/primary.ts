/**
 * The primary server process's workers (`SERVER_PROCESSES` - 1 of them, forked from this
 * entry point): the primary accepts every connection on the port and deals them out in
 * turn, itself included, so that files and search use every core. It keeps what lives in
 * one place — the cells, their sockets, sign-in throttling — and the per-address limit,
 * counting a worker's connections until the worker says they closed. A worker that dies
 * is forked again; its connections are gone, as a restarted server's are.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';

import type { FastifyBaseLogger } from 'fastify';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

import type { CellManager } from '../cells/manager';
import type { ConnectionsPerAddress } from '../http/connection-limit';
import { RUN_DIR_ENV, WORKER_ENV, type ToPrimary, type ToWorker } from './messages';
import { PendingAnswers } from './pending';

const RESTART_MS = [500, 2000, 10_000];
/** A scrape does not wait longer for a worker's metrics; it goes without them. */
const METRICS_WAIT_MS = 2000;

type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

interface Worker {
  index: number;
  child: ChildProcess;
  ready: boolean;
  /** Restarts since it last became ready, for the delay before the next. */
  restarts: number;
  /** Its connections' addresses by id, released when it says they closed or it exits. */
  connections: Map<number, string>;
}

export interface WorkerOptions {
  count: number;
  runDir: string;
  limit: ConnectionsPerAddress;
  /** Its cells (and, through the replica bus, others'), whose syncs a worker waits for. */
  cells: Pick<CellManager, 'onEvent' | 'synced'>;
  log: FastifyBaseLogger;
}

export class WorkerProcesses implements AsyncDisposable {
  private readonly workers: (Worker | undefined)[] = [];
  private readonly restartTimers: NodeJS.Timeout[] = [];
  private readonly metricAnswers = new PendingAnswers<WorkerMetrics>();
  /** The primary's own HTTP server, which takes its share and the handed-back upgrades. */
  private server: HttpServer | undefined;
  private readonly runningCells = new Set<string>();
  private readonly stopWatchingCells: () => void;
  private nextConnection = 0;
  private turn = 0;
  private stopping = false;

  constructor(private readonly options: WorkerOptions) {
    this.stopWatchingCells = options.cells.onEvent((event) => {
      if (event.type !== 'status') return;
      const running = event.state !== 'stopped' && event.state !== 'failed';
      if (running === this.runningCells.has(event.workspaceId)) return;
      if (running) this.runningCells.add(event.workspaceId);
      else this.runningCells.delete(event.workspaceId);
      const change = running
        ? { running: [event.workspaceId], stopped: [] }
        : { running: [], stopped: [event.workspaceId] };
      for (const worker of this.workers) {
        if (worker?.ready) worker.child.send({ kind: 'cells', ...change } satisfies ToWorker);
      }
    });
  }

  /** Forks the workers; connections go to `server` until each is ready. */
  start(server: HttpServer): void {
    this.server = server;
    for (let index = 1; index <= this.options.count; index++) this.fork(index, 0);
  }

  get ready(): number {
    return this.workers.filter((worker) => worker?.ready).length;
  }

  /** The ready workers' metrics, as prom-client's `getMetricsAsJSON()` gives them. */
  async metrics(): Promise<WorkerMetrics[]> {
    const answers = await Promise.all(
      this.workers
        .filter((worker) => worker?.ready)
        .map((worker) =>
          this.metricAnswers.ask(
            (request) => worker!.child.send({ kind: 'metrics', request } satisfies ToWorker),
            METRICS_WAIT_MS,
          ),
        ),
    );
    return answers.filter((answer) => answer !== undefined);
  }

  /** A connection just accepted, not yet read from (`pauseOnConnect`). */
  take(socket: Socket): void {
    // Read now, while the socket is open: the address stays known after it closes.
    const address = socket.remoteAddress ?? '';
    if (!this.options.limit.admit(address)) {
      socket.destroy();
      return;
    }
    const worker = this.nextWorker();
    if (!worker) {
      this.serveHere(socket, address);
      socket.resume();
      return;
    }
    const id = this.nextConnection++;
    worker.connections.set(id, address);
    worker.child.send({ kind: 'connection', id } satisfies ToWorker, socket, (error) => {
      if (!error) return;
      // Sent nowhere: the worker went; the client reconnects.
      if (worker.connections.delete(id)) this.options.limit.release(address);
      socket.destroy();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.stopping = true;
    this.stopWatchingCells();
    for (const timer of this.restartTimers) clearTimeout(timer);
    await Promise.all(
      this.workers.map(async (worker) => {
        if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
        const exited = new Promise((resolve) => worker.child.once('exit', resolve));
        worker.child.kill('SIGTERM');
        await exited;
      }),
    );
  }

  /** In turn: the primary, then each ready worker. */
  private nextWorker(): Worker | undefined {
    const turns = this.workers.length + 1;
    for (let tried = 0; tried < turns; tried++) {
      this.turn = (this.turn + 1) % turns;
      if (this.turn === 0) return undefined;
      const worker = this.workers[this.turn - 1];
      if (worker?.ready) return worker;
    }
    return undefined;
  }

  private serveHere(socket: Socket, address: string): void {
    socket.once('close', () => this.options.limit.release(address));
    this.server!.emit('connection', socket);
  }

  private fork(index: number, restarts: number): void {
    const child = fork(process.argv[1]!, process.argv.slice(2), {
      execArgv: process.execArgv,
      env: { ...process.env, [WORKER_ENV]: String(index), [RUN_DIR_ENV]: this.options.runDir },
    });
    const worker: Worker = { index, child, ready: false, restarts, connections: new Map() };
    this.workers[index - 1] = worker;
    // A message sent as the worker goes fails here instead of ending the primary.
    child.on('error', (error) =>
      this.options.log.warn({ err: error, worker: index }, 'a server worker did not get a message'),
    );
    child.on('message', (message: ToPrimary, socket?: Socket) =>
      this.heard(worker, message, socket),
    );
    child.once('exit', (code, signal) => {
      worker.ready = false;
      for (const address of worker.connections.values()) this.options.limit.release(address);
      worker.connections.clear();
      if (this.stopping) return;
      this.options.log.error({ worker: index, code, signal }, 'a server worker process exited');
      const delay = RESTART_MS[Math.min(worker.restarts, RESTART_MS.length - 1)]!;
      const timer = setTimeout(() => {
        this.restartTimers.splice(this.restartTimers.indexOf(timer), 1);
        this.fork(index, worker.restarts + 1);
      }, delay);
      this.restartTimers.push(timer);
    });
  }

  private heard(worker: Worker, message: ToPrimary, socket: Socket | undefined): void {
    switch (message.kind) {
      case 'ready':
        worker.child.send({
          kind: 'cells',
          running: [...this.runningCells],
          stopped: [],
        } satisfies ToWorker);
        worker.ready = true;
        worker.restarts = 0;
        return;
      case 'closed': {
        const address = worker.connections.get(message.id);
        if (address === undefined) return;
        worker.connections.delete(message.id);
        this.options.limit.release(address);
        return;
      }
      case 'upgrade': {
        const address = worker.connections.get(message.id);
        if (!socket || address === undefined) {
          socket?.destroy();
          return;
        }
        // The connection is the primary's now, and counted here until it closes.
        worker.connections.delete(message.id);
        this.serveHere(socket, address);
        socket.emit('data', Buffer.from(message.head, 'base64'));
        return;
      }
      case 'metrics':
        this.metricAnswers.answer(message.request, message.metrics);
        return;
      case 'whenSynced':
        void this.options.cells
          .synced(message.workspaceId)
          .catch(() => undefined)
          .then(() => {
            if (worker.child.connected) {
              worker.child.send({ kind: 'synced', request: message.request } satisfies ToWorker);
            }
          });
        return;
    }
  }
}
