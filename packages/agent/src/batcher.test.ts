import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';

import { OutputBatcher } from './batcher';

describe('OutputBatcher', () => {
  let frames: { text: string; offset: number }[];
  let batcher: OutputBatcher;

  beforeEach(() => {
    vi.useFakeTimers();
    frames = [];
    batcher = new OutputBatcher(
      (data, offset) => frames.push({ text: data.toString('utf8'), offset }),
      { maxBytes: 4096, delayMs: 4 },
    );
  });
  afterEach(() => {
    batcher.dispose();
    vi.useRealTimers();
  });

  test("small reads go out as they come (a keystroke's echo never waits for a batch)", () => {
    batcher.push(Buffer.from('a'));
    batcher.push(Buffer.from('\b \b'));
    expect(frames).toEqual([
      { text: 'a', offset: 0 },
      { text: '\b \b', offset: 1 },
    ]);
  });

  test('after a large read, what follows is coalesced into one frame; then reads go at once again', () => {
    const flood = 'x'.repeat(2048);
    batcher.push(Buffer.from(flood));
    for (let i = 0; i < 10; i++) batcher.push(Buffer.from('0123456789'));
    expect(frames).toEqual([{ text: flood, offset: 0 }]);
    vi.runOnlyPendingTimers();
    expect(frames[1]).toEqual({ text: '0123456789'.repeat(10), offset: 2048 });
    vi.runOnlyPendingTimers(); // nothing more came: the window closes
    batcher.push(Buffer.from('$ '));
    expect(frames.at(-1)).toEqual({ text: '$ ', offset: 2148 });
  });

  test('a batch reaching maxBytes is sent without waiting, and flush() sends the rest', () => {
    batcher.push(Buffer.alloc(2048, 'a'));
    batcher.push(Buffer.alloc(3000, 'b'));
    batcher.push(Buffer.alloc(1500, 'c'));
    expect(frames.map((f) => [f.text.length, f.offset])).toEqual([
      [2048, 0],
      [4500, 2048],
    ]);
    batcher.push(Buffer.from('end'));
    batcher.flush();
    expect(frames.at(-1)).toEqual({ text: 'end', offset: 6548 });
    expect(batcher.sentBytes).toBe(6551);
  });
});
