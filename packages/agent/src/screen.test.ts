import { SerializeAddon } from '@xterm/addon-serialize';
import headless from '@xterm/headless';
import { describe, expect, it } from 'vitest';

import { Screen, SCREEN_BACKLOG_BYTES, skippableParts } from './screen';

const COLS = 40;
const ROWS = 10;
const SCROLLBACK = 50;
/** What scrolledAway must leave for a screen of ROWS and a history of SCROLLBACK. */
const KEEP = SCROLLBACK + 2 * ROWS;

type Chunk = string | Uint8Array | { cols: number; rows: number };

/** The screen and history of a terminal that parses every byte, in order. */
async function parsedWhole(chunks: Chunk[]): Promise<string> {
  const terminal = new headless.Terminal({
    cols: COLS,
    rows: ROWS,
    scrollback: SCROLLBACK,
    allowProposedApi: true,
  });
  const serializer = new SerializeAddon();
  terminal.loadAddon(serializer);
  for (const chunk of chunks) {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) {
      await new Promise<void>((resolve) => terminal.write(chunk, resolve));
    } else {
      terminal.resize(chunk.cols, chunk.rows);
    }
  }
  const text = serializer.serialize({ scrollback: SCROLLBACK });
  terminal.dispose();
  return text;
}

/** The same through a Screen, with `settleAfter` chunks parsed before the ones after them. */
async function throughScreen(
  chunks: Chunk[],
  settleAfter: number[] = [],
): Promise<{ text: string; skipped: number }> {
  const screen = new Screen(COLS, ROWS, SCROLLBACK, () => undefined);
  for (const [i, chunk] of chunks.entries()) {
    if (typeof chunk === 'string') screen.write(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) screen.write(chunk);
    else screen.resize(chunk.cols, chunk.rows);
    if (settleAfter.includes(i)) await screen.settled();
  }
  await screen.settled();
  const result = { text: screen.serialize(SCROLLBACK), skipped: screen.skippedBytes };
  screen.dispose();
  return result;
}

const lines = (count: number, line = (i: number) => `line ${i}`, end = '\r\n') =>
  Array.from({ length: count }, (_, i) => line(i) + end).join('');

describe('skippableParts', () => {
  const bytes = (text: string) => Buffer.from(text);
  const length = (text: string) => Buffer.byteLength(text);

  it('skips plain text from its first line to the CR LF that KEEP line feeds follow', () => {
    expect(skippableParts(bytes(lines(KEEP + 30)), KEEP)).toEqual([
      { from: length(lines(1)), to: length(lines(30)) },
    ]);
  });

  it('skips nothing when fewer line feeds follow', () => {
    expect(skippableParts(bytes(lines(KEEP + 1)), KEEP)).toEqual([]);
  });

  it('ends a run at an escape, a C0 or a C1 control, and skips in each run on its own', () => {
    for (const control of ['\x1b[2J', '\x07', '\x0e', '\x7f', '\u009b2J']) {
      const before = lines(KEEP + 30);
      const after = `${control}${lines(KEEP + 40)}`;
      const parts = skippableParts(bytes(before + after), KEEP);
      const second = length(before) + length(control) + length(lines(1));
      expect(parts, JSON.stringify(control)).toEqual([
        { from: length(lines(1)), to: length(lines(30)) },
        { from: second, to: length(before) + length(control) + length(lines(40)) },
      ]);
    }
  });

  it('ends a run at invalid UTF-8', () => {
    const text = Buffer.concat([bytes(lines(10)), Buffer.of(0xc0, 0x80), bytes(lines(KEEP))]);
    expect(skippableParts(text, KEEP)).toEqual([]);
  });

  it('cuts only after CR LF: after a bare LF the column would depend on what was cut', () => {
    expect(skippableParts(bytes(lines(KEEP + 30, undefined, '\n')), KEEP)).toEqual([]);
  });

  it('counts UTF-8 text as plain', () => {
    const line = (i: number) => `é漢字🙂 ${i}`;
    expect(skippableParts(bytes(lines(KEEP + 5, line)), KEEP)).toEqual([
      { from: length(lines(1, line)), to: length(lines(5, line)) },
    ]);
  });
});

