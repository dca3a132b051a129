/**
 * A terminal's screen and history, kept by a headless xterm fed everything its PTY wrote,
 * so that a client that (re)attaches gets them exactly (PtySession.snapshot).
 *
 * Only a snapshot reads the screen, so parsing waits: output is queued, and parsed
 * PARSE_DELAY_MS after the first of it arrived, in slices with a turn of the event loop
 * between them. The PTY keeps being read meanwhile (a PTY not read blocks its program),
 * and the output is relayed without waiting for the parser. A snapshot has the queue
 * parsed at once (settled()).
 *
 * Under a flood of output the parser is the agent's largest cost, and most of a flood of
 * plain text cannot show: once enough lines follow, a line has left the history, whatever
 * the screen held. So of each run of plain text in the queued output, only the first line
 * and the last `scrollback + 2 × rows` lines are parsed (skippableParts).
 */
import headless from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';

/** How long output waits before it is parsed, so that a flood is parsed in large runs. */
const PARSE_DELAY_MS = 50;
/** The most the parser takes at once before the event loop turns (about a millisecond). */
const SLICE_BYTES = 32 * 1024;
/** Output queued for the parser beyond which the PTY should not be read (onBacklog). */
export const SCREEN_BACKLOG_BYTES = 8 * 1024 * 1024;

const CR = 0x0d;
const LF = 0x0a;

type Queued = { data: Uint8Array } | { cols: number; rows: number };
type Step = Queued | { skippable: Uint8Array };

export class Screen {
  private readonly terminal: headless.Terminal;
  private readonly serializer = new SerializeAddon();
  /** Output and resizes not yet handed to the parser, in order. */
  private queue: Queued[] = [];
  /** Those handed to it in this round, sliced, with the parts that may be skipped. */
  private steps: Step[] = [];
  private backlogBytes = 0;
  private overBacklog = false;
  private timer: NodeJS.Timeout | undefined;
  private parsing = false;
  private settleWaiters: (() => void)[] = [];
  private disposed = false;
  private requested: { cols: number; rows: number };
  /** Output never parsed because it could no longer show (see skippableParts). */
  skippedBytes = 0;

  constructor(
    cols: number,
    rows: number,
    private readonly scrollback: number,
    /** Told when `backlogged` changes: past SCREEN_BACKLOG_BYTES, and back under half. */
    private readonly onBacklog: () => void,
  ) {
    this.terminal = new headless.Terminal({ cols, rows, scrollback, allowProposedApi: true });
    this.terminal.loadAddon(this.serializer);
    this.requested = { cols, rows };
  }

  /** More output waits to be parsed than the screen should hold (see onBacklog). */
  get backlogged(): boolean {
    return this.overBacklog;
  }

  /** The size the terminal has once everything queued is parsed. */
  get size(): { cols: number; rows: number } {
    return { ...this.requested };
  }

  write(data: Uint8Array): void {
    if (this.disposed) return;
    this.queue.push({ data });
    this.countBacklog(data.length);
    this.schedule();
  }

  /** Resizes once the output before it has been parsed at the size it was written for. */
  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    this.requested = { cols, rows };
    this.queue.push({ cols, rows });
    this.schedule();
  }

  /** Resolves once everything written so far has been parsed. */
  settled(): Promise<void> {
    if (!this.parsing && this.queue.length === 0) return Promise.resolve();
    const settled = new Promise<void>((resolve) => this.settleWaiters.push(resolve));
    if (this.timer) {
      clearTimeout(this.timer);
      this.round();
    }
    return settled;
  }

  /** The screen and up to `scrollback` lines of history as escape sequences (parsed output only). */
  serialize(scrollback: number): string {
    return this.serializer.serialize({ scrollback });
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.queue = [];
    this.steps = [];
    this.terminal.dispose();
    for (const resolve of this.settleWaiters.splice(0)) resolve();
  }

  private schedule(): void {
    if (this.parsing || this.timer) return;
    const delay = this.settleWaiters.length > 0 ? 0 : PARSE_DELAY_MS;
    this.timer = setTimeout(() => this.round(), delay);
  }

  /** Hands the queue to the parser, marking what of it may no longer show. */
  private round(): void {
    this.timer = undefined;
    this.parsing = true;
    const queued = this.queue;
    this.queue = [];
    let run: Uint8Array[] = [];
    // The rows the terminal will have when a run is parsed: a resize may come before it.
    let rows = this.terminal.rows;
    const endRun = () => {
      if (run.length > 0) this.stepsFor(run.length === 1 ? run[0]! : Buffer.concat(run), rows);
      run = [];
    };
    for (const step of queued) {
      if ('data' in step) {
        run.push(step.data);
      } else {
        endRun();
        this.steps.push(step);
        rows = step.rows;
      }
    }
    endRun();
    this.next();
  }

  private stepsFor(data: Uint8Array, rows: number): void {
    let at = 0;
    for (const { from, to } of skippableParts(data, this.scrollback + 2 * rows)) {
      this.slice(data.subarray(at, from));
      this.steps.push({ skippable: data.subarray(from, to) });
      at = to;
    }
    this.slice(data.subarray(at));
  }

  private slice(data: Uint8Array, where: 'end' | 'front' = 'end'): void {
    const slices: Step[] = [];
    for (let at = 0; at < data.length; at += SLICE_BYTES) {
      slices.push({ data: data.subarray(at, at + SLICE_BYTES) });
    }
    if (where === 'end') this.steps.push(...slices);
    else this.steps.unshift(...slices);
  }

  private next(): void {
    if (this.disposed) return;
    const step = this.steps.shift();
    if (!step) {
      this.parsing = false;
      if (this.queue.length > 0) this.schedule();
      else for (const resolve of this.settleWaiters.splice(0)) resolve();
      return;
    }
    if ('cols' in step) {
      this.terminal.resize(step.cols, step.rows);
      this.next();
      return;
    }
    if ('skippable' in step) {
      if (this.canSkip()) {
        this.skippedBytes += step.skippable.length;
        this.countBacklog(-step.skippable.length);
      } else {
        this.slice(step.skippable, 'front');
      }
      this.next();
      return;
    }
    this.terminal.write(step.data, () => {
      this.countBacklog(-step.data.length);
      // The event loop turns between slices; after the last (an echo's only one) no need.
      if (this.steps.length > 0) setImmediate(() => this.next());
      else this.next();
    });
  }

  private countBacklog(delta: number): void {
    this.backlogBytes += delta;
    const over = this.overBacklog
      ? this.backlogBytes > SCREEN_BACKLOG_BYTES / 2
      : this.backlogBytes > SCREEN_BACKLOG_BYTES;
    if (over === this.overBacklog) return;
    this.overBacklog = over;
    this.onBacklog();
  }

  /**
   * Whether plain text parsed now would only print and scroll the whole screen: the parser
   * is between sequences and the scroll margins are the screen's. xterm's API does not say,
   * so its internals are read; should they change, nothing is skipped (a test would notice).
   */
  private canSkip(): boolean {
    const core = (this.terminal as unknown as { _core?: XtermCore })._core;
    const state = core?._inputHandler?._parser?.currentState;
    const buffer = core?._bufferService?.buffer;
    return (
      state === GROUND_STATE &&
      buffer?.scrollTop === 0 &&
      buffer.scrollBottom === this.terminal.rows - 1
    );
  }
}

