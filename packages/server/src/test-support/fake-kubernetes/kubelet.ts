/**
 * What the fake node needs from whatever runs its pods. The fake API server plays the
 * scheduler and the kubelet's bookkeeping (status, events, deletion); a FakeKubelet only
 * runs things: the process-backed one for the fake's own tests, a cell-backed one for
 * the Kubernetes driver's.
 */
import type { EventEmitter } from 'node:events';
import type { Duplex, Readable, Writable } from 'node:stream';

import type { PodJson } from './objects';

export interface PodReporter {
  /** Records an event on the pod, as the kubelet would (`Warning`, `BackOff`, …). */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** The pod's main process ended: phase Succeeded (0) or Failed, containers terminated. */
  exited(exitCode: number): void;
}

export interface TerminalSize {
  width: number;
  height: number;
}

export interface ExecStreams {
  /** Present when the client asked for stdin; ends when the client closes it. */
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  tty: boolean;
  /** `resize` events from the client's terminal. */
  resizes: EventEmitter<{ resize: [TerminalSize] }>;
  /** Aborted when the client goes away: the command should be killed. */
  signal: AbortSignal;
}

export interface FakeKubelet {
  /**
   * Starts the pod's containers; resolves with the pod's IP once they run, rejects when
   * they cannot start. `report` stays valid until the pod is stopped.
   */
  start(pod: PodJson, report: PodReporter): Promise<{ podIP: string }>;
  /** Stops the pod: terminate, and kill after `gracePeriodSeconds`. Resolves once gone. */
  stop(pod: PodJson, gracePeriodSeconds: number): Promise<void>;
  /** Runs a command in a running pod; resolves once it has exited and its output is written. */
  exec(
    pod: PodJson,
    container: string,
    command: string[],
    streams: ExecStreams,
  ): Promise<{ exitCode: number }>;
  /** A byte stream to `port` inside the pod; rejects when nothing listens there. */
  connect(pod: PodJson, port: number): Promise<Duplex>;
}