describe('Screen', () => {
  it('shows after a flood of plain text what parsing every byte shows, without parsing most of it', async () => {
    const chunks = [
      '\x1b[1;31mred and bold from here\r\n',
      lines(2000, (i) => `${i} `.repeat(15)),
      '\x1b[0mplain again\r\n$ ',
    ];
    const { text, skipped } = await throughScreen(chunks);
    expect(text).toBe(await parsedWhole(chunks));
    expect(skipped).toBeGreaterThan(Buffer.byteLength(chunks[1] as string) / 2);
  });

  it('skips nothing inside scroll margins, where lines do not leave the screen for the history', async () => {
    const chunks = ['top\r\n\x1b[3;8r\x1b[5;1H', lines(500), 'after'];
    const { text, skipped } = await throughScreen(chunks);
    expect(skipped).toBe(0);
    expect(text).toBe(await parsedWhole(chunks));
  });

  it('skips nothing inside a string a sequence began, where line ends are its text', async () => {
    const chunks = ['\x1b]0;', lines(500), '\x07after'];
    const { text, skipped } = await throughScreen(chunks, [0]);
    expect(skipped).toBe(0);
    expect(text).toBe(await parsedWhole(chunks));
  });

  it('parses the first line of a run, which ends a sequence split from it', async () => {
    const chunks = ['\x1b[3', `1m${lines(500)}`];
    const { text, skipped } = await throughScreen(chunks, [0]);
    expect(skipped).toBeGreaterThan(0);
    expect(text).toBe(await parsedWhole(chunks));
  });

  it('matches on the alternate screen, with wrapped lines, split characters and resizes', async () => {
    const flood = Buffer.from(lines(800, (i) => `${i}漢字`.repeat(i % 7)));
    const split = flood.indexOf(Buffer.from('字')) + 1;
    const chunks: Chunk[] = [
      '\x1b[?1049h\x1b[44m',
      flood.subarray(0, split),
      flood.subarray(split),
      { cols: 30, rows: 12 },
      lines(300, (i) => `after the resize ${i}`),
      '\x1b[?1049l',
      lines(300),
    ];
    const { text, skipped } = await throughScreen(chunks, [1]);
    expect(text).toBe(await parsedWhole(chunks));
    expect(skipped).toBeGreaterThan(0);
  });

  it('keeps enough lines for the size a resize queued before a flood gives', async () => {
    const chunks: Chunk[] = [
      lines(100, (i) => `before ${i}`),
      { cols: COLS, rows: 4 * ROWS },
      lines(KEEP + 40, (i) => `flood ${i}`),
    ];
    const { text } = await throughScreen(chunks, [0]);
    expect(text).toBe(await parsedWhole(chunks));
  });

  it('matches parsing every byte for random mixes of text, controls, sequences and resizes', async () => {
    const random = seeded(17);
    const pieces = [
      () => lines(1 + Math.floor(random() * 400), (i) => `${i}:` + 'x'.repeat(random() * 60)),
      () => lines(1 + Math.floor(random() * 50), (i) => `${i}`, '\n'),
      () => `\x1b[${1 + Math.floor(random() * 9)};${30 + Math.floor(random() * 8)}m`,
      () => `\x1b[${1 + Math.floor(random() * ROWS)};${1 + Math.floor(random() * COLS)}H`,
      () => (random() < 0.5 ? `\x1b[2;${ROWS - 1}r` : '\x1b[r'),
      () => '\rprogress 50%',
      () => 'é🙂\t|',
      () => '\x1b]0;title\x07',
    ];
    for (let round = 0; round < 20; round++) {
      const stream = Buffer.from(
        Array.from({ length: 12 }, () => pieces[Math.floor(random() * pieces.length)]!()).join(''),
      );
      // Cut anywhere, inside sequences and characters too.
      const chunks: Chunk[] = [];
      for (let at = 0; at < stream.length;) {
        const size = 1 + Math.floor(random() * 20_000);
        chunks.push(stream.subarray(at, at + size));
        at += size;
      }
      for (let resizes = Math.floor(random() * 3); resizes > 0; resizes--) {
        const size = { cols: 20 + Math.floor(random() * 60), rows: 5 + Math.floor(random() * 30) };
        chunks.splice(Math.floor(random() * (chunks.length + 1)), 0, size);
      }
      const settleAfter = chunks.map((_, i) => i).filter(() => random() < 0.5);
      const { text } = await throughScreen(chunks, settleAfter);
      expect(text, `round ${round}`).toBe(await parsedWhole(chunks));
    }
  });

  it('asks for reading to stop while too much waits to be parsed, and to go on once it is parsed', async () => {
    const told: boolean[] = [];
    const screen: Screen = new Screen(COLS, ROWS, SCROLLBACK, () => told.push(screen.backlogged));
    // Colour on every line: nothing of it may be skipped.
    const line = Buffer.from('\x1b[32m' + 'y'.repeat(30) + '\x1b[0m\r\n');
    const chunk = Buffer.concat(Array<Buffer>(1000).fill(line));
    for (let written = 0; written <= SCREEN_BACKLOG_BYTES; written += chunk.length) {
      screen.write(chunk);
    }
    expect(told).toEqual([true]);
    await screen.settled();
    expect(told).toEqual([true, false]);
    screen.dispose();
  });

  it('reports the size asked for before the output before it is parsed', () => {
    const screen = new Screen(COLS, ROWS, SCROLLBACK, () => undefined);
    screen.write(Buffer.from(lines(10)));
    screen.resize(100, 40);
    expect(screen.size).toEqual({ cols: 100, rows: 40 });
    screen.dispose();
  });
});

/** A small deterministic generator (mulberry32), so a failing round can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
