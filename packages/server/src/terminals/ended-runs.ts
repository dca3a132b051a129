/**
 * What is left of a run whose program ended: the tail of its output and how it ended. The
 * agent forgets a PTY when its process exits, so without this a reload would find the run
 * tab empty; reattaching the run replays it instead. Kept in memory with the cell's
 * terminals, until the tab is closed or the same file runs again, and bounded in size and
 * number.
 */

/** Output kept per run: about a thousand full lines, what a terminal's snapshot keeps. */
export const RUN_OUTPUT_LIMIT_CHARS = 128 * 1024;
/** Ended runs kept per cell; the oldest goes first. */
export const ENDED_RUNS_LIMIT = 16;

/** A run's output as it arrives, of which only the last `limit` characters are kept. */
export class OutputTail {
  private kept = '';
  /** Whether output before `kept` was dropped. */
  private cut = false;

  constructor(private readonly limit = RUN_OUTPUT_LIMIT_CHARS) {}

  append(text: string): void {
    this.kept += text;
    // Trimmed in batches, not at every chunk.
    if (this.kept.length <= 2 * this.limit) return;
    this.kept = this.kept.slice(-this.limit);
    this.cut = true;
  }

  /**
   * The kept output; when its start was cut, from the first line that is whole (a cut
   * escape sequence would print garbage).
   */
  text(): string {
    if (!this.cut && this.kept.length <= this.limit) return this.kept;
    const tail = this.kept.slice(-this.limit);
    return tail.slice(tail.indexOf('\n') + 1);
  }
}

export interface EndedRun {
  /** The workspace file that ran. */
  path: string;
  output: string;
  code: number | null;
  signal: string | null;
  durationMs: number | undefined;
}

/** The ended runs of one cell, by terminal id. */
export class EndedRuns {
  private readonly runs = new Map<string, EndedRun>();

  constructor(private readonly limit = ENDED_RUNS_LIMIT) {}

  get(terminalId: string): EndedRun | undefined {
    return this.runs.get(terminalId);
  }

  add(terminalId: string, run: EndedRun): void {
    this.forgetPath(run.path);
    this.runs.set(terminalId, run);
    // A Map iterates in insertion order: the first is the oldest.
    for (const oldest of this.runs.keys()) {
      if (this.runs.size <= this.limit) break;
      this.runs.delete(oldest);
    }
  }

  /** True when there was such a run. */
  forget(terminalId: string): boolean {
    return this.runs.delete(terminalId);
  }

  /** A new run of `path` takes the place of its last one. */
  forgetPath(path: string): void {
    for (const [terminalId, run] of this.runs) if (run.path === path) this.runs.delete(terminalId);
  }
}