interface XtermCore {
  _inputHandler?: { _parser?: { currentState?: number } };
  _bufferService?: { buffer?: { scrollTop: number; scrollBottom: number } };
}
const GROUND_STATE = 0;

/**
 * The parts of `data` a terminal may leave unparsed, in order: in each run of plain text
 * (printable characters in valid UTF-8, tabs, CR and LF: nothing that starts a sequence or
 * moves the cursor otherwise), from after its first CR LF to after the CR LF that at least
 * `keepLines` more line feeds follow within the run. The first line is parsed, to end
 * whatever sequence or character the run's first bytes may belong to.
 *
 * Why leaving a part out is exact, for a terminal between sequences where the part starts
 * and whose scroll margins are the whole screen: plain text changes no state but the
 * buffer's lines and the cursor. The part starts and ends after a CR LF, so the cursor's
 * column is the first either way. Its row may differ, but each of the line feeds that follow
 * moves down or scrolls the whole screen into the history, so `keepLines` ≥ scrollback +
 * 2 × rows of them push every line written before them, and every line they wrote over an
 * earlier one, out of the buffer.
 */
export function skippableParts(
  data: Uint8Array,
  keepLines: number,
): { from: number; to: number }[] {
  const parts: { from: number; to: number }[] = [];
  for (let start = 0; start < data.length;) {
    const end = plainRunEnd(data, start);
    const from = afterFirstCrLf(data, start, end);
    const to = from < 0 ? -1 : lastCrLfBefore(data, from, end, keepLines);
    if (to > from && from >= 0) parts.push({ from, to });
    // Past the byte that ended the run (a character of 1 to 4 bytes; its length is not needed).
    start = end + 1;
  }
  return parts;
}

function afterFirstCrLf(data: Uint8Array, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) if (data[i] === LF && data[i - 1] === CR) return i + 1;
  return -1;
}

/** After the last CR LF in [from, end) that `keepLines` line feeds follow before `end`; -1 if none. */
function lastCrLfBefore(data: Uint8Array, from: number, end: number, keepLines: number): number {
  let lines = 0;
  for (let i = end - 1; i > from; i--) {
    if (data[i] !== LF) continue;
    if (lines >= keepLines && data[i - 1] === CR) return i + 1;
    lines++;
  }
  return -1;
}

/** Where the run of plain text (see skippableParts) from `start` ends. */
function plainRunEnd(data: Uint8Array, start: number): number {
  let i = start;
  while (i < data.length) {
    const byte = data[i]!;
    if (byte < 0x80) {
      if (byte >= 0x20 ? byte === 0x7f : byte !== 0x09 && byte !== LF && byte !== CR) return i;
      i++;
      continue;
    }
    const length = utf8Length(data, i);
    if (length === 0) return i;
    i += length;
  }
  return i;
}

/**
 * The length of the valid UTF-8 character at `i` that is not a C1 control (U+0080–U+009F,
 * which a terminal obeys like ESC sequences), or 0.
 */
function utf8Length(data: Uint8Array, i: number): number {
  const lead = data[i]!;
  // The range the second byte must be in: narrower after some leads, so that overlong
  // forms, surrogates and code points beyond U+10FFFF are refused.
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead === 0xc2) [length, low] = [2, 0xa0];
  else if (lead >= 0xc3 && lead <= 0xdf) length = 2;
  else if (lead === 0xe0) [length, low] = [3, 0xa0];
  else if (lead === 0xed) [length, high] = [3, 0x9f];
  else if (lead >= 0xe1 && lead <= 0xef) length = 3;
  else if (lead === 0xf0) [length, low] = [4, 0x90];
  else if (lead >= 0xf1 && lead <= 0xf3) length = 4;
  else if (lead === 0xf4) [length, high] = [4, 0x8f];
  else return 0;
  if (i + length > data.length) return 0;
  const second = data[i + 1]!;
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) if ((data[i + k]! & 0xc0) !== 0x80) return 0;
  return length;
}
