/**
 * One-shot processes. Node cannot read a child's rusage, so the target runs under a tiny
 * Python launcher (Python is in every cell) that forks it into its own process group,
 * tells the agent its pid, waits for it with wait4() and reports status, CPU time and peak
 * RSS on a pipe (fd 3). Killing the target's group leaves the launcher alive to report.
 * The launcher runs as the agent's uid and the target as the user's (its argv starts with
 * setpriv: as-user.ts), so user code can neither trace, signal nor impersonate the launcher
 * nor reach its report pipe: the report is the launcher's own wait status.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

import type { AgentResult } from '@workcell/protocol/agent';
import * as z from 'zod/mini';

import { AgentFailure } from './failure';
import { log } from './log';
import { USER_OOM_SCORE_ADJ } from './settings';

export const PYTHON = '/usr/bin/python3';
export const MAX_EXECS = 16;
/** After the target exits, how long descendants holding its stdout/stderr may keep them. */
const DRAIN_GRACE_MS = 500;
const MAX_REPORT_BYTES = 4096;

const LAUNCHER = `
import json, os, signal, sys
report = os.fdopen(3, "w")
try:
    with open("/proc/self/oom_score_adj", "w") as adj:
        adj.write("${USER_OOM_SCORE_ADJ}")
except OSError:
    pass
pid = os.fork()
if pid == 0:
    try:
        os.setpgid(0, 0)
        os.close(3)
        os.execvp(sys.argv[1], sys.argv[1:])
    except OSError as error:
        os.write(2, f"{sys.argv[1]}: {error.strerror}\\n".encode())
    os._exit(127)
try:
    os.setpgid(pid, pid)
except OSError:
    pass
report.write(json.dumps({"pid": pid}) + "\\n")
report.flush()
_, status, usage = os.wait4(pid, 0)
code = os.waitstatus_to_exitcode(status)
report.write(json.dumps({
    "exitCode": code if code >= 0 else None,
    "signal": signal.Signals(-code).name if code < 0 else None,
    "cpuMs": (usage.ru_utime + usage.ru_stime) * 1000,
    "peakMemoryBytes": usage.ru_maxrss * 1024,
}) + "\\n")
`;

const launcherReport = z.object({
  exitCode: z.nullable(z.int()),
  signal: z.nullable(z.string().check(z.maxLength(32))),
  cpuMs: z.number().check(z.minimum(0)),
  peakMemoryBytes: z.number().check(z.minimum(0)),
});

export interface ExecSpec {
  argv: string[];
  /** Lets the target run once the launcher has told its pid (user-cgroups.ts); kills it if it cannot. */
  adopt?: (pid: number) => Promise<void>;
  cwd: string;
  env: Record<string, string>;
  stdin: Buffer;
  timeoutMs: number;
  maxOutputBytes: number;
}

export interface ExecOutcome {
  result: AgentResult<'exec.run'>;
  /** stdout then stderr, as counted in the result. */
  body: Buffer;
}

/** Keeps the first `limit` bytes of a stream and drains the rest, so the writer never blocks. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;

  constructor(
    stream: Readable,
    private readonly limit: number,
  ) {
    stream.on('data', (chunk: Buffer) => {
      const room = this.limit - this.kept;
      if (chunk.length > room) this.truncated = true;
      if (room <= 0) return;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(part);
      this.kept += part.length;
    });
  }

  get data(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }
}

class ExecRun {
  private targetPid: number | undefined;
  private killed = false;
  private timedOut = false;
  private readonly launcherPid: number | undefined;
  readonly done: Promise<ExecOutcome>;

  constructor(spec: ExecSpec) {
    const started = performance.now();
    const child = spawn(PYTHON, ['-I', '-S', '-c', LAUNCHER, ...spec.argv], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own group, so killing it never reaches the agent's
    });
    this.launcherPid = child.pid;
    const [stdin, stdout, stderr, reportPipe] = child.stdio as unknown as [
      Writable,
      Readable,
      Readable,
      Readable,
    ];
    const out = new Capture(stdout, spec.maxOutputBytes);
    const err = new Capture(stderr, spec.maxOutputBytes);
    let reportText = '';
    reportPipe.setEncoding('utf8');
    reportPipe.on('data', (text: string) => {
      reportText = (reportText + text).slice(0, MAX_REPORT_BYTES);
      const pid = /^\{"pid": (\d+)\}\n/.exec(reportText)?.[1];
      if (pid !== undefined && this.targetPid === undefined) {
        this.targetPid = Number(pid);
        if (this.killed) this.kill();
        else spec.adopt?.(this.targetPid).catch((error: unknown) => log(String(error)));
      }
    });
    stdin.on('error', () => undefined); // EPIPE: the process did not read all its input
    stdin.end(spec.stdin);
    const timer = setTimeout(() => {
      this.timedOut = true;
      this.kill();
    }, spec.timeoutMs);
    let drain: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      drain = setTimeout(() => {
        for (const stream of [stdout, stderr, reportPipe]) stream.destroy();
      }, DRAIN_GRACE_MS);
    });

    this.done = new Promise((resolve, reject) => {
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        clearTimeout(drain);
        const line = reportText.split('\n')[1];
        const report = line ? launcherReport.safeParse(parseJson(line)) : undefined;
        // Without a report the launcher itself was killed (before the target's pid was known).
        const outcome = report?.success
          ? report.data
          : { exitCode: code, signal, cpuMs: 0, peakMemoryBytes: 0 };
        const stdoutData = out.data;
        const stderrData = err.data;
        resolve({
          result: {
            ...outcome,
            timedOut: this.timedOut,
            wallMs: performance.now() - started,
            stdoutBytes: stdoutData.length,
            stderrBytes: stderrData.length,
            stdoutTruncated: out.truncated,
            stderrTruncated: err.truncated,
          },
          body: Buffer.concat([stdoutData, stderrData]),
        });
      });
    });
  }

  /** SIGKILLs the target's process group, or the launcher's while the target is unknown. */
  kill(): void {
    this.killed = true;
    const group = this.targetPid ?? this.launcherPid;
    if (group === undefined) return;
    try {
      process.kill(-group, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class ExecHost {
  private readonly runs = new Map<string, ExecRun>();
  private disposed = false;

  async run(id: string, spec: ExecSpec): Promise<ExecOutcome> {
    if (this.disposed) throw new AgentFailure('CELL_UNAVAILABLE', 'processes are being stopped');
    if (this.runs.has(id))
      throw new AgentFailure('ALREADY_EXISTS', `process ${id} is already running`);
    if (this.runs.size >= MAX_EXECS) {
      throw new AgentFailure('RATE_LIMITED', `at most ${MAX_EXECS} processes may run at once`);
    }
    const run = new ExecRun(spec);
    this.runs.set(id, run);
    try {
      return await run.done;
    } finally {
      this.runs.delete(id);
    }
  }

  kill(id: string): void {
    const run = this.runs.get(id);
    if (!run) throw new AgentFailure('NOT_FOUND', `no running process ${id}`);
    run.kill();
  }

  dispose(): void {
    this.disposed = true;
    for (const run of this.runs.values()) run.kill();
  }
}
